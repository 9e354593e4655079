"""A served feed read back: its events as a calendar client shows them (start, title, text).

For the demo's last act, which fetches a focal point's feed from the real server; the only
reader of iCalendar outside the tests, kept here since only calendars/ imports icalendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar


@dataclass(frozen=True)
class ShownEvent:
    start: date | datetime
    summary: str
    description: str


def read_events(body: bytes) -> list[ShownEvent]:
    """The feed's events in the order of their start (as written in the feed)."""
    events = sorted(Calendar.from_ical(body).walk("VEVENT"), key=lambda e: str(e["DTSTART"].to_ical()))
    return [ShownEvent(start=e.decoded("DTSTART"), summary=str(e["SUMMARY"]), description=str(e["DESCRIPTION"]))
            for e in events]
