"""The command line as the secretariat uses it: clear errors, exit codes, nothing changed on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import Session, func, select

from nmrf.models import AuditEntry, Cycle, Milestone, Record
from nmrf.profile import EXAMPLE_PROFILE
from tests.support.cli import nmrf



def counts(db_url: str) -> tuple[int, int, int, int]:
    with Session(create_engine(db_url)) as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one() for m in (Cycle, Milestone, Record, AuditEntry))


def test_init_with_a_bad_profile_exits_non_zero_names_the_line_and_creates_nothing(db_url: str, tmp_path: Path):
    bad = tmp_path / "state.yaml"
    bad.write_text(EXAMPLE_PROFILE.read_text(encoding="utf-8").replace("kind: nhri", "kind: ombudsman"), encoding="utf-8")
    result = nmrf("init", "--profile", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "institutions[12].kind" in result.output
    assert "Nothing was changed." in result.output
    assert not inspect(create_engine(db_url)).has_table("state")


def test_commands_before_init_say_what_to_do(db_url: str):
    result = nmrf("inventory")
    assert result.exit_code == 2 and "no NMRF database here yet: run `nmrf init --profile state.yaml`" in result.output


def test_init_dry_run_writes_nothing(db_url: str):
    result = nmrf("init", "--profile", str(EXAMPLE_PROFILE), "--dry-run")
    assert result.exit_code == 0 and "profile would change" in result.output
    with Session(create_engine(db_url)) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == 0


def test_the_inventory_prints_every_obligation_with_what_is_overdue(initialised: str):
    result = nmrf("inventory", "--years", "3", "--as-of", "2027-11-01")
    assert result.exit_code == 0, result.output
    assert "Reporting obligations of Chile, 2027-11-01 to 2030" in result.output
    # The profile says CEDAW's report was due on 1 October 2027: a month later it is overdue.
    line = next(line for line in result.output.splitlines() if "2027-10-01" in line)
    assert "CEDAW" in line and "overdue" in line and "official" in line
    assert "UPR" in result.output and "2028-01-17" in result.output


def test_launch_show_record_and_the_audit_history(initialised: str):
    result = nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01",
                  "--source", "submission=CEDAW/C/CHL/CO/8", "--as-of", "2027-03-01")
    assert result.exit_code == 0, result.output
    assert "Launched cycle #1: Periodic report of Chile to CEDAW" in result.output
    again = nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01")
    assert "was already launched; nothing changed" in again.output
    recorded = nmrf("record", "input", "1", "health", "--by", "jorge-nunez", "--as-of", "2027-05-20")
    assert recorded.exit_code == 0 and "input:health done by jorge-nunez" in recorded.output
    # Recording moves the cycle on at once: the request went out on 1 April, so the inputs are open.
    assert "request for information sent to education" in recorded.output
    shown = nmrf("cycle", "show", "1", "--as-of", "2027-06-10")
    assert shown.exit_code == 0
    labour = next(line for line in shown.output.splitlines() if "input:labour" in line)
    assert "LATE 9 day(s)" in labour and "labour: Rodrigo" in labour
    health = next(line for line in shown.output.splitlines() if "input:health" in line)
    assert "done 2027-05-20" in health
    history = nmrf("history", "--table", "milestone", "--limit", "40")
    assert "update milestone" in history.output and "'planned' -> 'done'" in history.output


@pytest.mark.parametrize("args", [
    ("record", "input", "1", "health", "--by", "paula-herrera"),
    ("record", "input", "1", "health", "--by", "jorge-nunez", "--as-of", "2027-13-01"),
    ("record", "waive", "1", "input:judiciary"),
    ("record", "done", "1", "no-such-milestone"),
    ("cycle", "set-date", "1", "submission", "2027-09-31", "--source", "CO"),
    ("cycle", "set-date", "1", "submission", "2027-09-15", "--source", " "),
    ("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission"),
    ("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=1 October 2027"),
    ("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2028-10-01"),  # a second, no --reason
    ("cycle", "launch", "periodic_report", "-m", "CED", "--date", "submission=2028-10-01"),  # CED: no periodic reports
    ("cycle", "show", "7"),
])
def test_bad_input_on_every_command_exits_2_and_changes_nothing(initialised: str, args):
    assert nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01").exit_code == 0
    before = counts(initialised)
    result = nmrf(*args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Nothing was changed." in result.output
    assert "Traceback" not in result.output
    assert counts(initialised) == before


def test_set_date_moves_the_plan_and_says_what_moved(initialised: str):
    nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01")
    result = nmrf("cycle", "set-date", "1", "submission", "2027-09-15", "--source", "CEDAW notice of 2 Feb 2027")
    assert result.exit_code == 0, result.output
    assert "moved: draft -> 2027-07-07" in result.output


def test_a_second_cycle_for_the_same_report_needs_a_reason_and_keeps_it(initialised: str):
    nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01")
    refused = nmrf("cycle", "launch", "simplified_report", "-m", "CEDAW", "--date", "loipr_received=2027-01-15")
    assert refused.exit_code == 2 and "--reason" in refused.output and "#1" in refused.output
    result = nmrf("cycle", "launch", "simplified_report", "-m", "CEDAW", "--date", "loipr_received=2027-01-15",
                  "--reason", "the committee moved us to the simplified procedure; #1 closes when it confirms")
    assert result.exit_code == 0, result.output and "Launched cycle #2" in result.output


def test_rules_show_without_a_code_lists_every_rule_with_its_source_and_verification():
    from nmrf.domain.rules import load_catalogue

    result = nmrf("rules", "show")
    assert result.exit_code == 0, result.output
    cat = load_catalogue()
    rules = [r for m in cat.mechanisms.values() for r in m.rules.values()]
    unverified = sum(not r.verified for r in rules)
    assert f"{len(rules)} rules, {unverified} without a primary text" in result.output
    lines = result.output.splitlines()
    for code in cat.mechanisms:  # every mechanism's rows, in the first column
        assert any(line.startswith(f"│ {code} ") for line in lines), code


def test_rules_show_lists_sources_and_what_is_unverified():
    result = nmrf("rules", "show", "cescr")
    assert result.exit_code == 0
    assert "periodic_report" in result.output and "no" in result.output
    assert "periodic_report 21,200" in result.output
    assert nmrf("rules", "show", "XYZ").exit_code == 2
