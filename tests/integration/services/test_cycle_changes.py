"""Changes to a running cycle on a real database: an institution or a member removed (open deadlines
cancelled, pending messages cancelled, records kept), and the cycle's lead times edited with a preview that
writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from nmrf.domain.clock import moment
from nmrf.errors import NmrfError
from nmrf.models import CycleInstitution, CycleMember, Milestone, Record
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services import cycle_changes as svc
from nmrf.services.cycles import get_cycle, launch_cycle, milestones_of
from nmrf.services.people import get_institution, get_person, get_state
from nmrf.services.profiles import apply_profile

pytestmark = pytest.mark.both_databases
NOW = datetime(2027, 9, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(engine):  # type: ignore[no-untyped-def]
    _, now = moment(date(2027, 3, 1), "America/Santiago")
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                     dates={"review": date(2028, 5, 1)}, sources={"review": "HRC UPR calendar"}, now=now,
                     actor="test")
        s.add(CycleMember(cycle_id=1, person_id=get_person(session=s, state=state, key="jorge-nunez").id))
    return engine


def test_removing_a_ministry_cancels_its_open_deadlines_only_and_it_no_longer_takes_part(world):  # type: ignore[no-untyped-def]
    with session_scope(world, actor="ana-rojas") as s:
        state = get_state(session=s)
        cycle = get_cycle(session=s, state=state, ref=1)
        health = get_institution(session=s, state=state, key="health")
        own_before = [m.key for m in milestones_of(session=s, cycle=cycle) if m.institution_id == health.id]
        others_open = {m.key for m in milestones_of(session=s, cycle=cycle)
                       if m.institution_id != health.id and m.status in ("planned", "open")}
        with pytest.raises(NmrfError):
            svc.remove_institution(session=s, cycle=cycle, institution=health, reason=" ", now=NOW,
                                   actor="ana-rojas")
        cancelled = svc.remove_institution(session=s, cycle=cycle, institution=health, reason="merged",
                                           now=NOW, actor="ana-rojas")
    assert own_before and sorted(m.key for m in cancelled) == sorted(own_before)
    with session_scope(world, readonly=True) as s:
        ms = s.exec(select(Milestone).where(Milestone.cycle_id == 1)).all()
        assert {m.key for m in ms if m.status == "cancelled"} == set(own_before)
        assert {m.key for m in ms if m.status in ("planned", "open")} == others_open
        assert all(m.sequence >= 1 for m in ms if m.key in own_before)  # the feeds see a new version
        assert not s.exec(select(CycleInstitution).where(CycleInstitution.institution_id == health.id)).all()
        assert s.exec(select(Record).where(Record.kind == "cancelled", Record.actor == "ana-rojas")).all()
    with session_scope(world, actor="ana-rojas") as s, pytest.raises(NmrfError):
        svc.remove_institution(session=s, cycle=get_cycle(session=s, state=get_state(session=s), ref=1),
                               institution=get_institution(session=s, state=get_state(session=s), key="health"),
                               reason="again", now=NOW, actor="ana-rojas")


def test_removing_a_member_takes_them_off_the_cycle_and_a_second_removal_changes_nothing(world):  # type: ignore[no-untyped-def]
    with session_scope(world, actor="ana-rojas") as s:
        state = get_state(session=s)
        cycle = get_cycle(session=s, state=state, ref=1)
        svc.remove_member(session=s, cycle=cycle, person=get_person(session=s, state=state, key="jorge-nunez"),
                          reason="moved to another post", now=NOW, actor="ana-rojas")
    with session_scope(world, readonly=True) as s:
        assert not s.exec(select(CycleMember).where(CycleMember.cycle_id == 1)).all()
    with session_scope(world, actor="ana-rojas") as s, pytest.raises(NmrfError):
        state = get_state(session=s)
        svc.remove_member(session=s, cycle=get_cycle(session=s, state=state, ref=1),
                          person=get_person(session=s, state=state, key="jorge-nunez"), reason="x", now=NOW,
                          actor="ana-rojas")


def test_a_longer_lead_time_is_previewed_without_writing_then_saved_moving_the_same_deadlines(world):  # type: ignore[no-untyped-def]
    with session_scope(world, actor="ana-rojas") as s:
        cycle = get_cycle(session=s, state=get_state(session=s), ref=1)
        rows = svc.lead_times(cycle=cycle)
        assert rows
        row = rows[0]
        form = {f"amount-{r['key']}": str(r["amount"]) for r in rows} | {f"unit-{r['key']}": r["unit"] for r in rows}
        form[f"amount-{row['key']}"] = str(row["amount"] - 2) if row["unit"] != "days" else str(row["amount"] - 14)
        offsets, problems = svc.parse_lead_times(cycle=cycle, form=form)
        assert problems == []
        dues = {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle)}
        preview = svc.preview_lead_times(session=s, cycle=cycle, offsets=offsets, now=NOW, actor="ana-rojas")
        assert preview and all(after < before for _, _, before, after in preview)  # earlier: more time
        cycle = get_cycle(session=s, state=get_state(session=s), ref=1)
        assert {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle, fresh=True)} == dues
        saved = svc.set_lead_times(session=s, cycle=cycle, offsets=offsets, now=NOW + timedelta(seconds=1),
                                   actor="ana-rojas")
    assert saved == preview
    with session_scope(world, readonly=True) as s:
        cycle = get_cycle(session=s, state=get_state(session=s), ref=1)
        assert {r["key"]: r["custom"] for r in svc.lead_times(cycle=cycle)}[row["key"]]
        bad, problems = svc.parse_lead_times(cycle=cycle, form={**form, f"amount-{row['key']}": "soon"})
    assert [p.field for p in problems] == [f"amount-{row['key']}"]


def test_an_internal_deadline_dated_by_a_mechanisms_rule_is_a_lead_time_too_and_un_dates_never_are(world):  # type: ignore[no-untyped-def]
    _, launched = moment(date(2027, 1, 10), "America/Santiago")
    with session_scope(world, actor="test") as s:
        cycle = launch_cycle(session=s, state=get_state(session=s), template="sp_country_visit", mechanism="SP",
                             dates={"request_received": date(2027, 1, 15), "visit": date(2027, 6, 7)},
                             reference="SR health", now=launched, actor="test").cycle
        rows = {r["key"]: r for r in svc.lead_times(cycle=cycle, milestones=milestones_of(session=s, cycle=cycle))}
        # The reply to the visit request: 60 days by the special procedures' practice, now the cycle's to move.
        reply = rows["request_reply"]
        assert (reply["basis"], reply["amount"], reply["unit"], reply["custom"], reply["moves"]) == (
            "rule", 60, "days", False, 1)
        assert "60 days" in reply["source"] and reply["from_title"]
        assert not {"request_received", "visit", "draft_report_comments", "hrc_report"} & set(rows)  # UN dates
        form, problems = svc.lead_time_form(cycle=cycle, given={"request_reply": ("30", "days"),
                                                                "visit": ("1", "weeks")})
        assert [p.field for p in problems] == ["lead_times.visit"]
        form, problems = svc.lead_time_form(cycle=cycle, given={"request_reply": ("30", "days")})
        offsets, more = svc.parse_lead_times(cycle=cycle, form=form)
        assert problems == more == []
        dues = {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle)}
        preview = svc.preview_lead_times(session=s, cycle=cycle, offsets=offsets, now=NOW, actor="ana-rojas")
        assert [(k, before, after) for k, _, before, after in preview] == [
            ("request_reply", dues["request_reply"], date(2027, 2, 12))]  # 30 days on is Sunday 14 February: the Friday
        cycle = get_cycle(session=s, state=get_state(session=s), ref=cycle.id)
        saved = svc.set_lead_times(session=s, cycle=cycle, offsets=offsets, now=NOW, actor="ana-rojas")
        assert saved == preview
        after = {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle, fresh=True)}
        assert {k for k in after if after[k] != dues[k]} == {"request_reply"}  # the visit and UN dates stay
        assert svc.lead_times(cycle=cycle)[0]["custom"] is True
