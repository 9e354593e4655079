"""Changes to a running cycle from the console: an institution or a member removed (their open deadlines
cancelled, so the feeds say CANCELLED and no reminder follows), and the cycle's own lead times edited, with a
preview of what moves before anything is saved.

Keyword-only functions on a session; `now` passed in; every act names its actor and leaves a record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from nmrf.domain.dates import Offset
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError, Problem
from nmrf.models import (
    Cycle,
    CycleDeparture,
    CycleInstitution,
    CycleMember,
    Delivery,
    FeedLink,
    Institution,
    Milestone,
    Notification,
    Person,
    Record,
)
from nmrf.services.cycles import rules_of, milestones_of, replan

OPEN = ("planned", "open")
UNITS = ("days", "weeks", "months")
_NUMBER = re.compile(r"^[+-]?\d{1,4}$")


def _running(cycle: Cycle) -> None:
    if cycle.status != "active":
        raise NmrfError(f"cycle {cycle.id} is {cycle.status}; only a running cycle changes")


def cancel_milestones(*, session: Session, cycle: Cycle, milestones: list[Milestone], reason: str, now: datetime,
                      actor: str, person_id: int | None = None, note: str | None = None) -> list[Milestone]:
    """Cancel the open ones among `milestones`: each says CANCELLED in the feeds (its sequence moves on), its
    messages not yet sent are cancelled (with `note` in the outbox, the reason by default), and a record says
    why. Returns those cancelled."""
    changed = []
    for m in milestones:
        if m.status in OPEN:
            m.status, m.sequence, m.updated_at = "cancelled", m.sequence + 1, now
            m.completed_at, m.completed_actor = now, actor
            session.add(Record(cycle_id=cycle.id, milestone_id=m.id, kind="cancelled", person_id=person_id,  # type: ignore[arg-type]
                               actor=actor, at=now, note=reason))
            changed.append(m)
    ids = [m.id for m in changed]
    if ids:
        N, D = Notification.__table__, Delivery.__table__
        pending = select(N.c.id).where(N.c.milestone_id.in_(ids), N.c.status == "pending")
        session.execute(D.update().where(D.c.notification_id.in_(pending), D.c.status == "pending")
                        .values(status="cancelled", updated_at=now))
        session.execute(N.update().where(N.c.milestone_id.in_(ids), N.c.status == "pending")
                        .values(status="cancelled", status_note=(note or reason)[:200]))
    return changed


def remove_institution(*, session: Session, cycle: Cycle, institution: Institution, reason: str, now: datetime,
                       actor: str, person_id: int | None = None) -> list[Milestone]:
    """Take an institution out of a running cycle with a reason: its open deadlines cancelled (what it
    already handed in stays on record). Returns the deadlines cancelled."""
    _running(cycle)
    if not reason.strip():
        raise NmrfError([Problem(N_("Say why it leaves the cycle."), field="remove-reason")])
    link = session.exec(select(CycleInstitution).where(CycleInstitution.cycle_id == cycle.id,
                                                       CycleInstitution.institution_id == institution.id)).first()
    if link is None:
        raise NmrfError(f"{institution.name} does not take part in cycle {cycle.id}; nothing changed")
    own = [m for m in milestones_of(session=session, cycle=cycle) if m.institution_id == institution.id]
    cancelled = cancel_milestones(session=session, cycle=cycle, milestones=own, reason=reason, now=now,
                                  actor=actor, person_id=person_id)
    session.delete(link)
    cycle.updated_at = now
    session.add(Record(cycle_id=cycle.id, milestone_id=None, kind="comment", actor=actor, at=now,  # type: ignore[arg-type]
                       person_id=person_id, note=f"{institution.name} left the cycle: {reason}",
                       data={"left": institution.key, "milestones": [m.key for m in cancelled]}))
    session.flush()
    return cancelled


@dataclass
class Removal:
    """What taking a member off a cycle did: messages to them cancelled, and the open deadlines they owned
    that nobody left in the cycle holds the role for (the secretariat must name someone)."""

    messages_cancelled: int
    unowned: list[Milestone] = field(default_factory=list)


def remove_member(*, session: Session, cycle: Cycle, person: Person, reason: str, now: datetime, actor: str,
                  person_id: int | None = None) -> Removal:
    """Take a person off a running cycle: no longer a member (a confidential cycle leaves their feeds), their
    links to this cycle's feed revoked, the messages not yet sent to them about it cancelled, and recorded as
    departed, so that the roles they still hold bring them no reminder, escalation or feed entry of this cycle
    (others holding the role still get them)."""
    _running(cycle)
    if not reason.strip():
        raise NmrfError([Problem(N_("Say why they leave the cycle."), field="remove-reason")])
    row = session.exec(select(CycleMember).where(CycleMember.cycle_id == cycle.id,
                                                 CycleMember.person_id == person.id)).first()
    if row is None:
        raise NmrfError(f"{person.name} is not a member of cycle {cycle.id}; nothing changed")
    session.delete(row)
    session.add(CycleDeparture(cycle_id=cycle.id, person_id=person.id, at=now, actor=actor,  # type: ignore[arg-type]
                               reason=reason.strip()[:500]))
    for link in session.exec(select(FeedLink).where(FeedLink.cycle_id == cycle.id, FeedLink.holder_id == person.id,
                                                    FeedLink.revoked_at.is_(None))):  # type: ignore[union-attr]
        link.revoked_at, link.revoked_by, link.revoked_reason, link.updated_at = now, actor, reason, now
    ids = [m.id for m in milestones_of(session=session, cycle=cycle)]
    N, D = Notification.__table__, Delivery.__table__
    mine = select(N.c.id).where(N.c.milestone_id.in_(ids), N.c.person_id == person.id, N.c.status == "pending")
    session.execute(D.update().where(D.c.notification_id.in_(mine), D.c.status == "pending")
                    .values(status="cancelled", updated_at=now))
    count = session.execute(N.update().where(N.c.milestone_id.in_(ids), N.c.person_id == person.id,
                                             N.c.status == "pending")
                            .values(status="cancelled", status_note=reason[:200])).rowcount
    cycle.updated_at = now
    session.add(Record(cycle_id=cycle.id, milestone_id=None, kind="comment", actor=actor, at=now,  # type: ignore[arg-type]
                       person_id=person_id, note=f"{person.name} left the cycle: {reason}",
                       data={"member_left": person.key}))
    session.flush()
    return Removal(messages_cancelled=int(count or 0), unowned=unowned_after(session=session, cycle=cycle,
                                                                            person=person))


def departed_ids(*, session: Session, cycle: Cycle) -> set[int]:
    return set(session.exec(select(CycleDeparture.person_id).where(CycleDeparture.cycle_id == cycle.id)))


def unowned_after(*, session: Session, cycle: Cycle, person: Person) -> list[Milestone]:
    """The cycle's open deadlines `person` owned by role that no one left in the cycle owns now."""
    from nmrf.services.people import owners

    gone = departed_ids(session=session, cycle=cycle)
    out = []
    for m in milestones_of(session=session, cycle=cycle):
        if m.status not in OPEN or m.kind != "deadline" or m.owner_role is None:
            continue
        held = owners(session=session, state_id=cycle.state_id, milestone=m)
        if any(p.id == person.id for p in held) and all(p.id in gone for p in held):
            out.append(m)
    return out


# ---------------------------------------------------------------- lead times

def lead_times(*, cycle: Cycle, milestones: list[Milestone] | None = None) -> list[dict[str, Any]]:
    """The cycle's internal dates that count from another date, with the offset in force: a plain offset of
    the template, or a mechanism's rule for an internal deadline (the reply to a visit request, by the
    special procedures' practice), or the cycle's own lead time replacing either.
    [{key, title, from, from_title, amount, unit, custom, basis, source, moves}]; amount is signed (negative:
    before); basis is "offset" or "rule"; moves counts the open milestones a new lead time would move (those
    with an official date or closed keep their dates), when `milestones` are given.

    Left out, as no lead time moves them: UN dates (the mechanism's), anchors (dates given at launch, changed
    as official dates) and deadlines added after launch (a follow-up action has its own date)."""
    template, mechanism, current = rules_of(cycle)
    by_key = {m.key: m for m in template.milestones}
    due_of = {m.key: m.due_date for m in milestones or ()}
    rows = []
    for m in template.milestones:
        if m.side != "internal" or m.due is None:
            continue
        if m.due.offset is not None:
            default, basis, source = m.due.offset, "offset", m.source
        else:
            rule = mechanism.rules[m.due.rule]  # type: ignore[index]
            base = due_of.get(m.due.from_)
            default, basis, source = (rule.offset_for(base) if base else rule.offset), "rule", rule.source
        amount, unit = _as_amount(current.get(m.key) or default)
        mine = [x for x in milestones or () if x.template_key == m.key]
        rows.append({"key": m.key, "title": m.title, "from": m.due.from_, "from_title": by_key[m.due.from_].title,
                     "amount": amount, "unit": unit, "custom": m.key in current, "basis": basis, "source": source,
                     "moves": sum(1 for x in mine if x.status in OPEN and x.official_date is None)})
    return rows


def _as_amount(off: Offset) -> tuple[int, str]:
    if off.years or off.months:
        return off.years * 12 + off.months, "months"
    if off.weeks and not off.days:
        return off.weeks, "weeks"
    return off.weeks * 7 + off.days, "days"


def parse_lead_times(*, cycle: Cycle, form: dict[str, str]) -> tuple[dict[str, Offset], list[Problem]]:
    """The offsets a lead-time form gives (`amount-KEY`, `unit-KEY`), with a problem beside each bad field."""
    out, problems = {}, []
    for row in lead_times(cycle=cycle):
        key = row["key"]
        raw, unit = form.get(f"amount-{key}", "").strip(), form.get(f"unit-{key}", "")
        if not _NUMBER.match(raw):
            problems.append(Problem(N_("Enter a whole number (negative: before)."), field=f"amount-{key}"))
            continue
        if unit not in UNITS:
            problems.append(Problem(N_("Choose days, weeks or months."), field=f"unit-{key}"))
            continue
        out[key] = Offset(**{unit: int(raw)})
    return out, problems


def lead_time_form(*, cycle: Cycle, given: dict[str, tuple[str, str]]) -> tuple[dict[str, str], list[Problem]]:
    """A lead-time form from (amount, unit) by key, the others as they are: what the API sends, read as the
    console's form. A key that is no lead time of this cycle (a UN date, an anchor) is a problem: those dates
    never move by a lead time."""
    rows = {r["key"]: r for r in lead_times(cycle=cycle)}
    problems = [Problem(N_("Not a lead time of this cycle: UN dates and dates given at launch do not move by a "
                           "lead time."), field=f"lead_times.{key}") for key in given if key not in rows]
    form = {}
    for key, r in rows.items():
        amount, unit = given.get(key, (str(r["amount"]), r["unit"]))
        form[f"amount-{key}"], form[f"unit-{key}"] = str(amount), unit
    return form, problems


def set_lead_times(*, session: Session, cycle: Cycle, offsets: dict[str, Offset], now: datetime,
                   actor: str) -> list[tuple[str, str, date | None, date | None]]:
    """Give the cycle these lead times and re-plan its open deadlines: (key, title, before, after) of each
    that moved. Closed deadlines keep their dates; UN dates never move by a lead time."""
    _running(cycle)
    before = {m.id: m.due_date for m in milestones_of(session=session, cycle=cycle)}
    snap = dict(cycle.rules_snapshot)
    snap["lead_times"] = {**snap.get("lead_times", {}),
                          **{k: v.model_dump(mode="json", exclude_defaults=True) for k, v in offsets.items()}}
    cycle.rules_snapshot = snap
    moved = replan(session=session, cycle=cycle, now=now, actor=actor, reason="lead times changed")
    return [(m.key, m.title, before.get(m.id), m.due_date) for m in moved]


def preview_lead_times(*, session: Session, cycle: Cycle, offsets: dict[str, Offset], now: datetime,
                       actor: str) -> list[tuple[str, str, date | None, date | None]]:
    """What `set_lead_times` would move, nothing written."""
    nested = session.begin_nested()
    try:
        return set_lead_times(session=session, cycle=cycle, offsets=offsets, now=now, actor=actor)
    finally:
        nested.rollback()
        session.expire_all()
