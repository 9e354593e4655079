"""Circulating the minutes of a meeting to its attendees, through the outbox, in each one's language.

Recording minutes with circulation asked for marks the occurrence; the sweep (or the
command that recorded them) writes one message per attendee under the key
``minutes:<occurrence>:p<person>``: a second sweep, or two at once, cannot write it twice
(INSERT ... ON CONFLICT DO NOTHING), and the Notification rows are the record of who
was sent what, when. Delivery is the outbox's, with its retries and quiet hours.
"""

from __future__ import annotations

from datetime import datetime


from sqlalchemy import or_, select, true
from sqlmodel import Session

from nmrf.domain.i18n import translator
from nmrf.models import (
    Institution,
    Meeting,
    MeetingOccurrence,
    MeetingSeries,
    MinuteItem,
    Person,
    RoleAssignment,
    State,
)
from nmrf.notifications.direct import write_direct
from nmrf.notifications.timing import release_at

NMRF_WIDE = {"secretariat", "head_of_secretariat", "nhri_contact", "cso_contact"}


def attendees(*, session: Session, state_id: int, roles: list[str], institutions: list[str]) -> list[Person]:
    """Active people holding one of `roles` (for institution roles, in `institutions` when given)."""
    inst_ids = set(session.exec(select(Institution.id).where(Institution.state_id == state_id,
                                                             Institution.key.in_(institutions))).scalars()) \
        if institutions else set()
    rows = session.exec(select(Person, RoleAssignment.role, RoleAssignment.institution_id)
                        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
                        .where(Person.state_id == state_id, Person.active == true(),
                               RoleAssignment.role.in_(roles)).order_by(Person.id)).all()
    out: dict[int, Person] = {}
    for person, role, inst in rows:
        where = inst if inst is not None else person.institution_id
        if inst_ids and role not in NMRF_WIDE and where not in inst_ids:
            continue
        out[person.id] = person
    return list(out.values())


def compose_minutes(*, language: str, fallback: str, title: str, day_text: str, agenda: str, minutes: str,
                    minutes_file: str | None, items: list[tuple[str, str, str, str]], secretariat: str) -> tuple[str, str]:
    """(subject, body) in the recipient's language. `items`: (kind, text, owner, due). Pure."""
    t = translator(language, fallback=fallback)
    subject = t.gettext("Minutes: %(title)s, %(day)s") % {"title": title, "day": day_text}
    lines = [subject, ""]
    if agenda.strip():
        lines += [t.gettext("Agenda"), agenda.strip(), ""]
    lines += [t.gettext("Minutes"), minutes.strip() or "-"]
    if minutes_file:
        lines.append(t.gettext("The minutes as a document: %(file)s") % {"file": minutes_file})
    decisions = [i for i in items if i[0] == "decision"]
    actions = [i for i in items if i[0] == "action"]
    if decisions:
        lines += ["", t.gettext("Decisions")] + [f"- {text}" for _, text, _, _ in decisions]
    if actions:
        lines += ["", t.gettext("Action points")]
        lines += [f"- {text} " + t.gettext("(owner: %(owner)s; due %(due)s)") % {"owner": owner, "due": due}
                  for _, text, owner, due in actions]
    lines += ["", t.gettext("Circulated by the %(secretariat)s.") % {"secretariat": secretariat}]
    return subject[:500], "\n".join(lines)


def _occurrence_facts(session: Session, occ: MeetingOccurrence):  # type: ignore[no-untyped-def]
    if occ.series_id is not None:
        s = session.get(MeetingSeries, occ.series_id)
        return s.state_id, s.title, s.attendee_roles, s.institutions  # type: ignore[union-attr]
    m = session.get(Meeting, occ.meeting_id)
    return m.state_id, m.title, m.attendee_roles, m.institutions  # type: ignore[union-attr]


def write_circulations(*, session: Session, now: datetime) -> list[int]:
    """The minutes' messages not written yet, one per attendee of each occurrence to circulate;
    returns the ids of the messages written now."""
    written: list[int] = []
    for occ in session.exec(select(MeetingOccurrence).where(MeetingOccurrence.circulate == true(),
                                                            or_(MeetingOccurrence.minutes != "",
                                                                MeetingOccurrence.minutes_file.is_not(None)))).scalars():
        state_id, title, roles, institutions = _occurrence_facts(session, occ)
        state = session.get(State, state_id)
        items = []
        for it in session.exec(select(MinuteItem).where(MinuteItem.occurrence_id == occ.id)
                               .order_by(MinuteItem.id)).scalars():
            owner = ""
            if it.person_id:
                owner = session.get(Person, it.person_id).name  # type: ignore[union-attr]
            elif it.institution_id:
                owner = session.get(Institution, it.institution_id).name  # type: ignore[union-attr]
            items.append((it.kind, it.text, owner, it.due_date.isoformat() if it.due_date else ""))
        for person in attendees(session=session, state_id=state_id, roles=roles, institutions=institutions):
            key = f"minutes:o{occ.id}:p{person.id}"
            t = translator(person.language, fallback=state.language)  # type: ignore[union-attr]
            subject, body = compose_minutes(
                language=person.language, fallback=state.language, title=title,  # type: ignore[union-attr]
                day_text=t.format_date(occ.occurs_on), agenda=occ.agenda, minutes=occ.minutes,
                minutes_file=occ.minutes_file, items=items, secretariat=state.secretariat)  # type: ignore[union-attr]
            not_before = release_at(now, person.timezone, person.quiet_hours or state.quiet_hours)  # type: ignore[union-attr]
            got = write_direct(
                session=session, state_id=state_id, state_code=state.code, person_id=person.id,  # type: ignore[union-attr,arg-type]
                language=person.language, dedup_key=key, kind="minutes", step=f"minutes {occ.occurs_on}",
                subject=subject, body=body, data={"kind": "minutes", "occurrence_id": occ.id}, urgent=True,
                through_quiet_hours=False, now=now, not_before=not_before)
            if got is None:
                continue  # an earlier sweep wrote it: once per attendee
            written.append(got)
        if occ.circulated_at is None:
            occ.circulated_at = now
            session.add(occ)
    session.flush()
    return written



