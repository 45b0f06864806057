"""learning: graded answers and adapted models

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "graded_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_graded_answers_attempt_id_attempts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graded_answers")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_graded_answers_attempt_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_graded_answers_question_id"), "graded_answers", ["question_id"], unique=False
    )
    op.create_table(
        "adapted_models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adapted_models")),
        sa.UniqueConstraint("question_id", "version", name=op.f("uq_adapted_models_question_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_adapted_models_question_id"), "adapted_models", ["question_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_adapted_models_question_id"), table_name="adapted_models")
    op.drop_table("adapted_models")
    op.drop_index(op.f("ix_graded_answers_question_id"), table_name="graded_answers")
    op.drop_table("graded_answers")
