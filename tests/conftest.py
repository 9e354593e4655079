"""Shared fixtures: a real database per test, the example profile, Prefect without a server, the
SMTP/HTTP sinks, the feed worlds. The one way to share fixtures: conftest.py files (plain helpers
are in tests/support/).

Tiers: tests/unit (no database, no Prefect), tests/integration (a real database),
tests/e2e (subprocess CLI, the demo, the Prefect server, PostgreSQL).

The database is a SQLite file; test modules marked ``both_databases`` run their
database tests a second time on PostgreSQL when NMRF_TEST_POSTGRES_URL names a
server where we may create databases (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
A test that is about SQLite itself is marked ``sqlite_only``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

# Prefect reads its settings at import: a private home for the whole run, the
# same temporary-server settings the command line uses, no analytics look-up.
_PREFECT_HOME = tempfile.mkdtemp(prefix="nmrf-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
# The tests' links point at 127.0.0.1 on purpose: say so, as a deployment sets its public address (a test of
# the unset case removes it). Without it, messages with links wait in the outbox (issue 12).
os.environ["NMRF_PUBLIC_URL"] = "http://127.0.0.1:8765"
# The command line speaks the locale's language (nmrf/cli/lang.py); the tests read its English
# unless they ask for another, whatever locale the machine running them has.
for _var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
    os.environ.pop(_var, None)
os.environ["LANG"] = "C.UTF-8"
# The command line's tables are as wide as COLUMNS says, else 120 columns into a pipe (nmrf/cli/common.py);
# pytest-xdist's workers inherit COLUMNS=80, so the same test would read other line breaks there.
os.environ.pop("COLUMNS", None)
from nmrf.flows.runtime import prepare_prefect_environment  # noqa: E402
from nmrf.settings import get_settings  # noqa: E402

prepare_prefect_environment(get_settings())

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from nmrf.models.db import make_engine, session_scope, upgrade_schema  # noqa: E402
from nmrf.testing.sinks import HttpSink, SmtpSink  # noqa: E402
from tests.support.database import migrated_engine  # noqa: E402
from tests.support.feed_parsers import assert_parsers_agree  # noqa: E402
from tests.support.feed_worlds import World, launch_world  # noqa: E402
from nmrf.profile import EXAMPLE_PROFILE, load_profile  # noqa: E402

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)


PG_ENV = "NMRF_TEST_POSTGRES_URL"
PG_SKIP = f"set {PG_ENV}=postgresql+psycopg://... to run on PostgreSQL"


def pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # A test of a `both_databases` module that uses the database runs on SQLite and on PostgreSQL.
    node = metafunc.definition
    if ("db_backend" in metafunc.fixturenames and node.get_closest_marker("both_databases")
            and not node.get_closest_marker("sqlite_only")):
        # A plain skip mark (not skipif): pytest then folds the skips into one line per file.
        marks = [pytest.mark.postgres] + ([] if pg_admin_url() else [pytest.mark.skip(reason=PG_SKIP)])
        metafunc.parametrize("db_backend", ["sqlite", pytest.param("postgresql", marks=marks)], indirect=True)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql" and not pg_admin_url():
        pytest.skip(PG_SKIP)
    return backend


def create_pg_database(prefix: str) -> str:
    """A new, empty PostgreSQL database; returns its URL."""
    from nmrf.prefect_stack import create_database

    admin_url = pg_admin_url()
    assert admin_url, PG_SKIP
    return create_database(admin_url, prefix)


def drop_pg_database(url: str) -> None:
    from nmrf.prefect_stack import drop_database

    drop_database(pg_admin_url() or url, url)


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """An empty PostgreSQL database of this test alone, dropped after."""
    if not pg_admin_url():
        pytest.skip(PG_SKIP)
    url = create_pg_database("nmrf_test")
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the session's PostgreSQL tests, dropped at the end."""
    url = create_pg_database("nmrf_tests")
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    yield url
    drop_pg_database(url)


def _emptied(url: str) -> str:
    # As good as a new migrated database and ten times faster than CREATE DATABASE ... TEMPLATE
    # (0.03 s against 0.35 s): end what earlier tests left connected, delete every row (children
    # first), restart every sequence so ids start at 1 as on a new database.
    engine = create_engine(url)
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    try:
        with engine.begin() as c:
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            c.exec_driver_sql("".join(f'DELETE FROM "{t}";' for t in tables))
            seqs = c.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars()
            c.exec_driver_sql("".join(f'ALTER SEQUENCE "{q}" RESTART;' for q in seqs) or "SELECT 1")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new database, also handed to flows and the CLI through the environment: a SQLite file not yet
    created, or on PostgreSQL the session's database, migrated and emptied of rows."""
    if db_backend == "postgresql":
        url = _emptied(request.getfixturevalue("pg_session_url"))
    else:
        url = f"sqlite:///{tmp_path / 'nmrf.db'}"
    monkeypatch.setenv("NMRF_DATABASE_URL", url)
    monkeypatch.setenv("NMRF_HOME", str(tmp_path))
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The test's database, migrated (a copy of the session's migrated SQLite file)."""
    eng = migrated_engine(db_url)
    yield eng
    eng.dispose()


def load_example(engine: Engine, *, language: str | None = None) -> Engine:
    """Load the example profile (Chile, fictional people); with `language`, as the State's and every
    person's language (tests whose assertions read the texts in one language)."""
    from nmrf.services.profiles import apply_profile

    profile = load_profile(EXAMPLE_PROFILE)
    if language is not None:
        profile.state.language = language
        for person in profile.people:
            person.language = language
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=profile, now=NOW)
    return engine


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """The database with the example profile (Chile, fictional people) loaded."""
    return load_example(engine)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def http() -> Iterator[HttpSink]:
    """A real HTTP server on 127.0.0.1 that keeps what it receives (webhooks)."""
    with HttpSink() as sink:
        yield sink


# ---------------------------------------------------------------- the feeds (calendars)

@pytest.fixture
def every_feed_read_by_three_parsers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every calendar serialised during a test (by the builder, the server or the export) is
    collected and, at the end of the test, read by icalendar, vobject and ical.js, which must
    agree; its lines must end in CRLF and be folded at 75 octets. Autouse in the calendars
    folders (their conftest.py)."""
    from icalendar import Calendar

    produced: list[bytes] = []
    original = Calendar.to_ical

    def recording(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        body = original(self, *args, **kwargs)
        produced.append(body)
        return body

    monkeypatch.setattr(Calendar, "to_ical", recording)
    yield produced
    monkeypatch.undo()
    unique = list(dict.fromkeys(produced))
    if unique:
        assert_parsers_agree(unique)


@pytest.fixture
def loaded_in_english(engine: Engine) -> Engine:
    """The example profile with English as every reader's language: the feed tests are about who sees
    what and how feeds are served and parsed, with the English texts they assert; feeds in each reader's
    own language are tested in tests/integration/services/test_i18n_renderings.py. The calendars
    folders' `loaded` (their conftest.py)."""
    return load_example(engine, language="en")


@pytest.fixture
def world(loaded: Engine) -> World:
    """The example profile (Chile) with a CEDAW periodic report and a UPR review launched."""
    return launch_world(loaded)


# -- Hypothesis: a few examples per property in the default run, many in CI (.ci/run sets HYPOTHESIS_PROFILE=ci).
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[_HealthCheck.too_slow])
_hsettings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[_HealthCheck.too_slow])
_hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    from tests.support.tally import CASES

    if CASES:
        total = sum(CASES.values())
        terminalreporter.write_line(f"hardening cases run: {total} ("
                                    + ", ".join(f"{a}/{w}: {n}" for (a, w), n in sorted(CASES.items())) + ")")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the run (about a second to start), driven by Playwright: Debian's build,
    never a downloaded one; skipped with the reason where it is missing, failed where CI promised it."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, chromium_or_skip

    chromium_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _prefect_console_logs_outlive_the_cli_runner() -> Iterator[None]:
    """Prefect's console log handler keeps the stderr it was created with; under typer's CliRunner that is the
    runner's buffer, closed when the command returns, and a later test's command would print a logging error
    into its output. A person's `nmrf` is one process per command and never meets this: only the tests do."""
    yield
    import logging
    import sys

    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values()
                                      if isinstance(v, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler) and getattr(handler.stream, "closed", False):
                handler.stream = sys.__stderr__  # not setStream: it would flush the closed buffer
                handler.console.file = sys.__stderr__
