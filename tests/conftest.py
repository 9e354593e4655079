"""Shared fixtures: a real SQLite file per test, the example profile, Prefect without a server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

# Prefect reads its settings at import: a private home for the whole run, the
# same temporary-server settings the command line uses, no analytics look-up.
_PREFECT_HOME = tempfile.mkdtemp(prefix="nmrf-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
from nmrf.flows.runtime import prepare_prefect_environment  # noqa: E402
from nmrf.settings import get_settings  # noqa: E402

prepare_prefect_environment(get_settings())

from sqlalchemy import Engine  # noqa: E402

from nmrf.models.db import make_engine, session_scope, upgrade_schema  # noqa: E402
from nmrf.profile import EXAMPLE_PROFILE, load_profile  # noqa: E402

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new SQLite file, also handed to flows and the CLI through the environment."""
    url = f"sqlite:///{tmp_path / 'nmrf.db'}"
    monkeypatch.setenv("NMRF_DATABASE_URL", url)
    monkeypatch.setenv("NMRF_HOME", str(tmp_path))
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """The database with the example profile (Chile, fictional people) loaded."""
    from nmrf.services.profiles import apply_profile

    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=NOW)
    return engine


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
