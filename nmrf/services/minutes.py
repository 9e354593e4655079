"""Agenda and minutes of a meeting occurrence, its decisions and action points.

An action point's deadline is a milestone like any other (feeds, reminders, escalation):
it is added, owed by the focal point of the owning institution, to the cycle the meeting
serves, or else to a follow-up plan cycle of the meeting ("minutes-<key>"), the same
machinery as the follow-up plan's actions. Minutes for an occurrence that does not
exist (a day the series does not meet, a cancelled one) are refused, nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.calendars.meetings import get_meeting
from nmrf.calendars.series import get_occurrence, get_series
from nmrf.errors import NmrfError, Problem
from nmrf.models import Cycle, Institution, Meeting, MeetingOccurrence, MinuteItem, Person, State
from nmrf.services.cycles import add_milestone, launch_cycle


@dataclass(frozen=True)
class ActionPoint:
    text: str
    institution: str  # key
    due: date
    person: str | None = None  # key


def _occurrence(session: Session, state: State, *, series: str | None, meeting: str | None, day: date | None,
                now: datetime) -> tuple[MeetingOccurrence, str, str | None, Cycle | None]:
    if (series is None) == (meeting is None):
        raise NmrfError([Problem("name a meeting series (and the day) or a meeting", field="meeting")])
    if series is not None:
        if day is None:
            raise NmrfError([Problem("which occurrence: give its date", field="date")])
        s = get_series(session=session, state=state, key=series)
        return get_occurrence(session=session, series=s, day=day, now=now), s.key, s.mechanism, None
    m = get_meeting(session=session, state=state, key=meeting)  # type: ignore[arg-type]
    local = m.starts_at.astimezone(ZoneInfo(m.timezone)).date()
    if m.status == "cancelled":
        raise NmrfError([Problem(f"meeting {m.key!r} was cancelled: it has no minutes", field="meeting")])
    if day is not None and day != local:
        raise NmrfError([Problem(f"meeting {m.key!r} is on {local}, not {day}", field="date")])
    occ = session.exec(select(MeetingOccurrence).where(MeetingOccurrence.meeting_id == m.id)).first()
    if occ is None:
        occ = MeetingOccurrence(meeting_id=m.id, occurs_on=local, created_at=now, updated_at=now)
        session.add(occ)
        session.flush()
    cycle = session.get(Cycle, m.cycle_id) if m.cycle_id else None
    return occ, m.key, cycle.mechanism if cycle else None, cycle


def _minutes_cycle(session: Session, state: State, key: str, mechanism: str | None, today: date,
                   now: datetime, actor: str) -> Cycle:
    # The catalogue has no NMRF-internal mechanism: a meeting's plan files under its series'
    # mechanism, or the UPR (the one every State has).
    return launch_cycle(session=session, state=state, template="follow_up_plan", mechanism=mechanism or "UPR",
                        dates={"plan_adopted": today}, now=now, actor=actor, reference=f"minutes-{key}").cycle


def record_minutes(*, session: Session, state: State, now: datetime, actor: str, series: str | None = None,
                   meeting: str | None = None, day: date | None = None, agenda: str = "", minutes: str = "",
                   minutes_file: str | None = None, decisions: Sequence[str] = (),
                   actions: Sequence[ActionPoint] = (), circulate: bool = False) -> MeetingOccurrence:
    occ, key, mechanism, cycle = _occurrence(session, state, series=series, meeting=meeting, day=day, now=now)
    problems: list[Problem] = []
    if not (agenda.strip() or minutes.strip() or minutes_file or decisions or actions):
        problems.append(Problem("nothing to record: give an agenda, minutes, decisions or action points",
                                field="minutes"))
    if circulate and not (minutes.strip() or minutes_file or occ.minutes or occ.minutes_file):
        problems.append(Problem("minutes to circulate: give them (text or a document)", field="minutes"))
    insts = {i.key: i for i in session.exec(select(Institution).where(Institution.state_id == state.id,
                                                                       Institution.active))}
    people = {p.key: p for p in session.exec(select(Person).where(Person.state_id == state.id, Person.active))}
    for n, a in enumerate(actions):
        if a.institution not in insts:
            problems.append(Problem(f"unknown institution {a.institution!r}", field=f"actions[{n}].institution"))
        if a.person and a.person not in people:
            problems.append(Problem(f"unknown person {a.person!r}", field=f"actions[{n}].person"))
        if not a.text.strip():
            problems.append(Problem("an action point needs its text", field=f"actions[{n}].text"))
        if a.due < occ.occurs_on:
            problems.append(Problem(f"due {a.due} is before the meeting ({occ.occurs_on})", field=f"actions[{n}].due"))
    if problems:
        raise NmrfError(problems)
    if agenda.strip():
        occ.agenda = agenda.strip()
    if minutes.strip():
        occ.minutes = minutes.strip()
    if minutes_file:
        occ.minutes_file = minutes_file
    occ.minutes_at, occ.minutes_by = now, actor
    occ.circulate = occ.circulate or circulate
    occ.sequence += 1
    occ.updated_at = now
    for text in decisions:
        session.add(MinuteItem(occurrence_id=occ.id, kind="decision", text=text.strip()[:2000]))
    if actions:
        target = cycle or _minutes_cycle(session, state, key, mechanism,
                                         now.astimezone(ZoneInfo(state.timezone)).date(), now, actor)
        done = len(session.exec(select(MinuteItem.id).where(MinuteItem.occurrence_id == occ.id,
                                                            MinuteItem.kind == "action")).all())
        for n, a in enumerate(actions, done + 1):
            inst = insts[a.institution]
            m = add_milestone(session=session, cycle=target, key=f"minutes-{occ.id}-{n}", template_key="action",
                              stage="follow_up", title=f"Action point: {a.text.strip()}"[:300], due_date=a.due,
                              now=now, description=f"Decided at {key} on {occ.occurs_on}.",
                              owner_role="focal_point", institution_id=inst.id, source=f"minutes of {key}")
            session.add(MinuteItem(occurrence_id=occ.id, kind="action", text=a.text.strip()[:2000],
                                   institution_id=inst.id, person_id=people[a.person].id if a.person else None,
                                   due_date=a.due, milestone_id=m.id))
    session.flush()
    return occ


def minutes_items(*, session: Session, occurrence: MeetingOccurrence) -> list[MinuteItem]:
    return list(session.exec(select(MinuteItem).where(MinuteItem.occurrence_id == occurrence.id)
                             .order_by(MinuteItem.id)))


__all__ = ["ActionPoint", "Meeting", "minutes_items", "record_minutes"]
