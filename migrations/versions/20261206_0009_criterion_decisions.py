"""key-point decisions: an instructor's decision per (attempt, criterion), the decided grade

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "criterion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("criterion_id", sa.String(length=100), nullable=False),
        sa.Column("credit", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("via", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_criterion_decisions_attempt_id_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["via"], ["attempts.id"], name=op.f("fk_criterion_decisions_via_attempts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criterion_decisions")),
        sa.UniqueConstraint(
            "attempt_id", "criterion_id", name=op.f("uq_criterion_decisions_attempt_id")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_criterion_decisions_attempt_id"), "criterion_decisions", ["attempt_id"]
    )
    op.create_index(
        op.f("ix_criterion_decisions_question_id"), "criterion_decisions", ["question_id"]
    )
    # SQLite rebuilds the table: keep its AUTOINCREMENT (migration 0004).
    with op.batch_alter_table("attempts", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("decided", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("decided")
    op.drop_index(op.f("ix_criterion_decisions_question_id"), table_name="criterion_decisions")
    op.drop_index(op.f("ix_criterion_decisions_attempt_id"), table_name="criterion_decisions")
    op.drop_table("criterion_decisions")
