"""The State's clock: what day it is in a time zone, and the moment an `--as-of` date stands for.

The one place that turns an instant into a local day; everything else takes `today`/`now` as an argument.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """An IANA zone, built once (a sweep asks for the same few zones thousands of times)."""
    return ZoneInfo(name)


def today_in(timezone: str, now: datetime | None = None) -> date:
    """The day it is in `timezone` at `now` (the real clock when None)."""
    return (now or datetime.now(UTC)).astimezone(zone(timezone)).date()


def moment(as_of: date | None, timezone: str) -> tuple[date, datetime]:
    """`today` and `now` for an as-of date: noon in the State's zone, or the real clock."""
    if as_of is None:
        now = datetime.now(UTC)
        return today_in(timezone, now), now
    return as_of, datetime.combine(as_of, time(12, 0), tzinfo=zone(timezone)).astimezone(UTC)
