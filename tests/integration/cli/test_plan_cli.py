"""The institutional work on the command line: costs, a recurring plenary, minutes, the workplan
with its files, pledges, the annual report; bad input exits 2 and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine
from sqlmodel import Session, func, select

from nmrf.models import CostItem, MeetingOccurrence, MeetingSeries, MinuteItem, Pledge
from tests.support.cli import nmrf


def counts(db_url: str) -> tuple[int, ...]:
    with Session(create_engine(db_url)) as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one()
                     for m in (CostItem, MeetingSeries, MeetingOccurrence, MinuteItem, Pledge))


def _world() -> None:
    assert nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01",
                "--as-of", "2027-01-04").exit_code == 0
    r = nmrf("meeting", "series", "add", "plenary", "--kind", "plenary", "--title", "Plenary of the NMRF",
             "--every", "quarterly", "--from", "2027-03-10", "--at", "09:00", "--role", "secretariat",
             "--role", "focal_point", "--as-of", "2027-01-04")
    assert r.exit_code == 0, r.output


def test_costs_a_plenary_minutes_the_workplan_and_the_annual_report_from_the_command_line(initialised, tmp_path):
    _world()
    r = nmrf("cost", "add", "--milestone", "1:submission", "--amount", "1800000", "--currency", "clp", "--line",
             "translation", "--description", "Translation", "--as-of", "2027-01-04")
    assert r.exit_code == 0 and "1,800,000.00 CLP (estimate, translation) on 2027-10-01" in r.output, r.output
    assert nmrf("cost", "add", "--series", "plenary", "--on", "2027-06-10", "--amount", "99.5", "--currency", "USD",
                "--line", "meetings", "--description", "Catering", "--as-of", "2027-01-04").exit_code == 0
    r = nmrf("meeting", "series", "show", "plenary", "--as-of", "2027-01-04", "--months", "7")
    assert "2027-03-10 Wed 09:00 -03 (12:00 UTC)" in r.output and "2027-06-10 Thu 09:00 -04 (13:00 UTC)" in r.output
    r = nmrf("meeting", "minutes", "plenary", "--date", "2027-06-10", "--text", "Reviewed the inputs.",
             "--decision", "Consult civil society in August", "--action", "Send the statistics|labour|2027-06-30",
             "--circulate", "--as-of", "2027-06-10")
    assert r.exit_code == 0 and "messages to the attendees in the outbox" in r.output, r.output
    xlsx, docx = tmp_path / "wp.xlsx", tmp_path / "wp.docx"
    r = nmrf("workplan", "2027", "--xlsx", str(xlsx), "--docx", str(docx), "--as-of", "2027-01-04")
    assert r.exit_code == 0, r.output
    assert "1,800,000.00 CLP; 99.50 USD" in r.output  # one total per currency
    assert load_workbook(xlsx).sheetnames[:4] == ["Q1", "Q2", "Q3", "Q4"] and docx.stat().st_size > 0
    assert nmrf("pledge", "add", "--text", "Adopt a national plan", "--institution", "justice", "--date",
                "2024-01-22").exit_code == 0
    r = nmrf("pledge", "year-end", "2027", "--out", str(tmp_path / "round"), "--as-of", "2027-12-01")
    assert r.exit_code == 0 and "justice" in r.output
    md = tmp_path / "annual.md"
    r = nmrf("annual-report", "2027", "--out", str(md), "--as-of", "2027-12-31")
    assert r.exit_code == 0, r.output
    assert md.read_text(encoding="utf-8").startswith("# Informe anual 2027")


@pytest.mark.parametrize("args", [
    ("cost", "add", "--cycle", "1", "--on", "2027-05-01", "--amount", "-1", "--currency", "CLP", "--line", "travel",
     "--description", "x"),
    ("cost", "add", "--cycle", "1", "--on", "2027-05-01", "--amount", "1", "--currency", "ABC", "--line", "travel",
     "--description", "x"),
    ("cost", "add", "--cycle", "1", "--on", "2027-05-01", "--amount", "1", "--currency", "CLP", "--line", "snacks",
     "--description", "x"),
    ("meeting", "series", "add", "x", "--kind", "plenary", "--title", "X", "--every", "hourly", "--from",
     "2027-03-10", "--at", "09:00", "--role", "secretariat"),
    ("meeting", "series", "add", "x", "--kind", "plenary", "--title", "X", "--every", "weekly", "--from",
     "2027-03-10", "--until", "2027-03-01", "--at", "09:00", "--role", "secretariat"),
    ("meeting", "minutes", "plenary", "--date", "2027-06-11", "--text", "x"),
])
def test_bad_input_is_refused_with_its_field_and_changes_nothing(initialised, args):
    _world()
    before = counts(initialised)
    r = nmrf(*args)
    assert r.exit_code == 2, r.output
    assert "error:" in r.output and "Nothing was changed." in r.output
    assert counts(initialised) == before
