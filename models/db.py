"""The database: engine, schema (through Alembic) and sessions.

SQLite is the embedded default; PostgreSQL is the same code with another URL.
On SQLite, write transactions start with BEGIN IMMEDIATE so that two processes
(two sweeps, a sweep and a person recording an input) queue on the write lock
instead of failing half-way with "database is locked".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

import nmrf
import nmrf.models  # noqa: F401  (registers every table on the metadata)

# The migrations ship inside the nmrf package (this folder is installed as nmrf.models).
MIGRATIONS_DIR = Path(nmrf.__file__).resolve().parent / "migrations"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 60})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds A-Z only: a search for "état" would miss "l'État partie".
        # PostgreSQL's folds every letter; this makes SQLite's do the same.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = "DEFERRED" if conn.get_execution_options().get("nmrf_readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    # Imported here: alembic adds about 0.2 s to a command's start (measured); only schema work pays it.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_schema(engine: Engine, revision: str = "heads") -> None:
    """Create or upgrade the schema with the Alembic migrations (idempotent)."""
    # Imported here: alembic adds about 0.2 s to a command's start (measured); only schema work pays it.
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def schema_revisions(engine: Engine) -> set[str]:
    # Imported here: alembic adds about 0.2 s to a command's start (measured); only schema work pays it.
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


@contextmanager
def session_scope(engine: Engine, *, actor: str = "system", readonly: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    bind = engine.execution_options(nmrf_readonly=True) if readonly else engine
    session = Session(bind=bind, expire_on_commit=False)
    session.info["actor"] = actor
    try:
        yield session
        # A read-only unit just closes: close() ends the transaction and keeps
        # what was loaded readable, where rollback() would expire it.
        if not readonly:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def rolled_back(engine: Engine, *, actor: str) -> Iterator[Session]:
    """A write transaction (so SQLite takes its lock up front) that is always rolled back: a dry run."""
    session = Session(bind=engine, expire_on_commit=False)
    session.info["actor"] = actor
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def dialect_insert(session: Session, table):  # type: ignore[no-untyped-def]
    """INSERT for the session's database, with its ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
