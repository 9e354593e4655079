"""The head of the secretariat told of a promise: when someone acknowledges a late item and promises a
date, a message through the outbox, in the head's language.

Written in the acknowledgement's own transaction under the key ``promise:a<ack>:p<person>`` (once per
acknowledgement and reader, however the acknowledgement came: the page, the message's link, the command
line). Delivery is the outbox's, with its retries and quiet hours.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, true
from sqlmodel import Session

from nmrf.domain import wording
from nmrf.domain.dates import national_calendar
from nmrf.domain.clock import today_in
from nmrf.domain.i18n import translator
from nmrf.models import (
    Acknowledgement,
    Address,
    Cycle,
    Delivery,
    Institution,
    Milestone,
    Notification,
    Person,
    RoleAssignment,
    State,
)
from nmrf.models.db import dialect_insert
from nmrf.notifications.decide import working_days_between
from nmrf.notifications.compose import reference
from nmrf.notifications.messages import format_date, render, roles_label
from nmrf.notifications.notes import NO_ADDRESS
from nmrf.notifications.store import idempotency_key
from nmrf.notifications.timing import release_at

N, D = Notification.__table__, Delivery.__table__


def _calendar(state):  # type: ignore[no-untyped-def]
    return national_calendar(state.holidays_country, state.holidays_subdiv,
                             [date.fromisoformat(d) for d in state.extra_holidays or ()])


def heads_of_secretariat(*, session: Session, state_id: int) -> list[Person]:
    return list(session.exec(
        select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(Person.state_id == state_id, Person.active == true(), RoleAssignment.role == "head_of_secretariat")
        .order_by(Person.id)).scalars().unique())


def tell_of_promise(*, session: Session, ack: Acknowledgement, milestone: Milestone, now: datetime) -> list[int]:
    """Write the message telling each head of the secretariat of `ack`'s promise (none when it promised no
    date, or when the head made it); returns the ids of the messages written."""
    if ack.promised_by is None:
        return []
    cycle = session.get(Cycle, milestone.cycle_id)
    state = session.get(State, cycle.state_id)  # type: ignore[union-attr]
    inst = session.get(Institution, milestone.institution_id) if milestone.institution_id else None
    today = today_in(state.timezone, now)  # type: ignore[union-attr]
    written = []
    for head in heads_of_secretariat(session=session, state_id=state.id):  # type: ignore[union-attr]
        if head.id == ack.person_id:
            continue
        t = translator(head.language, fallback=state.language)  # type: ignore[union-attr]
        lang = t.tag
        item = wording.title(t, milestone.title)
        if inst is not None:
            item += f" ({wording.name(t, inst.names, inst.name)})"
        due = milestone.due_date
        late = max((today - due).days, 0) if due else 0
        ctx = {
            "item": item, "by": ack.actor, "on": format_date(today_in(state.timezone, ack.at), lang),  # type: ignore[union-attr]
            "promised": format_date(ack.promised_by, lang), "note": ack.note,
            "cycle": wording.cycle_title(t, stored=cycle.title, template=cycle.template,  # type: ignore[union-attr]
                                         mechanism=cycle.mechanism, reference=cycle.reference,  # type: ignore[union-attr]
                                         state_name=state.name, state_names=state.names),  # type: ignore[union-attr]
            "cycle_id": cycle.id, "due": format_date(due, lang), "days_late": late,  # type: ignore[union-attr]
            "working_days_late": working_days_between(_calendar(state), due, today) if late else 0,  # type: ignore[arg-type]
            "reason": roles_label(("head_of_secretariat",), head.language),
        }
        key = f"promise:a{ack.id}:p{head.id}"
        subject, body = render("promise", head.language, ctx, ref=reference(key))
        not_before = release_at(now, head.timezone, head.quiet_hours or state.quiet_hours)  # type: ignore[union-attr]
        got = session.execute(dialect_insert(session, N).values(
            state_id=state.id, dedup_key=key, kind="promise", step=f"promise {ack.promised_by}",  # type: ignore[union-attr]
            person_id=head.id, language=head.language, subject=subject, body=body,
            data={"kind": "promise", "cycle_id": cycle.id, "milestone": milestone.key,  # type: ignore[union-attr]
                  "acknowledgement_id": ack.id, "promised_by": ack.promised_by.isoformat(), "by": ack.actor},
            urgent=False, through_quiet_hours=False, status="pending", status_note="", created_at=now,
            not_before=not_before,
        ).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(N.c.id)).first()
        if got is None:
            continue
        written.append(got.id)
        addresses = session.execute(select(Address.id, Address.label).where(
            Address.person_id == head.id, Address.active == true()).order_by(Address.id)).all()
        if not addresses:
            session.execute(N.update().where(N.c.id == got.id).values(
                status="failed", status_note=NO_ADDRESS))
        for a in addresses:
            session.execute(dialect_insert(session, D).values(
                notification_id=got.id, address_id=a.id, label=a.label,
                idempotency_key=idempotency_key(state.code, key, a.label),  # type: ignore[union-attr]
                status="pending", attempts=0, next_attempt_at=not_before, created_at=now, updated_at=now,
            ).on_conflict_do_nothing(index_elements=["notification_id", "address_id"]))
    return written
