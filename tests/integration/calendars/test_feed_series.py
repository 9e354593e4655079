"""Recurring meetings in the feeds: one VEVENT with an RRULE in the meeting's own zone, read alike
by icalendar, vobject and ical.js, occurrence by occurrence, across daylight-saving changes;
a cancelled occurrence absent; an irregular series (before each report deadline) as separate
events; series that never occur or occur more than once a day refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tests.support.feed_parsers import read_icaljs_many
from sqlmodel import select

from nmrf.calendars.build import render_feed
from nmrf.calendars.series import cancel_occurrence, get_series, schedule_series
from nmrf.calendars.queries import person_feed
from nmrf.errors import NmrfError
from nmrf.models import MeetingOccurrence, MeetingSeries
from nmrf.models.db import session_scope
from nmrf.services.people import get_person, get_state

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)


def _series(engine, **kw):  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        schedule_series(session=s, state=state, now=NOW, **kw)


def _feed(engine, person: str) -> bytes:  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        feed = person_feed(session=s, person=get_person(session=s, state=state, key=person), now=NOW)
        return render_feed(feed.spec, feed.items, now=NOW).body


def _vobject_occurrences(body: bytes, uid_prefix: str) -> list[int]:
    import vobject

    cal = vobject.readOne(body.decode(), validate=True)
    for ev in cal.vevent_list:
        if ev.uid.value.startswith(uid_prefix) and hasattr(ev, "rrule"):
            starts = list(ev.getrruleset(addRDate=True))
            return [int(t.astimezone(UTC).timestamp() * 1000) for t in starts if t.year <= 2031]
    raise AssertionError("no recurring event")


def _icaljs_occurrences(body: bytes) -> list[int]:
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    from tests.support.paths import JS_DIR

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.ics"
        path.write_bytes(body)
        done = subprocess.run(["node", str(JS_DIR / "read_feeds.mjs"), str(path)], capture_output=True,
                              text=True, timeout=60, cwd=JS_DIR, check=True)
    events = json.loads(done.stdout)[str(path)]["events"]
    recurring = [e for e in events if e["occurrences"] is not None]
    assert len(recurring) == 1
    return [int(x) for x in recurring[0]["occurrences"]]


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_a_weekly_10_00_zurich_plenary_stays_at_10_00_local_across_the_march_change_in_every_parser(world):
    _series(world.engine, key="focal-weekly", kind="coordination", title="Focal points' weekly call",
            frequency="weekly", first_date=date(2027, 3, 1), until=date(2027, 5, 31), start_time="10:00",
            timezone="Europe/Zurich", roles=["secretariat", "focal_point"], minutes=60)
    with session_scope(world.engine, actor="test") as s:
        state = get_state(session=s)
        cancel_occurrence(session=s, series=get_series(session=s, state=state, key="focal-weekly"),
                          day=date(2027, 4, 12), note="Easter Monday", now=NOW)
    body = _feed(world.engine, "claire-dubois")
    text = body.decode()
    assert "RRULE:FREQ=WEEKLY;UNTIL=" in text and "DTSTART;TZID=Europe/Zurich:20270301T100000" in text
    assert "EXDATE;TZID=Europe/Zurich:20270412T100000" in text
    assert "BYDAY=-1SU;BYMONTH=3" in text  # the VTIMEZONE's rule, not an RDATE list
    js = _icaljs_occurrences(body)
    vo = _vobject_occurrences(body, "series-")
    assert js == vo
    assert len(js) == 13  # 14 Mondays from 1 March to 31 May, one cancelled
    # 22 March: winter time, 10:00 CET is 09:00 UTC; 29 March: summer time, 10:00 CEST is 08:00 UTC.
    assert _ms(2027, 3, 22, 9, 0) in js and _ms(2027, 3, 29, 8, 0) in js
    assert _ms(2027, 3, 29, 9, 0) not in js
    assert all(_ms(2027, 4, 12, h, 0) not in js for h in (8, 9))  # the cancelled one
    assert js[-1] == _ms(2027, 5, 31, 8, 0)


def test_a_monthly_santiago_series_moves_its_utc_hour_when_chile_leaves_summer_time_in_every_parser(world):
    _series(world.engine, key="plenary", kind="plenary", title="Plenary of the NMRF", frequency="monthly",
            first_date=date(2027, 3, 5), until=date(2027, 10, 5), start_time="09:00",
            timezone="America/Santiago", roles=["secretariat", "focal_point"])
    body = _feed(world.engine, "tomas-silva")
    js, vo = _icaljs_occurrences(body), _vobject_occurrences(body, "series-")
    assert js == vo
    assert len(js) == 8
    assert js[0] == _ms(2027, 3, 5, 12, 0)  # 09:00 at UTC-3 (summer)
    assert js[1] == _ms(2027, 4, 5, 13, 0)  # 09:00 at UTC-4 (winter, from 4 April)
    assert js[6] == _ms(2027, 9, 5, 12, 0)  # summer time again from 00:00 that Sunday
    assert js == _domain(world.engine, "plenary")


def _domain(engine, key: str) -> list[int]:  # type: ignore[no-untyped-def]
    from nmrf.calendars.series import recurrence_of
    from nmrf.domain.recurrence import occurrences

    with session_scope(engine, actor="test") as s:
        series = get_series(session=s, state=get_state(session=s), key=key)
        rec = recurrence_of(session=s, series=series)
    return [int(start.timestamp() * 1000) for _, start, _ in occurrences(rec, first=date(2027, 1, 1),
                                                                          last=date(2031, 12, 31))]


def test_a_series_n_weeks_before_each_report_deadline_is_one_event_per_deadline_in_utc(world):
    _series(world.engine, key="pre-deadline", kind="coordination", title="Coordination before the deadline",
            frequency="before_deadlines", weeks_before=6, first_date=date(2027, 1, 1), start_time="15:00",
            timezone="America/Santiago", roles=["secretariat"])
    body = _feed(world.engine, "tomas-silva")
    text = body.decode()
    # CEDAW's report is due on 1 October 2027: six weeks before is Friday 20 August, 15:00 at UTC-4.
    assert "DTSTART:20270820T190000Z" in text
    assert "RRULE" not in text.split("Coordination before the deadline")[0].rsplit("BEGIN:VEVENT", 1)[-1]
    assert _domain(world.engine, "pre-deadline")[0] == _ms(2027, 8, 20, 19, 0)


@pytest.mark.parametrize("changes, field", [
    ({"frequency": "hourly"}, "frequency"),
    ({"frequency": "daily"}, "frequency"),
    ({"interval": 0}, "interval"),
    ({"until": date(2027, 2, 1)}, "until"),
    ({"start_time": "02:30", "timezone": "Europe/Zurich", "first_date": date(2027, 3, 21)}, "time"),
    ({"frequency": "before_deadlines", "weeks_before": 6, "mechanism": "CRPD"}, "weeks_before"),
])
def test_a_series_that_never_occurs_or_occurs_more_than_once_a_day_is_refused_with_its_field_and_nothing_written(
        world, changes, field):
    args = dict(key="bad", kind="plenary", title="Bad", frequency="weekly", first_date=date(2027, 3, 1),
                start_time="10:00", timezone="America/Santiago", roles=["secretariat"]) | changes
    with pytest.raises(NmrfError) as caught:
        _series(world.engine, **args)
    assert any(p.field == field for p in caught.value.problems), caught.value.problems
    with session_scope(world.engine, actor="test") as s:
        assert s.exec(select(MeetingSeries)).all() == []


def test_cancelling_a_day_the_series_does_not_meet_is_refused_and_changes_nothing(world):
    _series(world.engine, key="plenary", kind="plenary", title="Plenary", frequency="quarterly",
            first_date=date(2027, 3, 5), start_time="09:00", timezone="America/Santiago", roles=["secretariat"])
    with pytest.raises(NmrfError, match="no occurrence on 2027-04-05"):
        with session_scope(world.engine, actor="test") as s:
            series = get_series(session=s, state=get_state(session=s), key="plenary")
            cancel_occurrence(session=s, series=series, day=date(2027, 4, 5), note="x", now=NOW)
    with session_scope(world.engine, actor="test") as s:
        assert s.exec(select(MeetingOccurrence)).all() == []
