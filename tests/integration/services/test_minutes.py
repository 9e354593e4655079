"""Minutes of a recurring plenary: recorded on an occurrence that exists (refused otherwise),
action points as deadlines, circulated through the outbox to every attendee once, in their
language, even when the sweep runs twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from tests.support.notify import point_addresses, settings
from tests.support.plan_world import build_plan_world
from sqlalchemy import select

from nmrf.errors import NmrfError
from nmrf.domain.clock import moment
from nmrf.models import Milestone, MinuteItem, Notification, Person
from nmrf.models.db import session_scope
from nmrf.testing.sinks import HttpSink, SmtpSink
from nmrf.flows.sweep import run_sweep
from nmrf.services.minutes import ActionPoint, record_minutes
from nmrf.services.people import get_state

pytestmark = pytest.mark.both_databases

TZ = "America/Santiago"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def http() -> Iterator[HttpSink]:
    with HttpSink() as sink:
        yield sink


def _record(engine, **kw):  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        return record_minutes(session=s, state=get_state(session=s), now=moment(date(2027, 3, 5), TZ)[1],
                              actor="tomas-silva", **kw).id


def test_minutes_for_a_day_the_series_does_not_meet_are_refused_and_nothing_is_written(loaded):
    build_plan_world(loaded)
    with pytest.raises(NmrfError, match="no occurrence on 2027-03-06") as caught:
        _record(loaded, series="plenary", day=date(2027, 3, 6), minutes="...")
    assert caught.value.problems[0].field == "date"
    with session_scope(loaded, readonly=True) as s:
        assert s.execute(select(MinuteItem)).all() == []


def test_action_points_are_deadlines_owed_by_the_institution_s_focal_point(loaded):
    build_plan_world(loaded)
    _record(loaded, series="plenary", day=date(2027, 3, 5), agenda="1. CEDAW report",
            minutes="The plenary reviewed the calendar.", decisions=["Adopt the calendar"],
            actions=[ActionPoint("Send the health statistics", "health", date(2027, 4, 15))])
    with session_scope(loaded, readonly=True) as s:
        item = s.execute(select(MinuteItem).where(MinuteItem.kind == "action")).scalar_one()
        m = s.get(Milestone, item.milestone_id)
        assert (m.due_date, m.owner_role, m.track, m.status) == (date(2027, 4, 15), "focal_point", True, "planned")
        assert m.title == "Action point: Send the health statistics"


def test_minutes_reach_every_attendee_once_in_their_language_even_when_the_sweep_runs_twice(loaded, smtp, http):
    build_plan_world(loaded)
    point_addresses(loaded, smtp, http)
    _record(loaded, series="plenary", day=date(2027, 3, 5), minutes="The plenary reviewed the calendar.",
            actions=[ActionPoint("Send the health statistics", "health", date(2027, 4, 15))], circulate=True)
    day = date(2027, 3, 8)
    first = run_sweep(engine=loaded, settings=settings(), as_of=day, now=moment(day, TZ)[1].replace(hour=14))
    again = run_sweep(engine=loaded, settings=settings(), as_of=day, now=moment(day, TZ)[1].replace(hour=15))
    assert first["minutes_messages"] > 0 and again["minutes_messages"] == 0
    with session_scope(loaded, readonly=True) as s:
        rows = s.execute(select(Person.key, Person.language, Notification.language, Notification.status,
                                Notification.subject)
                         .join(Person, Person.id == Notification.person_id)
                         .where(Notification.kind == "minutes")).all()
        # The attendees: the secretariat and every focal point (by role), each once.
        from nmrf.models import RoleAssignment
        expected = set(s.execute(select(Person.key).join(RoleAssignment, RoleAssignment.person_id == Person.id)
                                 .where(RoleAssignment.role.in_(["secretariat", "focal_point"]))).scalars())
    keys = [r[0] for r in rows]
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))
    assert all(person_lang == message_lang for _, person_lang, message_lang, _, _ in rows)
    assert all(status == "sent" for *_, status, _ in rows), [(r[0], r[3]) for r in rows if r[3] != "sent"]
    subjects = {r[4] for r in rows}
    minutes_mails = [m for m in smtp.mails if m.subject in subjects]
    assert len(minutes_mails) == len(expected)
    by_lang = {lang: subject for _, _, lang, _, subject in rows}
    assert by_lang["en"].startswith("Minutes: Plenary of the NMRF")
    assert by_lang["es"].startswith("Acta: Plenary of the NMRF")
