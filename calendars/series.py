"""Recurring meetings: a plenary every quarter, focal points every Monday, a coordination
meeting N weeks before each report deadline. Keyword-only database functions.

A series is one row; an occurrence gets a row only when someone acts on it (cancels it,
records its agenda or minutes). The feeds publish a regular series as one VEVENT with an
RRULE in its own zone (a TZID and a VTIMEZONE: nmrf.calendars.zones) and an EXDATE per
cancelled occurrence; a series before report deadlines as one event per occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from nmrf.domain.recurrence import Recurrence, check_recurrence, occurrences, parse_time
from nmrf.errors import NmrfError, Problem
from nmrf.models import (
    CLOSED_STATUSES,
    MEETING_KINDS,
    ROLES,
    Cycle,
    Institution,
    MeetingOccurrence,
    MeetingSeries,
    Milestone,
    State,
)

# Report deadlines: the UN-side submission of each active cycle.
DEADLINE_STAGE = "submission"


def report_deadlines(*, session: Session, state_id: int, mechanism: str | None) -> tuple[date, ...]:
    q = (select(Milestone.due_date).join(Cycle, Cycle.id == Milestone.cycle_id)
         .where(Cycle.state_id == state_id, Cycle.status == "active", Milestone.stage == DEADLINE_STAGE,
                Milestone.side == "un", Milestone.due_date.is_not(None),  # type: ignore[union-attr]
                Milestone.status.not_in(CLOSED_STATUSES)))  # type: ignore[attr-defined]
    if mechanism:
        q = q.where(Cycle.mechanism == mechanism)
    return tuple(sorted(set(d for d in session.exec(q) if d is not None)))


def recurrence_of(*, session: Session, series: MeetingSeries) -> Recurrence:
    cancelled = frozenset(session.exec(select(MeetingOccurrence.occurs_on).where(
        MeetingOccurrence.series_id == series.id, MeetingOccurrence.status == "cancelled")))
    deadlines = (report_deadlines(session=session, state_id=series.state_id, mechanism=series.mechanism)
                 if series.frequency == "before_deadlines" else ())
    return Recurrence(frequency=series.frequency, first_date=series.first_date,
                      start_time=parse_time(series.start_time), timezone=series.timezone, minutes=series.minutes,
                      interval=series.interval, until=series.until, weeks_before=series.weeks_before,
                      deadlines=deadlines, exdates=cancelled)


def get_series(*, session: Session, state: State, key: str) -> MeetingSeries:
    row = session.exec(select(MeetingSeries).where(MeetingSeries.state_id == state.id,
                                                   MeetingSeries.key == key)).first()
    if row is None:
        known = session.exec(select(MeetingSeries.key).where(MeetingSeries.state_id == state.id)).all()
        raise NmrfError(f"no meeting series {key!r}" + (f"; series: {', '.join(sorted(known))}" if known else ""))
    return row


def schedule_series(*, session: Session, state: State, key: str, kind: str, title: str, frequency: str,
                    first_date: date, start_time: str, timezone: str, roles: Sequence[str], now: datetime,
                    minutes: int = 120, interval: int = 1, until: date | None = None,
                    weeks_before: int | None = None, mechanism: str | None = None,
                    institutions: Sequence[str] = (), location: str | None = None,
                    description: str = "") -> MeetingSeries:
    """A new series; refused whole, every bad field named, when it never occurs, occurs more than
    once a day, or names a role, institution, zone or time that does not exist."""
    problems: list[Problem] = []
    if kind not in MEETING_KINDS:
        problems.append(Problem(f"{kind!r}: expected one of {', '.join(MEETING_KINDS)}", field="kind"))
    if not roles:
        problems.append(Problem("say who attends, by role (repeatable)", field="role"))
    bad = [r for r in roles if r not in ROLES]
    if bad:
        problems.append(Problem(f"unknown role(s) {', '.join(bad)}; roles: {', '.join(ROLES)}", field="role"))
    known = set(session.exec(select(Institution.key).where(Institution.state_id == state.id, Institution.active)))
    unknown = [i for i in institutions if i not in known]
    if unknown:
        problems.append(Problem(f"unknown or inactive institution(s) {', '.join(unknown)}", field="institution"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(f"{timezone!r} is not an IANA time zone", field="timezone"))
        timezone = ""
    try:
        at = parse_time(start_time)
    except ValueError as exc:
        problems.append(Problem(str(exc), field="time"))
        at = None
    if session.exec(select(MeetingSeries.id).where(MeetingSeries.state_id == state.id,
                                                   MeetingSeries.key == key)).first():
        problems.append(Problem(f"a meeting series {key!r} already exists", field="key"))
    if at is not None and timezone:
        deadlines = (report_deadlines(session=session, state_id=state.id, mechanism=mechanism)
                     if frequency == "before_deadlines" else ())
        rec = Recurrence(frequency=frequency, first_date=first_date, start_time=at, timezone=timezone,
                         minutes=minutes, interval=interval, until=until, weeks_before=weeks_before,
                         deadlines=deadlines)
        problems += [Problem(msg, field=f) for f, msg in check_recurrence(rec)]
    if problems:
        raise NmrfError(problems)
    series = MeetingSeries(state_id=state.id, key=key, kind=kind, title=title, description=description,
                           frequency=frequency, interval=interval, first_date=first_date, until=until,
                           start_time=f"{at:%H:%M}", minutes=minutes, timezone=timezone,
                           weeks_before=weeks_before, mechanism=mechanism, location=location,
                           attendee_roles=list(dict.fromkeys(roles)), institutions=list(dict.fromkeys(institutions)),
                           created_at=now, updated_at=now)
    session.add(series)
    session.flush()
    return series


def occurrence_days(*, session: Session, series: MeetingSeries, first: date, last: date) -> list[date]:
    return [d for d, _, _ in occurrences(recurrence_of(session=session, series=series), first=first, last=last)]


def get_occurrence(*, session: Session, series: MeetingSeries, day: date, create: bool = True,
                   now: datetime | None = None) -> MeetingOccurrence:
    """The occurrence of `day`; refused when the series does not occur that day (or it was cancelled)."""
    row = session.exec(select(MeetingOccurrence).where(MeetingOccurrence.series_id == series.id,
                                                       MeetingOccurrence.occurs_on == day)).first()
    if row is not None and row.status == "cancelled":
        raise NmrfError([Problem(f"the {day} occurrence of {series.key!r} was cancelled", field="date")])
    if row is None:
        days = occurrence_days(session=session, series=series, first=day, last=day)
        if day not in days:
            near = occurrence_days(session=session, series=series, first=day - timedelta(days=100),
                                   last=day + timedelta(days=100))
            around = ", ".join(str(d) for d in near[-3:] if d < day) or "-"
            after = ", ".join(str(d) for d in near if d > day)[:40] or "-"
            raise NmrfError([Problem(f"{series.key!r} has no occurrence on {day} (before: {around}; "
                                     f"after: {after})", field="date")])
        if not create:
            raise NmrfError([Problem(f"nothing recorded for {series.key!r} on {day}", field="date")])
        row = MeetingOccurrence(series_id=series.id, occurs_on=day, created_at=now or series.updated_at,
                                updated_at=now or series.updated_at)
        session.add(row)
        session.flush()
    return row


def cancel_occurrence(*, session: Session, series: MeetingSeries, day: date, note: str,
                      now: datetime) -> MeetingOccurrence:
    """Cancel one occurrence: the feed's EXDATE; the series' SEQUENCE goes up."""
    if not note.strip():
        raise NmrfError([Problem("say why: a cancelled occurrence needs a reason", field="note")])
    occ = get_occurrence(session=session, series=series, day=day, now=now)
    occ.status, occ.note, occ.updated_at = "cancelled", note.strip(), now
    occ.sequence += 1
    series.sequence += 1
    series.updated_at = now
    session.flush()
    return occ


def series_of(*, session: Session, state: State) -> list[MeetingSeries]:
    return list(session.exec(select(MeetingSeries).where(MeetingSeries.state_id == state.id)
                             .order_by(MeetingSeries.key)))
