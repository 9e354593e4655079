"""The cycle flows run through Prefect (its temporary server), end to end.

The tests that make real flow runs start Prefect's temporary server (10-20 s of CPU) and are
marked ``prefect_server`` (`make test-rest`); the command line without a server (`flow.fn`)
runs in `make test`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from nmrf.flows import flow_for
from nmrf.flows.runtime import prefect_runtime
from nmrf.models import AuditEntry, Cycle, CycleEvent
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE
from nmrf.services.cycles import get_milestone, launch_cycle, record_action
from nmrf.services.people import get_state
from tests.conftest import NOW, at
from tests.e2e.conftest import DemoRun

NMRF = str(Path(sys.executable).with_name("nmrf"))

LAUNCHES = [
    ("upr_review", "UPR", {"review": date(2027, 11, 8)}, None, None),
    ("upr_midterm_report", "UPR", {"review": date(2025, 11, 3)}, None, None),
    ("initial_report", "CRC-OPAC", {"submission": date(2027, 9, 1)}, None, None),
    ("periodic_report", "CEDAW", {"submission": date(2027, 10, 1)}, None, None),
    ("simplified_report", "CCPR", {"submission": date(2027, 8, 1), "loipr_received": date(2026, 8, 1)}, None, None),
    ("regional_periodic_report", "ACHPR", {"submission": date(2027, 12, 1)}, None, None),
    ("follow_up_report", "CAT", {"concluding_observations": date(2026, 11, 20)}, None, None),
    ("communication_reply", "CCPR", {"transmitted": date(2027, 2, 1)}, "CCPR/C/4321/2027", ["justice"]),
    ("views_follow_up", "CEDAW", {"views_transmitted": date(2027, 1, 10)}, "CEDAW/C/88/D/190/2026", ["women"]),
    ("sp_country_visit", "SP", {"request_received": date(2027, 1, 15), "visit": date(2027, 6, 7)}, "SR health", None),
    ("sp_communication_reply", "SP", {"transmitted": date(2027, 3, 1)}, "UA CHL 2/2027", ["interior"]),
    ("spt_visit", "SPT", {"visit": date(2027, 4, 12), "report_received": date(2027, 8, 2)}, "SPT 2027", ["justice"]),
    ("additional_information", "CED", {"request_received": date(2027, 1, 15), "submission": date(2027, 9, 15)},
     None, None),
    ("urgent_action", "CED", {"transmitted": date(2027, 6, 1)}, "CED UA 1234/2027", ["justice"]),
]


def launch_all(engine) -> list[tuple[int, str]]:
    out = []
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        for template, mech, dates, ref, insts in LAUNCHES:
            c = launch_cycle(session=s, state=state, template=template, mechanism=mech, dates=dates, now=NOW,
                             actor="test", reference=ref, institutions=insts).cycle
            out.append((c.id, c.flow))
    return out


def events(engine) -> int:
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(func.count()).select_from(CycleEvent)).one()


@pytest.mark.prefect_server  # flow runs on Prefect's temporary server
def test_every_cycle_flow_runs_and_running_it_again_changes_nothing(loaded):
    cycles = launch_all(loaded)
    assert len({flow for _, flow in cycles}) == 7  # every flow file of flows/ but the follow-up plan's
    with prefect_runtime():
        first = {cid: flow_for(flow)(cycle_id=cid, as_of=date(2027, 6, 10)) for cid, flow in cycles}
        n_events = events(loaded)
        with session_scope(loaded, readonly=True) as s:
            n_audit = s.exec(select(func.count()).select_from(AuditEntry)).one()
        again = {cid: flow_for(flow)(cycle_id=cid, as_of=date(2027, 6, 10)) for cid, flow in cycles}
    assert all(first.values()), "every cycle has something due by 10 June 2027"
    assert all(v == [] for v in again.values())
    assert events(loaded) == n_events
    with session_scope(loaded, readonly=True) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == n_audit
        cedaw = next(c for c in s.exec(select(Cycle)) if c.mechanism == "CEDAW" and c.template == "periodic_report")
        assert get_milestone(session=s, cycle=cedaw, key="info_request").status == "done"
        assert get_milestone(session=s, cycle=cedaw, key="input:labour").status == "open"


def _outcome(engine) -> tuple[list, list]:
    """Every event and every milestone's state, without ids and clocks."""
    from nmrf.models import Milestone

    with session_scope(engine, readonly=True) as s:
        evs = [(e.cycle_id, e.kind, e.dedup_key, e.on_date, e.detail)
               for e in s.exec(select(CycleEvent).order_by(CycleEvent.id))]
        ms = [(m.cycle_id, m.key, m.status, m.sequence, m.due_date)
              for m in s.exec(select(Milestone).order_by(Milestone.id))]
    return evs, ms


@pytest.mark.prefect_server  # flow runs on Prefect's temporary server
def test_without_a_server_the_flows_own_functions_write_what_the_flow_runs_write(loaded, tmp_path, monkeypatch):
    from nmrf.models.db import make_engine
    from nmrf.profile import load_profile
    from nmrf.services.profiles import apply_profile
    from tests.support.database import migrated_engine

    # The same world twice: flow runs on the fixture's database, `flow.fn` (what `nmrf advance`
    # calls without PREFECT_API_URL) on a second one.
    bare_url = f"sqlite:///{tmp_path / 'bare.db'}"
    bare = migrated_engine(bare_url)
    with session_scope(bare, actor="test") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=NOW)
    cycles = launch_all(loaded)
    assert launch_all(bare) == cycles
    days = (date(2027, 6, 10),)  # every cycle has something due (the test above)
    with prefect_runtime():
        as_runs = [[flow_for(flow)(cycle_id=cid, as_of=day) for cid, flow in cycles] for day in days]
    monkeypatch.setenv("NMRF_DATABASE_URL", bare_url)
    as_functions = [[flow_for(flow).fn(cycle_id=cid, as_of=day) for cid, flow in cycles] for day in days]
    assert as_functions == as_runs
    assert any(any(day) for day in as_runs)
    assert _outcome(make_engine(bare_url)) == _outcome(loaded)


@pytest.mark.prefect_server  # flow runs on Prefect's temporary server
def test_a_recorded_input_moves_the_cycle_on_at_the_next_run(loaded):
    [(cid, flow)] = [c for c in launch_all(loaded) if c[1] == "communication_reply"][:1]
    with prefect_runtime():
        flow_for(flow)(cycle_id=cid, as_of=date(2027, 2, 10))
        with session_scope(loaded, actor="clerk") as s:
            record_action(session=s, cycle=s.get(Cycle, cid), key="input:justice", kind="done", by="paula-herrera",
                          now=at(date(2027, 5, 1)), actor="clerk")
        lines = flow_for(flow)(cycle_id=cid, as_of=date(2027, 5, 2))
    assert [(e["kind"], e["key"]) for e in lines] == [("opened", "draft")]


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([NMRF, *args], env=env, capture_output=True, text=True, timeout=300)


def test_the_command_line_runs_a_cycle_end_to_end(tmp_path: Path):
    env = {**os.environ, "NMRF_HOME": str(tmp_path), "NMRF_DATABASE_URL": f"sqlite:///{tmp_path / 'nmrf.db'}",
           "COLUMNS": "200"}
    assert _cli("init", "--profile", str(EXAMPLE_PROFILE), env=env).returncode == 0
    launched = _cli("cycle", "launch", "upr_review", "-m", "UPR", "--date", "review=2028-05-01", env=env)
    assert "Launched cycle #1" in launched.stdout, launched.stderr
    run = _cli("advance", "--as-of", "2027-07-20", env=env)
    assert run.returncode == 0, run.stderr
    assert "request for information sent to congress, education" in run.stdout
    assert "completed: Parliament alerted" in run.stdout
    assert _cli("advance", "--as-of", "2027-07-20", env=env).stdout.count("nothing due") == 1
    late = _cli("cycle", "show", "1", "--as-of", "2027-10-01", env=env).stdout
    assert "LATE 15 day(s)" in late  # due 16 September: the 17th is a national holiday in 2027


@pytest.mark.prefect_server  # the demo shows real flow runs, on Prefect's temporary server
@pytest.mark.timeout(120)
def test_the_demo_prints_a_complete_cycle(demo_run: DemoRun):
    assert demo_run.returncode == 0, demo_run.stderr[-2000:]
    out = demo_run.stdout
    for expected in ("1. The NMRF: the example profile", "request for information sent to education",
                     "LATE input: labour (due 2027-06-01, 1 day(s) late)", "recorded input:labour by rodrigo-vera",
                     "recorded signoff:women by minister-women", "recorded submission by ana-rojas",
                     "Demo finished in"):
        assert expected in out, expected
    assert "Traceback" not in demo_run.stderr
