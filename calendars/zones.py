"""VTIMEZONE blocks that ical.js, vobject and Outlook read right, written from the tz database.

icalendar's own ``add_missing_timezones()`` writes comma-separated RDATE lists, of
which ical.js and vobject read only the first date (one hour off in summer, seen
here). A recurring meeting cannot be written in UTC (its UTC instant changes at each
daylight-saving change), so it carries a TZID, and this module writes that zone's
VTIMEZONE in the form every parser knows: one STANDARD and one DAYLIGHT observance,
each with a yearly RRULE (e.g. BYMONTH=3;BYDAY=-1SU), derived from the zone's real
transitions and checked against them for 30 years. A zone whose changes follow no
such rule gets one observance per transition instead (each a single DTSTART, no
RDATE lists), up to 30 years ahead. A zone without changes gets one STANDARD.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

YEARS_CHECKED = 30
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset()  # type: ignore[return-value]


@lru_cache(maxsize=256)
def transitions(tzid: str, first_year: int, last_year: int) -> tuple[tuple[datetime, timedelta, timedelta, bool], ...]:
    """(UTC instant, offset before, offset after, is daylight after) of each change in the years given."""
    zone = ZoneInfo(tzid)
    out = []
    t = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    while t < end:
        a, b = _offset(zone, t), _offset(zone, t + step)
        if a != b:
            lo, hi = t, t + step
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if _offset(zone, mid) == a:
                    lo = mid
                else:
                    hi = mid
            moment = hi.replace(second=0, microsecond=0)
            dst = bool((t + step).astimezone(zone).dst())
            out.append((moment, a, b, dst))
        t += step
    return tuple(out)


def _rule_of(local: datetime) -> list[tuple[str, int | None]]:
    """Candidate rules for a change on this local day, as (BYDAY, first BYMONTHDAY or None): the
    last or the nth weekday of the month, or the weekday on or after a day (the tz database's
    "Sun>=2", Chile's rule, is BYDAY=SU;BYMONTHDAY=2,3,...,8)."""
    days_in = calendar.monthrange(local.year, local.month)[1]
    wd = DAYS[local.weekday()]
    out: list[tuple[str, int | None]] = []
    if local.day + 7 > days_in:
        out.append((f"-1{wd}", None))
    nth = (local.day - 1) // 7 + 1
    if nth <= 4:
        out.append((f"{nth}{wd}", None))
    out += [(wd, d) for d in range(max(1, local.day - 6), local.day + 1) if d + 6 <= 28]
    return out


def _rule_date(year: int, month: int, rule: tuple[str, int | None]) -> date:
    byday, first = rule
    if first is not None:
        wd = DAYS.index(byday)
        return date(year, month, first + (wd - date(year, month, first).weekday()) % 7)
    n, wd = int(byday[:-2]), DAYS.index(byday[-2:])
    days_in = calendar.monthrange(year, month)[1]
    if n < 0:
        day = days_in - ((date(year, month, days_in).weekday() - wd) % 7)
    else:
        day = 1 + ((wd - date(year, month, 1).weekday()) % 7) + 7 * (n - 1)
    return date(year, month, day)


def _observance(dst: bool, local_start: datetime, before: timedelta, after: timedelta, name: str):  # type: ignore[no-untyped-def]
    comp = TimezoneDaylight() if dst else TimezoneStandard()
    comp.add("dtstart", local_start.replace(tzinfo=None))
    comp.add("tzoffsetfrom", before)
    comp.add("tzoffsetto", after)
    comp.add("tzname", name)
    return comp


def _name(zone: ZoneInfo, instant: datetime) -> str:
    return instant.astimezone(zone).tzname() or "LMT"


def vtimezone(tzid: str, *, first_year: int) -> Timezone:
    """The zone's VTIMEZONE, valid from `first_year` on (the year of the earliest event using it)."""
    zone = ZoneInfo(tzid)
    tz = Timezone()
    tz.add("tzid", tzid)
    last_year = first_year + YEARS_CHECKED
    changes = transitions(tzid, first_year - 1, last_year)
    if not changes:
        instant = datetime(first_year, 1, 1, tzinfo=UTC)
        off = _offset(zone, instant)
        tz.add_component(_observance(False, datetime(1970, 1, 1), off, off, _name(zone, instant)))
        return tz
    rules = _yearly_rules(changes)
    if rules is not None:
        for (moment, before, after, dst), (byday, first) in rules:
            local = moment + before
            comp = _observance(dst, local, before, after, _name(zone, moment))
            rule: dict[str, object] = {"freq": "YEARLY", "bymonth": local.month, "byday": byday}
            if first is not None:
                rule["bymonthday"] = list(range(first, first + 7))
            comp.add("rrule", rule)
            tz.add_component(comp)
        return tz
    # No yearly rule: every change on its own, the offset in force before the first one too.
    first = changes[0]
    tz.add_component(_observance(not first[3], datetime(1970, 1, 1), first[1], first[1],
                                 _name(zone, first[0] - timedelta(minutes=1))))
    for moment, before, after, dst in changes:
        tz.add_component(_observance(dst, moment + before, before, after, _name(zone, moment)))
    return tz


def _yearly_rules(changes):  # type: ignore[no-untyped-def]
    """Two yearly rules (one per direction) reproducing every change, or None."""
    first_two = changes[:2]
    if len(first_two) < 2 or first_two[0][3] == first_two[1][3]:
        return None
    chosen = []
    for moment, before, after, dst in first_two:
        local = moment + before
        same = [c for c in changes if c[3] == dst]
        for byday in _rule_of(local):
            ok = all(c[1] == before and c[2] == after and (c[0] + c[1]).time() == local.time()
                     and (c[0] + c[1]).date() == _rule_date((c[0] + c[1]).year, local.month, byday)
                     for c in same)
            years = {(c[0] + c[1]).year for c in same}
            if ok and len(years) == len(same) and years == set(range(min(years), max(years) + 1)):
                chosen.append(((moment, before, after, dst), byday))
                break
        else:
            return None
    return chosen
