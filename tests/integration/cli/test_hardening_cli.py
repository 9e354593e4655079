"""No traceback reaches a person (issue 17): every command, given a bad argument, exits non-zero with one clear
line and changes nothing; checks the README promises at load; control characters on every database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.models import AuditEntry, Cycle, Milestone, Recommendation
from nmrf.profile import EXAMPLE_PROFILE
from tests.support.tally import count

pytestmark = pytest.mark.both_databases
runner = CliRunner()


def nmrf(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def counts(db_url: str) -> tuple[int, ...]:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return tuple(s.exec(select(func.count()).select_from(m)).one()
                         for m in (Cycle, Milestone, Recommendation, AuditEntry))
    finally:
        engine.dispose()


def refused(result, *words: str) -> None:  # noqa: ANN001
    assert result.exit_code != 0, result.output
    assert "error:" in result.output and "Traceback" not in result.output, result.output
    for w in words:
        assert w in result.output, (w, result.output)


@pytest.mark.parametrize("as_of", ["", " ", "9999-01-01", "0001-01-01", "1944-12-31", "2201-01-01", "2024-02-30", "x"])
def test_a_date_outside_1945_to_2200_or_not_a_date_is_refused_by_name(initialised, as_of):
    before = counts(initialised)
    for args in (["advance", "--as-of", as_of], ["inventory", "--as-of", as_of],
                 ["cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", f"submission={as_of}"]):
        result = nmrf(*args)
        refused(result, "Nothing was changed.")
        assert "--as-of" in result.output or "submission" in result.output or "--date" in result.output
    assert counts(initialised) == before
    count("cli", "dates", 3)


@pytest.mark.sqlite_only
def test_bad_arguments_to_files_formats_and_databases_end_in_one_clear_line(initialised, tmp_path: Path):
    csv_file = Path(__file__).resolve().parents[3] / "nmrf" / "data" / "uhri" / "uhri-chile-sample.csv"
    existing = tmp_path / "public.csv"
    existing.write_text("keep me")
    cases = [
        (["recommendations", "import", str(csv_file), "--format", "nosuch"], "--format"),
        (["recommendations", "import", str(tmp_path / "missing.csv"), "--format", "uhri"], "no such file"),
        (["recommendations", "import", str(tmp_path), "--format", "uhri"], ""),
        (["recommendations", "publish", "--out", str(tmp_path / "no-folder" / "x.csv")], "does not exist"),
        (["recommendations", "publish", "--out", str(existing)], "exists"),
        (["recommendations", "publish", "--out", str(tmp_path / "x.exe")], ".csv"),
        (["recommendations", "template", "--out", str(existing)], "exists"),
        (["inputs", "draft", "1", "--out", str(tmp_path / "none" / "d.md")], "does not exist"),
        (["meeting", "add", "x", "--kind", "plenary", "--title", "a\x00b", "--at", "2027-05-12 10:00",
          "--timezone", "Europe/Zurich", "--role", "focal_point"], "--title"),
        (["cycle", "show", "\x1b[2J"], ""),
        # Last: --db also sets NMRF_DATABASE_URL for the flows this process runs.
        (["--db", "not a url", "history"], "database"),
        (["--db", "postgresql+psycopg://nmrf:hunter2secret@127.0.0.1:1/nmrf", "history"], "database"),
        (["--db", "mysql://nmrf:hunter2secret@127.0.0.1/nmrf", "history"], ""),
    ]
    before = counts(initialised)
    for args, words in cases:
        result = nmrf(*args)
        refused(result, *([words] if words else []))
        assert "hunter2secret" not in result.output
    assert existing.read_text() == "keep me"
    os.environ["NMRF_DATABASE_URL"] = initialised
    assert counts(initialised) == before
    count("cli", "arguments", len(cases))


@pytest.mark.sqlite_only
def test_the_installed_command_turns_an_unexpected_failure_into_one_line_without_the_password(tmp_path: Path):
    env = {**os.environ, "NMRF_HOME": str(tmp_path),
           "NMRF_DATABASE_URL": "postgresql+psycopg://nmrf:hunter2secret@127.0.0.1:1/nmrf"}
    env.pop("NMRF_DEBUG", None)
    nmrf_bin = str(Path(sys.executable).with_name("nmrf"))
    for args in (["history"], ["db", "upgrade"], ["db", "backup", str(tmp_path / "b.nmrfbak")]):
        done = subprocess.run([nmrf_bin, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr + done.stdout and "hunter2secret" not in done.stderr + done.stdout
        assert "error:" in done.stderr
    count("cli", "installed", 3)


@pytest.mark.sqlite_only
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(st.text(max_size=40), st.sampled_from(["", "-", "--", "0", "-1", "99999999999999999999",
                                                              "1e309", "nan", "\x00", "../../etc/passwd"])),
       command=st.sampled_from([["cycle", "show"], ["rules", "show"], ["feeds", "show"], ["recommendations", "explain"],
                                ["outbox", "show"], ["advance", "--as-of"], ["inventory", "--years"],
                                ["history", "--limit"], ["recommendations", "list", "--sort"]]))
def test_any_generated_argument_exits_cleanly(tmp_path_factory, text, command):
    count("cli", "generated")
    home = tmp_path_factory.getbasetemp() / "cli-gen"
    db = home / "nmrf.db"
    env = {"NMRF_HOME": str(home), "NMRF_DATABASE_URL": f"sqlite:///{db}"}
    if not db.exists():
        assert runner.invoke(app, ["init", "--profile", str(EXAMPLE_PROFILE)], env=env).exit_code == 0
    result = runner.invoke(app, [*command, text], env=env)
    assert result.exit_code in (0, 1, 2), (command, text, result.output)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (command, text, repr(result.exception))
    assert "Traceback" not in result.output


# -- checks at load --------------------------------------------------------------------------------------------


def _profile(tmp_path: Path, edit) -> Path:  # noqa: ANN001
    data = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.sqlite_only
@pytest.mark.parametrize("url,why", [
    ("mailto://mailer:pw@smtp.example.gob.cl:99999?to=jorge@example.gob.cl", "port 99999"),
    ("mailto://mailer:pw@smtp.example.gob.cl:0?to=jorge@example.gob.cl", "port 0"),
    ("mailtos://mailer:pw@smtp.example.gob.cl?to=not-an-address", "recipient"),
    ("mailtos://mailer:pw@smtp.example.gob.cl?to=jorge@example.gob.cl,nobody", "not e-mail addresses"),
    ("json://127.0.0.1:70000/hook", "port 70000"),
    ("msteams://a/b/c", "retired"),
])
def test_a_malformed_notification_address_is_refused_at_load_with_its_line_and_never_echoed(db_url, tmp_path,
                                                                                         url, why):
    def edit(data: dict) -> None:
        data["people"][3]["addresses"] = [{"label": "email", "url": url}]

    result = nmrf("init", "--profile", str(_profile(tmp_path, edit)))
    refused(result, why, "people[3].addresses[0].url")
    assert "pw@" not in result.output
    count("profile", "addresses")


@pytest.mark.sqlite_only
def test_an_escalation_level_that_reaches_nobody_is_reported_with_the_role_and_the_institution(db_url, tmp_path):
    result = nmrf("init", "--profile", str(EXAMPLE_PROFILE))
    assert result.exit_code == 0
    assert ("level 'minister' reaches nobody for judiciary (Judiciary): nobody there holds minister"
            in " ".join(result.output.split()))

    def edit(data: dict) -> None:  # a policy of the profile's own, aimed at a role held nowhere it is needed
        data["notifications"] = {"escalation": [{"name": "all", "levels": [
            {"name": "unit", "after": {"working_days": 1}, "to": ["head_of_unit"]}]}]}

    result = nmrf("init", "--profile", str(_profile(tmp_path, edit)))
    text = " ".join(result.output.split())
    assert "escalation 'all', level 'unit' reaches nobody for justice" in text and "head_of_unit" in text
    assert "notifications.escalation[0].levels[0].to" in text
    count("profile", "policy", 2)


def test_control_characters_are_refused_by_the_importer_on_every_database_and_migrate_still_works(
        initialised, tmp_path: Path, db_backend):
    from nmrf.cli.recommendations import TEMPLATE_EXAMPLE
    from nmrf.domain.recommendation_files import TEMPLATE_HEADER

    import csv

    row = list(TEMPLATE_EXAMPLE)
    row[TEMPLATE_HEADER.index("text")] = "Adopt the law\x00 on violence."
    path = tmp_path / "nul.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([TEMPLATE_HEADER, row])
    before = counts(initialised)
    result = nmrf("recommendations", "import", str(path), "--format", "template")
    refused(result, "nul.csv:2", "U+0000")
    assert counts(initialised) == before
    if db_backend == "sqlite":
        result = nmrf("db", "migrate", "--to", f"sqlite:///{tmp_path / 'copy.db'}")
        assert result.exit_code == 0, result.output
    count("import", "control-characters")
