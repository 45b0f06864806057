"""keys never reused: AUTOINCREMENT on every SQLite table

SQLite hands out max(rowid) + 1 for a plain INTEGER PRIMARY KEY, so after the newest row is
lost (a crash before its commit, a delete) its id goes to the next row, and a client holding
the old id reads someone else's attempt. AUTOINCREMENT never hands an id out twice. PostgreSQL's
sequences never do either, so this changes nothing there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:00:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# graded_answers and adapted_models were created with AUTOINCREMENT already.
TABLES = (
    "students",
    "api_tokens",
    "attempts",
    "review_states",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
    "webhook_delivery_attempts",
    "inbound_submissions",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
