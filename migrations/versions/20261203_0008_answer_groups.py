"""answer groups: similar answers to a question, graded together; who graded through which

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("centre", sa.LargeBinary(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_groups")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_answer_groups_question_id"), "answer_groups", ["question_id"], unique=False
    )
    # SQLite rebuilds the table for the foreign keys: keep its AUTOINCREMENT (migration 0004).
    with op.batch_alter_table("attempts", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("graded_via", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answer_vector", sa.LargeBinary(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_attempts_group_id_answer_groups"), "answer_groups", ["group_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_attempts_graded_via_attempts"), "attempts", ["graded_via"], ["id"]
        )
        batch.create_index(op.f("ix_attempts_group_id"), ["group_id"], unique=False)


def downgrade() -> None:
    # SQLite rebuilds the table for the foreign keys: keep its AUTOINCREMENT (migration 0004).
    with op.batch_alter_table("attempts", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index(op.f("ix_attempts_group_id"))
        batch.drop_constraint(op.f("fk_attempts_graded_via_attempts"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_attempts_group_id_answer_groups"), type_="foreignkey")
        batch.drop_column("answer_vector")
        batch.drop_column("graded_via")
        batch.drop_column("group_id")
    op.drop_index(op.f("ix_answer_groups_question_id"), table_name="answer_groups")
    op.drop_table("answer_groups")
