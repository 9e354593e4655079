"""Calendar arithmetic and working days. Pure: holidays and `today` come in as data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
import pendulum
from pydantic import BaseModel, ConfigDict


class Offset(BaseModel):
    """A calendar offset such as six months before (``months: -6``).

    Months and years clamp to the end of a shorter month (31 August plus six
    months is 28 February), which errs early for a deadline computed forward.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def apply(self, day: date) -> date:
        d = pendulum.Date(day.year, day.month, day.day)
        d = d.add(years=self.years, months=self.months) if (self.years or self.months) else d
        d = d + timedelta(weeks=self.weeks, days=self.days)
        return date(d.year, d.month, d.day)

    def approx_days(self) -> float:
        return self.years * 365.25 + self.months * 30.44 + self.weeks * 7 + self.days

    def __str__(self) -> str:
        parts = [f"{v:+d} {name}" for name, v in
                 (("years", self.years), ("months", self.months), ("weeks", self.weeks), ("days", self.days)) if v]
        return " ".join(parts) or "0 days"


@dataclass(frozen=True)
class WorkCalendar:
    """The days people work in one State: a weekend and a set of holidays.

    ``holidays_for`` is called per year so that a calendar can cover any span
    without computing decades of holidays up front.
    """

    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0
    holidays_for: Callable[[int], Iterable[date]] = field(default=lambda year: ())
    extra: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day.weekday() in self.weekend or day in self.extra:
            return False
        return day not in _year_set(self.holidays_for, day.year)

    def on_or_before(self, day: date) -> date:
        """The day itself if people work then, otherwise the previous working day."""
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        raise ValueError(f"no working day in the 60 days before {day}")

    def add_working_days(self, day: date, n: int) -> date:
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day


@lru_cache(maxsize=4096)
def _year_set(holidays_for: Callable[[int], Iterable[date]], year: int) -> frozenset[date]:
    return frozenset(holidays_for(year))


def national_calendar(country: str, subdiv: str | None = None, extra: Iterable[date] = ()) -> WorkCalendar:
    """A WorkCalendar from the `holidays` package (the State's public holidays and weekend)."""
    return _national_calendar(country, subdiv, frozenset(extra))


@lru_cache(maxsize=512)
def _national_calendar(country: str, subdiv: str | None, extra: frozenset[date]) -> WorkCalendar:
    probe = holidays.country_holidays(country, subdiv=subdiv, years=2020)
    weekend = frozenset(getattr(probe, "weekend", {5, 6}))
    return WorkCalendar(weekend=weekend, holidays_for=_holidays_source(country, subdiv), extra=extra)


@lru_cache(maxsize=512)
def _holidays_source(country: str, subdiv: str | None) -> Callable[[int], Iterable[date]]:
    def for_year(year: int) -> Iterable[date]:
        return holidays.country_holidays(country, subdiv=subdiv, years=year).keys()

    return for_year


# Dates a person may give: the UN's human-rights system starts in 1945, and nothing is planned past 2200. A
# date outside is a typing mistake (year 9999, 0001) that would otherwise overflow date arithmetic later.
EARLIEST = date(1945, 1, 1)
LATEST = date(2200, 12, 31)


def check_date_range(day: date, *, what: str) -> date:
    if not EARLIEST <= day <= LATEST:
        from nmrf.errors import NmrfError

        raise NmrfError(f"{what}: {day.isoformat()} is outside the dates nmrf accepts "
                        f"({EARLIEST.isoformat()} to {LATEST.isoformat()})")
    return day


def parse_day(text: str, *, what: str) -> date:
    """A date a person typed (YYYY-MM-DD), checked: the empty string is not a date, nor is 2024-02-30."""
    from nmrf.domain.i18n import N_
    from nmrf.errors import NmrfError

    cleaned = text.strip()
    if not cleaned:
        raise NmrfError.said(N_("%(what)s: the empty text is not a date (expected YYYY-MM-DD)"), what=what)
    try:
        day = date.fromisoformat(cleaned)
    except ValueError as exc:
        # (Python's reason stays as Python gives it: "month must be in 1..12")
        raise NmrfError.said(N_("%(what)s: %(text)s is not a date (expected YYYY-MM-DD; %(reason)s)"),
                             what=what, text=repr(text), reason=str(exc)) from None
    return check_date_range(day, what=what)
