"""Build a feed: items in, an icalendar Calendar (and its bytes) out. Pure: ``now`` comes in.

What real clients need (../shared/docs/feeds-and-escalation.md):
- day deadlines are dates (DTEND the next day, exclusive) and TRANSPARENT;
- timed items are written in UTC (``...Z``): icalendar's generated VTIMEZONEs
  are misread by ical.js and vobject (one hour off in summer), and UTC needs
  none; the zone the time was set in is in the text;
- UID, SEQUENCE, DTSTAMP and LAST-MODIFIED come from the record, never from
  ``now``, so the same data gives the same bytes;
- a cancelled item stays as STATUS:CANCELLED with a "CANCELLED:" title for a
  short grace period, then leaves the feed;
- a bounded window of dates keeps feeds small.
icalendar itself writes CRLF line ends and folds lines at 75 octets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration, vText

from nmrf.calendars.items import FeedItem
from nmrf.calendars.zones import vtimezone
from nmrf.domain.clock import today_in
from nmrf.domain.dates import Offset
from nmrf.domain.text import strip_controls, without_controls

PRODID = "-//nmrf//NMRF calendar feeds//EN"
REFRESH = timedelta(hours=4)
CANCELLED_GRACE = timedelta(days=7)
PREFIXES = {"cancelled": "CANCELLED: ", "done": "DONE: ", "waived": "WAIVED: "}


@dataclass(frozen=True)
class Window:
    """The dates a feed covers, around the reader's today."""

    past_days: int = 30
    ahead_months: int = 18

    def bounds(self, today: date) -> tuple[date, date]:
        return today - timedelta(days=self.past_days), Offset(months=self.ahead_months).apply(today)


@dataclass(frozen=True)
class FeedSpec:
    name: str
    description: str
    timezone: str  # the reader's zone: the window's today, and X-WR-TIMEZONE (a display hint only)
    refresh: timedelta = REFRESH


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str  # a strong validator: the hash of the bytes, quoted
    last_modified: datetime | None  # the newest change among the items written
    expires: datetime  # the moment `now` alone may change the bytes (a new day, a grace period ending)
    uids: tuple[str, ...]


def select_items(items: Iterable[FeedItem], *, now: datetime, timezone: str, window: Window = Window(),
                 grace: timedelta = CANCELLED_GRACE) -> list[FeedItem]:
    """The items the feed shows on `now`, in a stable order (time, then UID)."""
    first, last = window.bounds(today_in(timezone, now))
    chosen = {}
    for item in items:
        if item.day is None and item.starts_at is None:
            continue  # no date yet: nothing a calendar can show
        if item.rrule is not None:
            if item.local_day(timezone) > last or (item.last_day is not None and item.last_day < first):
                continue
        elif not first <= item.local_day(timezone) <= last:
            continue
        if item.status == "cancelled" and item.updated_at + grace <= now:
            continue
        chosen[item.uid] = item  # a UID appears once, whatever the sources gave
    return sorted(chosen.values(), key=FeedItem.sort_key)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r} in a feed item: floating times are read as UTC by "
                         "Google and Outlook, pass an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0)


def _line(text: str) -> vText:
    """A single-line property (NAME, SUMMARY, LOCATION...): icalendar leaves a bare CR in some of them as is,
    and a parser then reads an injected property; line breaks become spaces, control characters go."""
    return vText(strip_controls(text))


def _text(text: str) -> vText:
    """A multi-line TEXT property: line breaks kept (icalendar escapes them as \\n), control characters go."""
    return vText(without_controls(text.replace("\r\n", "\n").replace("\r", "\n")))


def build_event(item: FeedItem) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", _utc(item.updated_at))
    event.add("created", _utc(item.created_at))
    event.add("last-modified", _utc(item.updated_at))
    event.add("sequence", item.sequence)
    prefix = item.status_prefix if item.status_prefix is not None else PREFIXES.get(item.status, "")
    event.add("summary", _line(prefix + item.summary))
    if item.rrule is not None:
        # In its own zone, not UTC: the local time recurs, the UTC instant moves with
        # daylight saving. The VTIMEZONE comes from nmrf.calendars.zones.
        assert item.starts_at is not None and item.ends_at is not None
        event.add("dtstart", item.starts_at.replace(microsecond=0))
        event.add("dtend", item.ends_at.replace(microsecond=0))
        event.add("rrule", dict(item.rrule))
        for moment in item.exdates:
            event.add("exdate", moment)
    elif item.starts_at is not None:
        start = _utc(item.starts_at)
        event.add("dtstart", start)
        event.add("dtend", _utc(item.ends_at) if item.ends_at is not None else start)
    else:
        assert item.day is not None
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
    event.add("transp", "OPAQUE" if item.busy and item.starts_at is not None else "TRANSPARENT")
    event.add("status", "CANCELLED" if item.status == "cancelled" else "CONFIRMED")
    event.add("description", _text(item.description))
    if item.location:
        event.add("location", _line(item.location))
    if item.categories:
        event.add("categories", [str(_line(c)) for c in item.categories])
    return event


def build_calendar(spec: FeedSpec, items: Iterable[FeedItem], *, now: datetime, window: Window = Window(),
                   grace: timedelta = CANCELLED_GRACE) -> Calendar:
    """The feed as an icalendar Calendar: the items `now` shows, in a stable order."""
    return _calendar(spec, select_items(items, now=now, timezone=spec.timezone, window=window, grace=grace))


def _calendar(spec: FeedSpec, chosen: list[FeedItem]) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # NAME and the X-WR- properties are written raw by icalendar and read raw by clients (a "\\," would show):
    # one line with no control character is what keeps them from carrying a property of their own.
    cal.add("name", strip_controls(spec.name))
    cal.add("x-wr-calname", strip_controls(spec.name))
    cal.add("description", _text(spec.description))
    cal.add("x-wr-caldesc", strip_controls(spec.description))
    cal.add("x-wr-timezone", spec.timezone)
    cal.add("refresh-interval", vDuration(spec.refresh), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(spec.refresh))
    zones: dict[str, int] = {}
    for item in chosen:
        if item.rrule is not None and item.starts_at is not None:
            tzid = str(item.starts_at.tzinfo)
            zones[tzid] = min(zones.get(tzid, 9999), item.starts_at.year)
    for tzid, year in sorted(zones.items()):
        cal.add_component(vtimezone(tzid, first_year=year))
    for item in chosen:
        cal.add_component(build_event(item))
    return cal


def render_feed(spec: FeedSpec, items: Iterable[FeedItem], *, now: datetime, window: Window = Window(),
                grace: timedelta = CANCELLED_GRACE) -> RenderedFeed:
    chosen = select_items(items, now=now, timezone=spec.timezone, window=window, grace=grace)
    body = _calendar(spec, chosen).to_ical()
    return RenderedFeed(
        body=body,
        etag=etag_of(body),
        last_modified=max((_utc(i.updated_at) for i in chosen), default=None),
        expires=expires_at(chosen, now=now, timezone=spec.timezone, grace=grace),
        uids=tuple(i.uid for i in chosen),
    )


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def expires_at(chosen: Iterable[FeedItem], *, now: datetime, timezone: str,
               grace: timedelta = CANCELLED_GRACE) -> datetime:
    """When the same data may give other bytes: the reader's next midnight moves the
    window; a cancelled item leaves when its grace period ends."""
    zone = ZoneInfo(timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    moment = datetime.combine(tomorrow, time(0, 0), tzinfo=zone).astimezone(UTC)
    for item in chosen:
        if item.status == "cancelled":
            moment = min(moment, item.updated_at + grace)
    return moment
