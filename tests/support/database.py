"""A migrated database for a test: Alembic runs once per session, each test gets a copy.

Migrating a new SQLite file costs about a second of Alembic per test; copying a
migrated template file costs a millisecond and gives the same schema (the same
file, alembic_version included). PostgreSQL: the session's database is migrated
once and emptied per test (conftest.py `db_url`).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from nmrf.models.db import make_engine, upgrade_schema

SQLITE = "sqlite:///"


@lru_cache(maxsize=1)
def _template() -> Path:
    """A SQLite file migrated to the head revision, once per test process."""
    path = Path(tempfile.mkdtemp(prefix="nmrf-test-template-")) / "template.db"
    engine = make_engine(f"{SQLITE}{path}")
    upgrade_schema(engine)
    engine.dispose()
    # Everything into the main file, so that copying that one file copies the database.
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def migrated_engine(url: str) -> Engine:
    """An engine on `url` with the schema at the head revision: a new SQLite file is a copy of the
    session's migrated template; anything else is migrated in place (idempotent)."""
    if url.startswith(SQLITE):
        path = Path(url[len(SQLITE):])
        if not path.exists():
            shutil.copyfile(_template(), path)
            return make_engine(url)
    engine = make_engine(url)
    upgrade_schema(engine)
    return engine
