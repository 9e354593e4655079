"""The pure feed builder: items in, bytes out, `now` passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from nmrf.calendars.build import CANCELLED_GRACE, FeedSpec, Window, build_calendar, render_feed, select_items
from nmrf.calendars.items import FeedItem
from nmrf.web.routes.feeds import not_modified

NOW = datetime(2027, 5, 2, 9, 0, tzinfo=UTC)
CHANGED = datetime(2027, 4, 20, 13, 5, 7, 123456, tzinfo=UTC)
SPEC = FeedSpec(name="NMRF: Diego Fuentes", description="What Diego owes", timezone="Europe/Brussels")


def item(uid: str = "milestone-1@nmrf", **kw) -> FeedItem:  # type: ignore[no-untyped-def]
    values = dict(uid=uid, summary="CEDAW: Information for the report", description="Due: ...", status="active",
                  sequence=2, created_at=CHANGED - timedelta(days=30), updated_at=CHANGED, day=date(2027, 6, 1))
    values.update(kw)
    return FeedItem(**values)


def events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_a_day_deadline_is_an_all_day_event_ending_the_next_day_and_transparent() -> None:
    body = render_feed(SPEC, [item()], now=NOW).body
    assert b"DTSTART;VALUE=DATE:20270601\r\n" in body
    assert b"DTEND;VALUE=DATE:20270602\r\n" in body
    assert b"TRANSP:TRANSPARENT\r\n" in body


def test_a_timed_deadline_in_brussels_is_written_as_its_utc_instant() -> None:
    due = datetime(2027, 5, 14, 16, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    body = render_feed(SPEC, [item(day=None, starts_at=due)], now=NOW).body
    assert b"DTSTART:20270514T143000Z\r\n" in body  # 16:30 CEST is 14:30 UTC
    assert b"TZID" not in body and b"VTIMEZONE" not in body
    ev = events(body)["milestone-1@nmrf"]
    assert ev.decoded("DTSTART") == due  # type: ignore[attr-defined]


def test_a_meeting_blocks_time_and_a_deadline_does_not() -> None:
    start = datetime(2027, 5, 20, 8, 0, tzinfo=UTC)
    body = render_feed(SPEC, [item("m@nmrf", day=None, starts_at=start, ends_at=start + timedelta(hours=2), busy=True),
                              item("d@nmrf", day=None, starts_at=start)], now=NOW).body
    evs = events(body)
    assert str(evs["m@nmrf"]["TRANSP"]) == "OPAQUE"  # type: ignore[index]
    assert str(evs["d@nmrf"]["TRANSP"]) == "TRANSPARENT"  # type: ignore[index]


def test_the_same_items_give_byte_identical_feeds_at_any_moment_of_the_day() -> None:
    items = [item("b@nmrf"), item("a@nmrf", day=date(2027, 5, 30))]
    first = render_feed(SPEC, items, now=NOW)
    later = render_feed(SPEC, list(reversed(items)), now=NOW + timedelta(hours=10))
    assert first.body == later.body and first.etag == later.etag


def test_uid_sequence_and_stamps_come_from_the_record_never_from_now() -> None:
    body = render_feed(SPEC, [item(sequence=7)], now=NOW).body
    ev = events(body)["milestone-1@nmrf"]
    assert ev["SEQUENCE"] == 7  # type: ignore[index]
    assert ev.decoded("DTSTAMP") == CHANGED.replace(microsecond=0)  # type: ignore[attr-defined]
    assert ev.decoded("LAST-MODIFIED") == CHANGED.replace(microsecond=0)  # type: ignore[attr-defined]
    assert NOW.strftime("%Y%m%d").encode() not in body


def test_a_cancelled_item_stays_marked_during_its_grace_period_then_disappears() -> None:
    cancelled = item(status="cancelled", updated_at=NOW - timedelta(days=1))
    during = render_feed(SPEC, [cancelled], now=NOW).body
    ev = events(during)["milestone-1@nmrf"]
    assert str(ev["STATUS"]) == "CANCELLED"  # type: ignore[index]
    assert str(ev["SUMMARY"]).startswith("CANCELLED: ")  # type: ignore[index]
    after = render_feed(SPEC, [cancelled], now=NOW - timedelta(days=1) + CANCELLED_GRACE).body
    assert events(after) == {}


def test_done_and_waived_items_say_so_in_their_title() -> None:
    body = render_feed(SPEC, [item("a@nmrf", status="done"), item("b@nmrf", status="waived")], now=NOW).body
    evs = events(body)
    assert str(evs["a@nmrf"]["SUMMARY"]).startswith("DONE: ")  # type: ignore[index]
    assert str(evs["b@nmrf"]["SUMMARY"]).startswith("WAIVED: ")  # type: ignore[index]


def test_the_feed_covers_thirty_days_back_and_eighteen_months_ahead() -> None:
    today = date(2027, 5, 2)
    items = [item("old@nmrf", day=today - timedelta(days=31)), item("edge@nmrf", day=today - timedelta(days=30)),
             item("far@nmrf", day=date(2028, 11, 3)), item("last@nmrf", day=date(2028, 11, 2)),
             item("undated@nmrf", day=None)]
    uids = [i.uid for i in select_items(items, now=NOW, timezone="Europe/Brussels", window=Window())]
    assert uids == ["edge@nmrf", "last@nmrf"]


def test_the_header_names_the_calendar_its_refresh_interval_and_method() -> None:
    cal = build_calendar(SPEC, [], now=NOW)
    body = cal.to_ical()
    for line in (b"VERSION:2.0", b"CALSCALE:GREGORIAN", b"METHOD:PUBLISH", b"X-WR-CALNAME:NMRF: Diego Fuentes",
                 b"NAME:NMRF: Diego Fuentes", b"REFRESH-INTERVAL;VALUE=DURATION:PT4H", b"X-PUBLISHED-TTL:PT4H",
                 b"PRODID:-//nmrf//NMRF calendar feeds//EN"):
        assert line + b"\r\n" in body


def test_a_naive_datetime_is_refused_rather_than_written_floating() -> None:
    with pytest.raises(ValueError, match="floating"):
        render_feed(SPEC, [item(day=None, starts_at=datetime(2027, 5, 14, 16, 30))], now=NOW)


def test_a_feed_may_change_by_itself_at_the_readers_midnight_or_when_a_grace_period_ends() -> None:
    quiet = render_feed(SPEC, [item()], now=NOW)
    assert quiet.expires == datetime(2027, 5, 2, 22, 0, tzinfo=UTC)  # midnight in Brussels (CEST)
    cancelled_at = NOW - CANCELLED_GRACE + timedelta(hours=3)
    cancelled = render_feed(SPEC, [item(status="cancelled", updated_at=cancelled_at)], now=NOW)
    assert cancelled.expires == NOW + timedelta(hours=3)


def test_last_modified_is_the_newest_change_among_the_items_written() -> None:
    newer = CHANGED + timedelta(days=3)
    rendered = render_feed(SPEC, [item("a@nmrf"), item("b@nmrf", updated_at=newer)], now=NOW)
    assert rendered.last_modified == newer.replace(microsecond=0)


ETAG = '"abc"'
LM = datetime(2027, 5, 1, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("inm", "ims", "expected"), [
    (None, None, False),
    ('"abc"', None, True),
    ('W/"abc"', None, True),
    ('"x", "abc"', None, True),
    ("*", None, True),
    ('"old"', None, False),
    # If-None-Match decides alone, even when If-Modified-Since would say "unchanged"...
    ('"old"', "Sat, 01 May 2027 10:00:00 GMT", False),
    # ...or "changed".
    ('"abc"', "Sat, 01 May 2027 09:00:00 GMT", True),
    (None, "Sat, 01 May 2027 10:00:00 GMT", True),
    (None, "Sat, 01 May 2027 09:59:59 GMT", False),
    (None, "not a date", False),
    (None, "Sat, 01 May 99999 10:00:00 GMT", False),
])
def test_if_none_match_wins_over_if_modified_since(inm: str | None, ims: str | None, expected: bool) -> None:
    assert not_modified(if_none_match=inm, if_modified_since=ims, etag=ETAG, last_modified=LM) is expected


def test_long_text_in_any_script_is_folded_at_75_octets_with_crlf_and_never_inside_a_character() -> None:
    from tests.support.feed_parsers import assert_parsers_agree, check_serialisation

    text = "Ministère de la Santé — 保健省 — وزارة الصحة — Міністерство охорони здоров'я 🩺; " * 6
    body = render_feed(SPEC, [item(summary=text, description=text + "\nsecond line, with a comma")], now=NOW).body
    check_serialisation(body)
    [events] = assert_parsers_agree([body])
    assert events[0].summary == text
    assert max(len(line) for line in body.split(b"\r\n")) == 75
