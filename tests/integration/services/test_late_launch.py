"""Late launches: a cycle launched after its internal lead times have started compresses what is left between
the launch day and the next UN deadline, says so, and marks nothing past as done or as having taken place."""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.domain.dates import national_calendar
from nmrf.domain.planning import compress_late, plan_cycle
from nmrf.domain.rules import load_catalogue
from nmrf.models import CycleEvent, Milestone
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE


def _plan(submission: date):  # type: ignore[no-untyped-def]
    from nmrf.domain.planning import Participant

    cat = load_catalogue()
    parts = [Participant("health", "Ministry of Health", "ministry", frozenset({"focal_point", "minister"})),
             Participant("labour", "Ministry of Labour", "ministry", frozenset({"focal_point", "minister"}))]
    return plan_cycle(cat.template("periodic_report"), cat.mechanism("CEDAW"), officials={"submission": submission},
                      participants=parts, calendar=national_calendar("CL", None), timezone="America/Santiago")


def test_a_late_launch_compresses_the_internal_dates_between_today_and_the_deadline_in_order():
    today = date(2027, 3, 1)
    plan = _plan(date(2027, 7, 1))
    out, moved = compress_late(plan, today=today, calendar=national_calendar("CL", None), timezone="America/Santiago")
    assert moved, "inputs due before the launch day: something must move"
    before = {p.key: p for p in plan}
    for p in out:
        if p.side == "un" or p.official_date is not None:
            assert p.due_date == before[p.key].due_date  # UN and official dates untouched
        elif p.due_date is not None and before[p.key].due_date <= date(2027, 7, 1):
            assert today <= p.due_date <= date(2027, 7, 1)  # never before the launch day
    internal = sorted((before[p.key].due_date, p.due_date) for p in out
                      if p.side == "internal" and p.due_date and before[p.key].due_date <= date(2027, 7, 1))
    assert [new for _, new in internal] == sorted(new for _, new in internal)  # the order is kept
    inputs = {p.due_date for p in out if p.key.startswith("input:")}
    assert len(inputs) == 1 and inputs.pop() > today  # inputs are not due on the launch day


def test_a_launch_in_time_moves_nothing():
    plan = _plan(date(2027, 10, 1))
    out, moved = compress_late(plan, today=date(2027, 3, 1), calendar=national_calendar("CL", None),
                               timezone="America/Santiago")
    assert moved == [] and out == plan


def test_the_late_cedaw_launch_says_so_with_the_new_dates_and_marks_nothing_past_done(engine):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--profile", str(EXAMPLE_PROFILE)]).exit_code == 0
    got = runner.invoke(cli, ["cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-07-01",
                              "--as-of", "2027-03-01"])
    assert got.exit_code == 0, got.output
    said = " ".join(got.output.split())
    assert "Launched late" in said and "UN dates unchanged" in said
    assert "coordination_meeting: 2027-01-21 -> 2027-03-30" in said
    advanced = runner.invoke(cli, ["advance", "--as-of", "2027-03-01"])
    assert advanced.exit_code == 0, advanced.output
    with session_scope(engine, readonly=True) as s:
        ms = list(s.exec(select(Milestone)))
        assert all(m.due_date >= date(2027, 3, 1) for m in ms if m.side == "internal" and m.due_date)
        meeting = next(m for m in ms if m.key == "coordination_meeting")
        assert meeting.status != "done" and meeting.due_date == date(2027, 3, 30)
        assert meeting.starts_at is not None and meeting.starts_at.date() == date(2027, 3, 30)
        closed = [m.key for m in ms if m.status == "done"]
        assert all(m.completion == "system" for m in ms if m.key in closed)  # only the engine's own steps
        submission = next(m for m in ms if m.key == "submission")
        assert submission.due_date == date(2027, 7, 1)
        event = s.exec(select(CycleEvent).where(CycleEvent.kind == "compressed")).one()
        assert {"key": "coordination_meeting", "planned": "2027-01-21", "now": "2027-03-30"} in event.detail["moved"]
