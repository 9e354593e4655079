"""Fixtures of the command-line tests."""

import os
import shutil
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path
from unittest import mock

import pytest

from nmrf.profile import EXAMPLE_PROFILE
from tests.support.cli import nmrf
from tests.support.database import SQLITE


def _init() -> None:
    result = nmrf("init", "--profile", str(EXAMPLE_PROFILE))
    assert result.exit_code == 0, result.output
    assert "Chile (CL): profile loaded: " in result.output


@lru_cache(maxsize=1)
def _initialised_file() -> Path:
    """A SQLite file `nmrf init` wrote, once per test process (it writes nothing else): Alembic and the
    profile cost about half a second a test, a copy a millisecond."""
    path = Path(tempfile.mkdtemp(prefix="nmrf-test-initialised-")) / "nmrf.db"
    with mock.patch.dict(os.environ, {"NMRF_DATABASE_URL": f"{SQLITE}{path}"}):
        _init()
    with sqlite3.connect(path) as c:  # everything into the main file, so that copying it copies the database
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def initialised(db_url: str) -> str:
    """`nmrf init` with the example profile, as a secretariat starts (on SQLite, a copy of what it wrote)."""
    if db_url.startswith(SQLITE):
        shutil.copyfile(_initialised_file(), db_url[len(SQLITE):])
    else:
        _init()
    return db_url
