"""Review calendars as data: which State a mechanism reviews in which session, and the session's deadlines.

OHCHR publishes the UPR Working Group's sessions (dates, States, the deadlines for
stakeholders and for the national report); such a calendar is packaged data
(nmrf/data/calendars/), read through `load_model`'s line-numbered YAML and checked
whole when it loads: sessions in order, States by a known ISO code and reviewed once
a cycle, every published deadline inside the range of the catalogue's rule (a date
outside it is a typing error or a rule that no longer holds: either way, say so).

Pure: the known State codes and the mechanism's rules come in as arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from nmrf.domain.packaged import REVIEW_CALENDARS_DIR
from nmrf.domain.rules import Mechanism, Rule
from nmrf.domain.yamlfile import line_of, load_yaml, parse_model
from nmrf.errors import NmrfError, Problem

CALENDARS_DIR = REVIEW_CALENDARS_DIR
UPR_CALENDAR_PATH = CALENDARS_DIR / "upr-4th-cycle.yaml"

# calendar field -> (the rule it is checked against, the template milestone it sets)
UPR_DEADLINES = {
    "stakeholder_deadline": ("stakeholder_submissions", "stakeholder_deadline"),
    "national_report_deadline": ("national_report", "submission"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewSession(_Strict):
    session: int = Field(ge=1)
    opens: date
    closes: date
    stakeholder_deadline: date | None = None
    national_report_deadline: date | None = None
    states: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=5)
    note: str = ""


class ReviewCalendar(_Strict):
    mechanism: str
    cycle: str
    source: str = Field(min_length=5)
    read: date  # when the source was read
    sessions: tuple[ReviewSession, ...] = Field(min_length=1)

    def session_of(self, state: str) -> ReviewSession | None:
        """The session that reviews `state` in this cycle, if the calendar names it."""
        for s in self.sessions:
            if state in s.states:
                return s
        return None

    def session_on(self, day: date) -> ReviewSession | None:
        """The session open on `day`, if any."""
        for s in self.sessions:
            if s.opens <= day <= s.closes:
                return s
        return None


def check_calendar(cal: ReviewCalendar, *, known_states: Collection[str], mechanism: Mechanism,
                   lines: Mapping[tuple, int], filename: str) -> list[Problem]:
    """Every problem of a calendar, each with its line (empty when the calendar is sound)."""
    problems: list[Problem] = []

    def problem(message: str, *loc: str | int) -> None:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        problems.append(Problem(message, file=filename, line=line_of(tuple(loc), dict(lines)), field=field))

    seen: dict[str, int] = {}
    previous: ReviewSession | None = None
    for i, s in enumerate(cal.sessions):
        if s.closes < s.opens:
            problem(f"session {s.session} closes ({s.closes}) before it opens ({s.opens})", "sessions", i, "closes")
        if previous is not None and (s.session <= previous.session or s.opens <= previous.closes):
            problem(f"session {s.session} ({s.opens}) is out of order: it comes after session "
                    f"{previous.session} ({previous.opens} to {previous.closes}) in the file", "sessions", i, "session")
        for j, code in enumerate(s.states):
            if code not in known_states:
                problem(f"unknown State code {code!r} (expected an ISO 3166-1 alpha-2 code of a UN member State)",
                        "sessions", i, "states", j)
            elif code in seen:
                problem(f"{code} is already reviewed in session {seen[code]} of this cycle", "sessions", i, "states", j)
            else:
                seen[code] = s.session
        for name, (rule_name, _) in UPR_DEADLINES.items():
            day = getattr(s, name)
            rule = mechanism.rules.get(rule_name)
            if day is None or rule is None or rule.range is None:
                continue
            early, late = (o.apply(s.opens) for o in sorted(rule.range, key=lambda o: o.approx_days()))
            if not early <= day <= late:
                problem(f"{name} {day} is outside the range of the rule {rule_name} for a session opening "
                        f"{s.opens} ({early} to {late}): check the date, or the rule", "sessions", i, name)
        previous = s
    return problems


def parse_review_calendar(path: Path | str, *, known_states: Collection[str], mechanism: Mechanism) -> ReviewCalendar:
    """Read and check a calendar file; every problem is reported with its line, and nothing is returned."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NmrfError([Problem("file not found", file=str(path))]) from None
    data, lines = load_yaml(text, filename=str(path))
    if data is None:
        raise NmrfError([Problem("the file is empty", file=str(path))])
    cal = parse_model(ReviewCalendar, data, filename=str(path), lines=lines)
    problems = check_calendar(cal, known_states=known_states, mechanism=mechanism, lines=lines, filename=str(path))
    if problems:
        raise NmrfError(problems)
    return cal


@dataclass(frozen=True)
class CalendarDates:
    """The official dates a calendar gives one cycle, each with its source."""

    dates: dict[str, date]
    sources: dict[str, str]
    session: ReviewSession | None


def upr_dates(cal: ReviewCalendar, *, state: str, given: Mapping[str, date], today: date) -> CalendarDates:
    """The dates of a UPR review of `state` from the published calendar.

    The review is the given one (the session open that day), or else the State's session in
    the calendar if it is still ahead; dates given at launch always win. Beyond the calendar
    nothing is returned and the catalogue's defaults apply.
    """
    review = given.get("review")
    session = cal.session_on(review) if review is not None else None
    if review is None:
        candidate = cal.session_of(state)
        if candidate is not None and candidate.opens >= today:
            session = candidate
    if session is None:
        return CalendarDates({}, {}, None)
    where = f"UPR Working Group session {session.session} ({session.opens} to {session.closes}): {session.source}"
    dates: dict[str, date] = {}
    sources: dict[str, str] = {}
    if review is None:
        dates["review"], sources["review"] = session.opens, where
    for name, (_, key) in UPR_DEADLINES.items():
        day = getattr(session, name)
        if day is not None and key not in given:
            dates[key], sources[key] = day, f"published deadline, {where}"
    return CalendarDates(dates, sources, session)


def default_gap(rule: Rule, base: date, published: date) -> int:
    """How many days earlier than a published date the rule's default falls (negative: later)."""
    return (published - rule.offset_for(base).apply(base)).days
