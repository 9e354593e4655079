"""Meetings the secretariat calls: plenaries, coordination and validation meetings, consultations.

Keyword-only database functions; a change people can see (time, place,
attendees, cancellation) raises the meeting's sequence and its change time,
which the feeds use as SEQUENCE and LAST-MODIFIED.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError
from nmrf.models import MEETING_KINDS, ROLES, Cycle, Institution, Meeting, State


def local_time(text: str, timezone: str) -> datetime:
    """'2027-05-12 10:00' in `timezone` as an aware datetime; refuses times that do not exist there."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise NmrfError(f"--timezone {timezone!r} is not an IANA time zone (e.g. Europe/Geneva, America/Santiago)") from None
    try:
        naive = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise NmrfError.said(N_("--at %(text)s is not a date and time (expected YYYY-MM-DD HH:MM)"),
                             text=repr(text)) from None
    if naive.tzinfo is not None:
        raise NmrfError(f"--at {text!r}: give the local time and its zone with --timezone, not an offset")
    local = naive.replace(tzinfo=zone)
    # A time skipped by a daylight-saving change does not survive the round trip.
    if local.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        raise NmrfError(f"--at {text}: that time does not exist in {timezone} (clocks change that night)")
    return local


def _check(session: Session, state: State, kind: str, roles: Sequence[str], institutions: Sequence[str],
           minutes: int) -> None:
    problems = []
    if kind not in MEETING_KINDS:
        problems.append(f"--kind {kind!r}: expected one of {', '.join(MEETING_KINDS)}")
    if not roles:
        problems.append("say who attends: --role focal_point (repeatable)")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        problems.append(f"unknown role(s) {', '.join(bad)}; roles: {', '.join(ROLES)}")
    known = set(session.exec(select(Institution.key).where(Institution.state_id == state.id, Institution.active)))
    unknown = [i for i in institutions if i not in known]
    if unknown:
        problems.append(f"unknown or inactive institution(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if not 0 < minutes <= 24 * 60:
        problems.append(f"--minutes {minutes}: a meeting lasts between 1 minute and a day")
    if problems:
        raise NmrfError(problems)  # type: ignore[arg-type]


def get_meeting(*, session: Session, state: State, key: str) -> Meeting:
    meeting = session.exec(select(Meeting).where(Meeting.state_id == state.id, Meeting.key == key)).first()
    if meeting is None:
        known = session.exec(select(Meeting.key).where(Meeting.state_id == state.id)).all()
        if known:
            raise NmrfError.said(N_("no meeting %(key)s; meetings: %(known)s"), key=repr(key),
                                 known=", ".join(sorted(known)))
        raise NmrfError.said(N_("no meeting %(key)s"), key=repr(key))
    return meeting


def schedule_meeting(*, session: Session, state: State, key: str, kind: str, title: str, starts_at: datetime,
                     minutes: int, timezone: str, roles: Sequence[str], institutions: Sequence[str] = (),
                     cycle: Cycle | None = None, location: str | None = None, description: str = "",
                     now: datetime) -> Meeting:
    _check(session, state, kind, roles, institutions, minutes)
    if session.exec(select(Meeting.id).where(Meeting.state_id == state.id, Meeting.key == key)).first():
        raise NmrfError(f"a meeting {key!r} already exists: `nmrf meeting move {key}` changes its time")
    meeting = Meeting(state_id=state.id, key=key, cycle_id=cycle.id if cycle else None, kind=kind, title=title,
                      description=description, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                      timezone=timezone, location=location, attendee_roles=list(dict.fromkeys(roles)),
                      institutions=list(dict.fromkeys(institutions)), created_at=now, updated_at=now)
    session.add(meeting)
    session.flush()
    return meeting


def move_meeting(*, session: Session, meeting: Meeting, starts_at: datetime, minutes: int | None, timezone: str,
                 location: str | None, now: datetime) -> Meeting:
    if meeting.status == "cancelled":
        raise NmrfError(f"meeting {meeting.key!r} was cancelled; schedule a new one instead")
    length = timedelta(minutes=minutes) if minutes else meeting.ends_at - meeting.starts_at
    changes = {"starts_at": starts_at, "ends_at": starts_at + length, "timezone": timezone}
    if location is not None:
        changes["location"] = location
    if all(getattr(meeting, k) == v for k, v in changes.items()):
        raise NmrfError(f"meeting {meeting.key!r} already has that time; nothing changed")
    for k, v in changes.items():
        setattr(meeting, k, v)
    meeting.sequence += 1
    meeting.updated_at = now
    session.flush()
    return meeting


def cancel_meeting(*, session: Session, meeting: Meeting, note: str, now: datetime) -> Meeting:
    if meeting.status == "cancelled":
        raise NmrfError(f"meeting {meeting.key!r} is already cancelled; nothing changed")
    if not note.strip():
        raise NmrfError.said(N_("say why with --note: a cancelled meeting needs a reason"))
    meeting.status, meeting.note = "cancelled", note
    meeting.sequence += 1
    meeting.updated_at = now
    session.flush()
    return meeting


def meetings_of(*, session: Session, state: State) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.state_id == state.id).order_by(Meeting.starts_at)))
