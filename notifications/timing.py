"""Time for people: their local day, their quiet hours, digest windows. Pure.

Quiet hours hold delivery, never the decision: a message decided at 23:00 is
written to the outbox at once and released at the end of the recipient's quiet
hours, computed in their own IANA zone (so across a daylight-saving change the
release is still 07:30 on their clock).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from zoneinfo import ZoneInfo

from nmrf.domain.clock import zone


@lru_cache(maxsize=256)
def parse_quiet(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    return time(h1, m1), time(h2, m2)


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a day in a zone, as UTC. A time skipped by a DST change
    (02:30 on the spring-forward night) reads with the offset before the gap,
    i.e. one hour later on the new clock: never earlier than asked."""
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)


def in_quiet_hours(now: datetime, tz: str, quiet: str | None) -> bool:
    return release_at(now, tz, quiet) > now


def release_at(now: datetime, tz: str, quiet: str | None) -> datetime:
    """`now` if the recipient is not in quiet hours, else the end of their quiet hours (UTC)."""
    if not quiet:
        return now
    start, end = parse_quiet(quiet)
    if start == end:
        return now
    z = zone(tz)
    local = now.astimezone(z)
    t = local.time().replace(tzinfo=None)
    day = local.date()
    if start < end:  # e.g. 12:00-14:00, within one day
        if start <= t < end:
            return max(now, _at(day, end, z))
        return now
    # Across midnight, e.g. 20:00-07:30.
    if t >= start:
        return max(now, _at(day + timedelta(days=1), end, z))
    if t < end:
        return max(now, _at(day, end, z))
    return now


def window_of(day: date, window: str) -> tuple[str, date, date]:
    """The digest window containing `day`: its id and first and last days."""
    if window == "week":
        start = day - timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", start, start + timedelta(days=6)
    return day.isoformat(), day, day


def release_on_working_day(now: datetime, tz: str, quiet: str | None, is_working_day) -> datetime:
    """Like `release_at`, and never on a day people do not work (the State's calendar, read in
    the recipient's zone): held to the end of quiet hours on the next working day."""
    release = release_at(now, tz, quiet)
    z = zone(tz)
    for _ in range(30):
        day = release.astimezone(z).date()
        if is_working_day(day):
            return release
        midnight = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=z).astimezone(UTC)
        release = release_at(midnight, tz, quiet)
    return release
