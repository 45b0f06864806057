"""delivery queues: an index on a student's pending deliveries to an endpoint, oldest first

The webhook worker takes the head of each student's queue; without this index finding the
heads read every pending delivery, so the outbox drained more slowly the longer it was.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_webhook_deliveries_queue",
        "webhook_deliveries",
        ["status", "endpoint_id", "student_id", "created_at", "attempts"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_queue", table_name="webhook_deliveries")
