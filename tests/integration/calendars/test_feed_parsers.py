"""Every kind of feed, read by icalendar, vobject and ical.js: the same events, instants and cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.feed_parsers import assert_parsers_agree, by_uid, read_icaljs_many, read_vobject
from tests.support.feed_worlds import NOW, World

from nmrf.calendars.build import render_feed
from nmrf.calendars.meetings import local_time, schedule_meeting
from nmrf.calendars.queries import cycle_feed, institution_feed, person_feed, secretariat_feed
from nmrf.models import Cycle, Milestone
from nmrf.models.db import session_scope
from nmrf.services.cycles import get_milestone, record_action
from nmrf.services.people import get_institution, get_person, get_state

BRUSSELS_DUE = datetime(2027, 5, 14, 16, 30, tzinfo=ZoneInfo("Europe/Brussels"))


def _prepare(world: World) -> None:
    """A timed deadline in Brussels in May, a cancelled input, and a plenary in Geneva."""
    with session_scope(world.engine, actor="test") as s:
        state = get_state(session=s)
        cedaw = s.get(Cycle, world.cedaw)
        m = get_milestone(session=s, cycle=cedaw, key="input:foreign-affairs")
        # The Permanent Mission in Brussels must hand its part in by 16:30 local time.
        m.starts_at, m.timezone, m.due_date = BRUSSELS_DUE, "Europe/Brussels", BRUSSELS_DUE.date()
        m.sequence += 1
        m.updated_at = NOW - timedelta(days=2)
        record_action(session=s, cycle=cedaw, key="input:labour", kind="cancelled", note="merged with social",
                      now=NOW - timedelta(days=1), actor="test")
        schedule_meeting(session=s, state=state, key="plenary-2027-06", kind="plenary", title="Plenary of the NMRF",
                         starts_at=local_time("2027-06-08 10:00", "Europe/Zurich"), minutes=90,
                         timezone="Europe/Zurich", roles=["focal_point", "secretariat"], location="Palais Wilson",
                         now=NOW - timedelta(days=3))


def _all_feeds(world: World) -> dict[str, bytes]:
    with session_scope(world.engine, readonly=True) as s:
        state = get_state(session=s)
        feeds = {
            "diego": person_feed(session=s, person=get_person(session=s, state=state, key="diego-fuentes"), now=NOW),
            "rodrigo": person_feed(session=s, person=get_person(session=s, state=state, key="rodrigo-vera"), now=NOW),
            "minister": person_feed(session=s, person=get_person(session=s, state=state, key="minister-health"),
                                    now=NOW),
            "foreign-affairs": institution_feed(
                session=s, institution=get_institution(session=s, state=state, key="foreign-affairs"), now=NOW),
            "cedaw": cycle_feed(session=s, cycle=s.get(Cycle, world.cedaw), now=NOW),
            "secretariat": secretariat_feed(session=s, state=state, now=NOW),
        }
        return {name: render_feed(f.spec, f.items, now=NOW).body for name, f in feeds.items()}


def test_three_parsers_read_every_kind_of_feed_alike(world: World) -> None:
    _prepare(world)
    feeds = _all_feeds(world)
    readings = assert_parsers_agree(list(feeds.values()))
    assert all(readings), "every feed has events"
    names = dict(zip(feeds, readings, strict=True))
    assert len(names["secretariat"]) > len(names["cedaw"]) > len(names["diego"])


def test_a_timed_deadline_in_brussels_in_may_is_the_same_utc_instant_in_each_parser(world: World) -> None:
    _prepare(world)
    body = _all_feeds(world)["diego"]
    instant = ("utc", int(BRUSSELS_DUE.astimezone(UTC).timestamp() * 1000))
    assert BRUSSELS_DUE.astimezone(UTC).hour == 14  # summer time: UTC+2
    for events in (assert_parsers_agree([body])[0], read_vobject(body), read_icaljs_many([body])[0]["events"]):
        due = [e for e in events if e.summary.startswith("CEDAW: Information") and "Foreign Affairs" in e.summary]
        assert len(due) == 1
        assert due[0].start == instant


def test_a_meeting_in_geneva_is_the_same_instant_in_each_parser(world: World) -> None:
    _prepare(world)
    body = _all_feeds(world)["diego"]
    start = ("utc", int(datetime(2027, 6, 8, 8, 0, tzinfo=UTC).timestamp() * 1000))
    for events in (assert_parsers_agree([body])[0], read_icaljs_many([body])[0]["events"], read_vobject(body)):
        plenary = [e for e in events if e.summary == "NMRF: Plenary of the NMRF"]
        assert [(e.start, e.end[1] - e.start[1]) for e in plenary] == [(start, 90 * 60 * 1000)]


def test_the_three_parsers_see_the_same_cancellation(world: World) -> None:
    _prepare(world)
    body = _all_feeds(world)["rodrigo"]
    with session_scope(world.engine, readonly=True) as s:
        m = s.exec(Milestone.__table__.select().where(Milestone.key == "input:labour",
                                                      Milestone.cycle_id == world.cedaw)).first()
    for events in (assert_parsers_agree([body])[0], read_vobject(body), read_icaljs_many([body])[0]["events"]):
        cancelled = [e for e in events if e.status == "CANCELLED"]
        assert len(cancelled) == 1
        assert cancelled[0].summary.startswith("CANCELLED: CEDAW: ")
        assert cancelled[0].sequence == m.sequence


def test_the_calendar_header_is_read_alike_by_ical_js(world: World) -> None:
    body = _all_feeds(world)["diego"]
    props = read_icaljs_many([body])[0]["props"]
    assert props["method"] == "PUBLISH" and props["calscale"] == "GREGORIAN" and props["version"] == "2.0"
    assert props["x-wr-calname"] == props["name"] == "NMRF: Diego Fuentes"
    assert props["refresh-interval"] == props["x-published-ttl"] == "PT4H"


def test_uids_are_stable_across_feeds_and_rebuilds(world: World) -> None:
    first = _all_feeds(world)
    again = _all_feeds(world)
    assert first == again  # byte for byte
    diego = by_uid(assert_parsers_agree([first["diego"]])[0])
    cedaw = by_uid(assert_parsers_agree([first["cedaw"]])[0])
    shared = set(diego) & set(cedaw)
    assert shared and all(diego[u].start == cedaw[u].start for u in shared)
