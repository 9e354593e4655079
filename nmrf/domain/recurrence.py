"""Recurring meetings as dates: which local days a series occurs on, and whether it makes sense. Pure.

A series recurs in local time: a weekly 10:00 in Europe/Zurich is at 10:00 in Zurich
in winter and in summer, so its UTC instant moves by an hour across a daylight-saving
change. The expansion here gives local days and instants; the feed writes the same
series as one RRULE with a TZID and a VTIMEZONE (nmrf.calendars.zones), and the tests
check that ical.js and vobject expand it to these instants.

Monthly series follow RFC 5545: a series on the 31st skips the months without one.
"N weeks before each report deadline" is irregular: its days come from the deadlines,
which are passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = ("weekly", "monthly", "quarterly", "before_deadlines")
# How far an open-ended series is checked and expanded (ten years).
HORIZON_DAYS = 3653


@dataclass(frozen=True)
class Recurrence:
    frequency: str
    first_date: date
    start_time: time
    timezone: str
    minutes: int = 120
    interval: int = 1
    until: date | None = None
    weeks_before: int | None = None
    deadlines: tuple[date, ...] = ()  # before_deadlines: the report deadlines
    exdates: frozenset[date] = field(default_factory=frozenset)  # cancelled occurrences

    @property
    def months_step(self) -> int:
        return self.interval * (3 if self.frequency == "quarterly" else 1)

    def rrule(self) -> dict[str, object] | None:
        """The RFC 5545 RRULE of a regular series (None for before_deadlines)."""
        if self.frequency == "before_deadlines":
            return None
        rule: dict[str, object] = {"freq": "WEEKLY" if self.frequency == "weekly" else "MONTHLY"}
        step = self.interval if self.frequency == "weekly" else self.months_step
        if step != 1:
            rule["interval"] = step
        if self.frequency != "weekly":
            rule["bymonthday"] = self.first_date.day
        if self.until is not None:
            # UNTIL in UTC, at the last day's local end: an occurrence on `until` is included.
            end = datetime.combine(self.until, time(23, 59, 59), tzinfo=ZoneInfo(self.timezone))
            rule["until"] = end.astimezone(UTC)
        return rule


def parse_time(text: str) -> time:
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (expected HH:MM)") from None
    if value.second or value.microsecond:
        raise ValueError(f"{text!r}: give hours and minutes only")
    return value


def _months(first: date, step: int) -> Iterator[date]:
    k = 0
    while True:
        total = first.month - 1 + k * step
        year, month = first.year + total // 12, total % 12 + 1
        if first.day <= calendar.monthrange(year, month)[1]:
            yield date(year, month, first.day)
        k += 1
        if year > first.year + 200:
            return


def all_days(rec: Recurrence, *, last: date) -> Iterator[date]:
    """Every local day the series would occur on up to `last` (cancelled ones included)."""
    stop = min(last, rec.until) if rec.until else last
    if rec.frequency == "weekly":
        day = rec.first_date
        while day <= stop:
            yield day
            day += timedelta(weeks=rec.interval)
    elif rec.frequency in ("monthly", "quarterly"):
        for day in _months(rec.first_date, rec.months_step):
            if day > stop:
                return
            yield day
    elif rec.frequency == "before_deadlines":
        weeks = timedelta(weeks=rec.weeks_before or 0)
        # Two deadlines on one day give one meeting: a series never meets twice a day.
        for day in sorted({d - weeks for d in rec.deadlines}):
            if rec.first_date <= day <= stop:
                yield day


def local_start(rec: Recurrence, day: date) -> datetime:
    return datetime.combine(day, rec.start_time, tzinfo=ZoneInfo(rec.timezone))


def occurrences(rec: Recurrence, *, first: date, last: date) -> list[tuple[date, datetime, datetime]]:
    """(local day, start, end) of each occurrence between `first` and `last`, cancelled ones left out;
    start and end are aware datetimes in UTC."""
    out = []
    length = timedelta(minutes=rec.minutes)
    for day in all_days(rec, last=last):
        if day < first or day in rec.exdates:
            continue
        start = local_start(rec, day).astimezone(UTC)
        out.append((day, start, start + length))
    return out


def _exists(moment: datetime) -> bool:
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def check_recurrence(rec: Recurrence) -> list[tuple[str, str]]:
    """(field, problem) pairs; empty when the series occurs, at most once a day, at times that exist."""
    problems: list[tuple[str, str]] = []
    if rec.frequency not in FREQUENCIES:
        problems.append(("frequency", f"{rec.frequency!r}: expected one of {', '.join(FREQUENCIES)} "
                                      "(a meeting series occurs at most once a day)"))
        return problems
    if rec.interval < 1:
        problems.append(("interval", f"{rec.interval}: every 1 or more weeks or months (0 would meet "
                                     "more than once a day, on the same day, without end)"))
    if not 0 < rec.minutes <= 24 * 60:
        problems.append(("minutes", f"{rec.minutes}: a meeting lasts between 1 minute and a day"))
    if rec.frequency == "before_deadlines":
        if rec.weeks_before is None or rec.weeks_before < 1:
            problems.append(("weeks_before", "say how many weeks before each report deadline (1 or more)"))
    elif rec.weeks_before is not None:
        problems.append(("weeks_before", "only for a series held before each report deadline"))
    if rec.until is not None and rec.until < rec.first_date:
        problems.append(("until", f"{rec.until} is before the first date {rec.first_date}: the series never occurs"))
    if problems:
        return problems
    horizon = rec.first_date + timedelta(days=HORIZON_DAYS)
    days = list(all_days(rec, last=horizon))
    if not [d for d in days if d not in rec.exdates]:
        if rec.frequency == "before_deadlines":
            problems.append(("weeks_before", f"no report deadline gives a meeting day from {rec.first_date}"
                                             + (f" to {rec.until}" if rec.until else "") + ": the series never occurs"))
        else:
            problems.append(("until", "no day between the first date and the end: the series never occurs"))
        return problems
    gaps = [d for d in days if not _exists(local_start(rec, d))]
    if gaps:
        problems.append(("time", f"{rec.start_time:%H:%M} does not exist in {rec.timezone} on {gaps[0]} "
                                 "(clocks change that night): choose another time"))
    return problems


def deadlines_in(days: Iterable[date]) -> tuple[date, ...]:
    return tuple(sorted(set(days)))
