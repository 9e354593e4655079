"""The schema comes from the Alembic migrations alone, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.models.db import alembic_config, make_engine, schema_revisions, upgrade_schema

pytestmark = pytest.mark.both_databases


@pytest.fixture
def empty_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with nothing in it yet: a new SQLite file, or a new PostgreSQL database."""
    if db_backend == "postgresql":
        return request.getfixturevalue("fresh_pg_url")
    return f"sqlite:///{tmp_path / 'empty.db'}"


def diff_from_models(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)


def test_migrating_an_empty_database_gives_exactly_the_models_schema_and_again_changes_nothing(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade_schema(engine)
        heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
        assert schema_revisions(engine) == heads
        assert diff_from_models(engine) == []
        upgrade_schema(engine)  # idempotent: a second upgrade finds nothing to do
        assert schema_revisions(engine) == heads and diff_from_models(engine) == []
    finally:
        engine.dispose()


def test_nmrf_db_upgrade_creates_the_schema_can_run_again_and_never_prints_the_password(empty_url, monkeypatch):
    # PostgreSQL here trusts local connections, so a password in the URL is accepted and ignored.
    url = empty_url.replace("postgres@", "postgres:s3cret-pw@") if "postgresql" in empty_url else empty_url
    monkeypatch.setenv("NMRF_DATABASE_URL", url)
    engine = make_engine(empty_url)
    heads = ", ".join(sorted(ScriptDirectory.from_config(alembic_config(engine)).get_heads()))
    try:
        for _ in range(2):
            result = CliRunner().invoke(app, ["db", "upgrade"], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            assert f"schema at {heads}" in result.output and "s3cret-pw" not in result.output
        assert diff_from_models(engine) == []
    finally:
        engine.dispose()
