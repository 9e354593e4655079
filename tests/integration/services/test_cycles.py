"""Cycles in a real SQLite file: launch, official dates, records, advancing, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from nmrf.errors import NmrfError
from nmrf.models import AuditEntry, Cycle, CycleEvent, Milestone, Record
from nmrf.models.db import session_scope
from nmrf.services.cycles import (
    advance_cycle,
    get_milestone,
    launch_cycle,
    milestones_of,
    record_action,
    set_official_date,
)
from nmrf.services.people import get_state
from tests.conftest import NOW, at

pytestmark = pytest.mark.both_databases

CEDAW_DUE = date(2027, 10, 1)


def launch(engine, template="periodic_report", mechanism="CEDAW", dates=None, **kw):
    with session_scope(engine, actor="test") as s:
        result = launch_cycle(session=s, state=get_state(session=s), template=template, mechanism=mechanism,
                              dates={"submission": CEDAW_DUE} if dates is None else dates, now=NOW, actor="test", **kw)
        return result.cycle.id, result.created


def advance(engine, cycle_id, day):
    with session_scope(engine, actor="test") as s:
        return [(e.kind, e.detail.get("key")) for e in
                advance_cycle(session=s, cycle=s.get(Cycle, cycle_id), today=day, now=at(day))]


def record(engine, cycle_id, key, kind="done", day=date(2027, 5, 20), **kw):
    with session_scope(engine, actor="clerk") as s:
        return record_action(session=s, cycle=s.get(Cycle, cycle_id), key=key, kind=kind, now=at(day),
                             actor="clerk", **kw).id


def milestone(engine, cycle_id, key) -> Milestone:
    with session_scope(engine, readonly=True) as s:
        return get_milestone(session=s, cycle=s.get(Cycle, cycle_id), key=key)


def count(engine, model, *where) -> int:
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def test_launching_the_same_cycle_twice_creates_it_once(loaded):
    first, created = launch(loaded)
    again, created_again = launch(loaded)
    assert (first, created, created_again) == (again, True, False)
    assert count(loaded, Cycle) == 1
    # CEDAW asks the ministries, the statistics office and the judiciary; not congress (UPR only) nor interior.
    keys = {m.key for m in _all(loaded, first)}
    assert "input:health" in keys and "input:congress" not in keys and "input:interior" not in keys
    assert "signoff:health" in keys and "signoff:statistics" not in keys


def _all(engine, cycle_id):
    with session_scope(engine, readonly=True) as s:
        return milestones_of(session=s, cycle=s.get(Cycle, cycle_id))


@pytest.mark.sqlite_only  # refused before anything is written: nothing for PostgreSQL to do differently
@pytest.mark.parametrize(("template", "mechanism", "dates", "message"), [
    ("periodic_report", "CEDAW", {}, "needs the official date of: submission"),
    ("follow_up_report", "CRC", {"concluding_observations": date(2026, 1, 1)}, "CRC has no 'follow_up_report'"),
    ("periodic_report", "XYZ", {"submission": CEDAW_DUE}, "unknown mechanism 'XYZ'"),
    ("periodic_reprot", "CEDAW", {"submission": CEDAW_DUE}, "unknown cycle template"),
    ("periodic_report", "CEDAW", {"submision": CEDAW_DUE}, "unknown milestone(s) submision"),
    ("communication_reply", "CCPR", {"transmitted": date(2027, 1, 5)}, "confidential: give the mechanism's reference"),
])
def test_a_bad_launch_is_refused_and_changes_nothing(loaded, template, mechanism, dates, message):
    with pytest.raises(NmrfError, match=message.replace("(", r"\(").replace(")", r"\)")):
        launch(loaded, template=template, mechanism=mechanism, dates=dates)
    assert count(loaded, Cycle) == 0 and count(loaded, Milestone) == 0


def test_an_official_date_moves_the_milestones_that_count_from_it_and_raises_their_sequence(loaded):
    cycle_id, _ = launch(loaded)
    before = {m.key: m for m in _all(loaded, cycle_id)}
    with session_scope(loaded, actor="clerk") as s:
        moved = set_official_date(session=s, cycle=s.get(Cycle, cycle_id), key="submission", day=date(2027, 9, 15),
                                  source="CEDAW/C/CHL/CO/8 para 60", now=at(date(2027, 2, 1)), actor="clerk")
        moved_keys = {m.key for m in moved}
    after = {m.key: m for m in _all(loaded, cycle_id)}
    assert after["submission"].due_date == date(2027, 9, 15)
    assert after["submission"].official_source == "CEDAW/C/CHL/CO/8 para 60"
    assert after["draft"].due_date < before["draft"].due_date
    assert after["draft"].sequence == before["draft"].sequence + 1
    assert after["draft"].updated_at == at(date(2027, 2, 1))
    assert {"submission", "draft", "input:health", "info_request"} <= moved_keys
    assert count(loaded, Record, Record.kind == "redated") == len(moved_keys)


def test_a_closed_milestone_keeps_its_date_and_cannot_be_redated(loaded):
    cycle_id, _ = launch(loaded)
    advance(loaded, cycle_id, date(2027, 4, 1))
    record(loaded, cycle_id, "input:health", by="jorge-nunez")
    done = milestone(loaded, cycle_id, "input:health")
    with pytest.raises(NmrfError, match="already done"):
        with session_scope(loaded, actor="clerk") as s:
            set_official_date(session=s, cycle=s.get(Cycle, cycle_id), key="input:health", day=date(2027, 7, 1),
                              source="x", now=NOW, actor="clerk")
    with session_scope(loaded, actor="clerk") as s:
        set_official_date(session=s, cycle=s.get(Cycle, cycle_id), key="submission", day=date(2027, 12, 1),
                          source="postponed session", now=NOW, actor="clerk")
    assert milestone(loaded, cycle_id, "input:health").due_date == done.due_date
    assert milestone(loaded, cycle_id, "input:labour").due_date > done.due_date


def test_an_input_recorded_by_someone_who_does_not_owe_it_is_refused(loaded):
    cycle_id, _ = launch(loaded)
    with pytest.raises(NmrfError, match="paula-herrera does not hold the role focal_point.*owed by: jorge-nunez"):
        record(loaded, cycle_id, "input:health", by="paula-herrera")
    assert milestone(loaded, cycle_id, "input:health").status == "planned"
    with pytest.raises(NmrfError, match="unknown person 'nobody'"):
        record(loaded, cycle_id, "input:health", by="nobody")
    with pytest.raises(NmrfError, match="has no milestone 'input:helth'"):
        record(loaded, cycle_id, "input:helth")
    assert count(loaded, Record) == 0


def test_a_second_record_never_overwrites_the_first(loaded):
    cycle_id, _ = launch(loaded)
    record(loaded, cycle_id, "input:health", by="jorge-nunez", day=date(2027, 5, 20))
    with pytest.raises(NmrfError, match="already recorded done by Jorge Núñez on 2027-05-20"):
        record(loaded, cycle_id, "input:health", by="jorge-nunez", day=date(2027, 5, 25))
    m = milestone(loaded, cycle_id, "input:health")
    assert m.completed_at == at(date(2027, 5, 20)) and m.completed_actor == "Jorge Núñez"
    record(loaded, cycle_id, "input:health", kind="comment", note="figures for 2026 follow in June")
    record(loaded, cycle_id, "input:health", kind="reopened", note="wrong annex attached")
    record(loaded, cycle_id, "input:health", by="jorge-nunez", day=date(2027, 5, 28))
    assert count(loaded, Record, Record.milestone_id == m.id) == 4


def test_the_head_of_the_secretariat_can_record_what_the_secretariat_owes(loaded):
    cycle_id, _ = launch(loaded)
    record(loaded, cycle_id, "submission", by="ana-rojas")
    assert milestone(loaded, cycle_id, "submission").status == "done"


def test_waiving_needs_a_reason(loaded):
    cycle_id, _ = launch(loaded)
    with pytest.raises(NmrfError, match="needs a reason"):
        record(loaded, cycle_id, "input:judiciary", kind="waived")
    record(loaded, cycle_id, "input:judiciary", kind="waived", note="the judiciary reports through justice")
    assert milestone(loaded, cycle_id, "input:judiciary").status == "waived"


def test_advancing_twice_on_the_same_day_changes_nothing(loaded):
    cycle_id, _ = launch(loaded)
    first = advance(loaded, cycle_id, date(2027, 4, 1))
    assert ("request_sent", "info_request") in first and ("opened", "input:health") in first
    n_events, n_audit = count(loaded, CycleEvent), count(loaded, AuditEntry)
    assert advance(loaded, cycle_id, date(2027, 4, 1)) == []
    assert advance(loaded, cycle_id, date(2027, 4, 2)) == []
    assert (count(loaded, CycleEvent), count(loaded, AuditEntry)) == (n_events, n_audit)


def test_a_missed_deadline_is_an_event_once_and_again_after_a_new_date(loaded):
    cycle_id, _ = launch(loaded)
    advance(loaded, cycle_id, date(2027, 4, 1))
    assert ("missed", "input:labour") in advance(loaded, cycle_id, date(2027, 6, 2))
    assert ("missed", "input:labour") not in advance(loaded, cycle_id, date(2027, 6, 20))
    with session_scope(loaded, actor="clerk") as s:
        set_official_date(session=s, cycle=s.get(Cycle, cycle_id), key="input:labour", day=date(2027, 6, 25),
                          source="extension agreed with the minister", now=at(date(2027, 6, 20)), actor="clerk")
    assert ("missed", "input:labour") not in advance(loaded, cycle_id, date(2027, 6, 25))
    assert ("missed", "input:labour") in advance(loaded, cycle_id, date(2027, 6, 26))


def test_a_upr_review_launches_its_mid_term_report_once_the_outcome_is_adopted(loaded):
    cycle_id, _ = launch(loaded, template="upr_review", mechanism="UPR", dates={"review": date(2027, 11, 8)})
    advance(loaded, cycle_id, date(2028, 3, 7))
    assert count(loaded, Cycle) == 1
    events = advance(loaded, cycle_id, date(2028, 3, 8))  # the HRC adopts the outcome
    assert ("took_place", "hrc_adoption") in events
    assert count(loaded, Cycle) == 2
    with session_scope(loaded, readonly=True) as s:
        child = s.exec(select(Cycle).where(Cycle.parent_id == cycle_id)).one()
        sub = get_milestone(session=s, cycle=child, key="submission")
    assert child.template == "upr_midterm_report" and sub.due_date == date(2029, 11, 8)
    advance(loaded, cycle_id, date(2028, 3, 9))
    assert count(loaded, Cycle) == 2


def test_a_cycle_whose_milestones_are_all_closed_is_completed(loaded):
    cycle_id, _ = launch(loaded, template="sp_communication_reply", mechanism="SP",
                         dates={"transmitted": date(2027, 3, 1)}, reference="AL CHL 1/2027",
                         members=["tomas-silva"], institutions=["interior"])
    advance(loaded, cycle_id, date(2027, 3, 3))
    record(loaded, cycle_id, "input:interior", by="camila-reyes")
    record(loaded, cycle_id, "draft", by="tomas-silva")
    record(loaded, cycle_id, "signoff:interior", by="minister-interior")
    record(loaded, cycle_id, "submission", by="tomas-silva")
    events = advance(loaded, cycle_id, date(2027, 4, 20))
    assert ("cycle_completed", None) in events
    with session_scope(loaded, readonly=True) as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle.status == "completed" and cycle.confidential


def test_every_change_a_person_makes_is_in_the_audit_history(loaded):
    cycle_id, _ = launch(loaded)
    record(loaded, cycle_id, "input:health", by="jorge-nunez")
    with session_scope(loaded, readonly=True) as s:
        m = get_milestone(session=s, cycle=s.get(Cycle, cycle_id), key="input:health")
        entries = s.exec(select(AuditEntry).where(AuditEntry.table_name == "milestone", AuditEntry.row_id == m.id,
                                                  AuditEntry.op == "update")).all()
    [entry] = entries
    assert entry.actor == "clerk"
    assert entry.changes["status"] == ["planned", "done"]


def test_an_advance_that_waited_for_another_acts_on_what_that_one_committed(loaded, db_backend):
    if db_backend == "sqlite":
        pytest.skip("SQLite: a writing transaction holds the database's write lock from its first read")
    cycle_id, _ = launch(loaded)
    with session_scope(loaded, actor="sweep-b") as b:
        # B reads the cycle and its milestones, then A advances the same cycle and commits first.
        cycle_b = b.get(Cycle, cycle_id)
        seen = milestones_of(session=b, cycle=cycle_b)  # kept, as a sweep keeps what it looked at
        first = advance(loaded, cycle_id, date(2027, 4, 1))
        n_audit = count(loaded, AuditEntry)
        late = advance_cycle(session=b, cycle=cycle_b, today=date(2027, 4, 1), now=at(date(2027, 4, 1)))
    assert ("opened", "input:health") in first and late == [] and seen
    assert count(loaded, AuditEntry) == n_audit  # no milestone changed a second time
    assert milestone(loaded, cycle_id, "info_request").sequence == 1
