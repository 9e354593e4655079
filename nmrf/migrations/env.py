"""Alembic environment: runs on the engine nmrf hands over (SQLite or PostgreSQL)."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import nmrf.models  # noqa: F401  (the metadata of every table)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
