"""Alembic environment: the URL comes from the caller, else from grader's settings."""

from __future__ import annotations

from alembic import context

from grader.config import get_settings
from grader.store.models import Base, UtcDateTime
from grader.store.session import Timeouts, make_engine

config = context.config


def render_item(kind: str, item: object, autogen_context: object) -> str | bool:
    """Migrations stand alone: UtcDateTime is written as the plain column type it stores as."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


url = config.get_main_option("sqlalchemy.url") or get_settings().database_url

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    # A migration may rewrite whole tables: the service's request-sized limits do not apply.
    engine = make_engine(url, Timeouts(connect_s=10, lock_s=60, statement_s=3600))
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Rebuilding a table drops the old one; its children's keys must not cascade or fail.
            # (Takes effect only outside a transaction, so before the migration's begins.)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
