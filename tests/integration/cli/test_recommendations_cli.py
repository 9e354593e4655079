"""The commands as a secretariat runs them, and the schema the migration builds."""

from __future__ import annotations


from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.models.db import make_engine, upgrade_schema
from nmrf.profile import EXAMPLE_PROFILE
from nmrf.domain.reference import UPR_INFO_CSV
from tests.support.paths import DATA as TEST_DATA
from tests.support.paths import UHRI as UHRI_CSV

UHRI = UHRI_CSV


def test_migrating_an_empty_database_gives_exactly_the_models_schema(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade_schema(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_import_cluster_list_and_a_refused_file_from_the_command_line(db_url, tmp_path):
    run = CliRunner().invoke
    assert run(app, ["init", "--profile", str(EXAMPLE_PROFILE)]).exit_code == 0
    first = run(app, ["recommendations", "import", str(UPR_INFO_CSV), "--format", "upr-info"])
    assert first.exit_code == 0, first.output
    assert "new 122" in first.output and "mac_roman" in first.output
    again = run(app, ["recommendations", "import", str(UPR_INFO_CSV), "--format", "upr-info"])
    assert "Nothing changed" in again.output
    assert run(app, ["recommendations", "import", str(UHRI), "--format", "uhri"]).exit_code == 0
    clustered = run(app, ["recommendations", "cluster"])
    assert "143 recommendation(s)" in clustered.output and "span" in clustered.output
    listed = run(app, ["recommendations", "list", "--urgent", "--limit", "0"])
    assert listed.exit_code == 0 and "CAT" in listed.output
    bad = tmp_path / "bad.csv"
    bad.write_text("To,Text\nChile,x\n", encoding="utf-8")
    refused = run(app, ["recommendations", "import", str(bad), "--format", "upr-info"])
    assert refused.exit_code == 2 and "missing column(s)" in refused.output and "Nothing was changed" in refused.output


def test_an_unknown_recommending_state_is_listed_after_the_import_and_by_flagged(db_url):
    run = CliRunner().invoke
    assert run(app, ["init", "--profile", str(EXAMPLE_PROFILE)]).exit_code == 0
    current = TEST_DATA / "uhri-current.csv"
    imported = run(app, ["recommendations", "import", str(current), "--format", "uhri"])
    assert imported.exit_code == 0, imported.output
    assert "new 9" in imported.output and "'Republic of Utopia' (1 row(s)) is not one we know" in imported.output
    listed = run(app, ["recommendations", "flagged"])
    assert listed.exit_code == 0
    assert "'Republic of Utopia': 1 recommendation(s), not one we know" in listed.output
    assert "'Indigenous data sovereignty': 1 recommendation(s), not mapped" in listed.output
