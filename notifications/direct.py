"""One message to one person, written at once: an alert, a sign-in link, a personal-page link, minutes.

The sweep writes its reminders and escalations in bulk (notifications/store.py); these are the messages a
single event writes. Written under a unique key, so a second call (a second sweep, a repeated trigger) writes
nothing; one delivery per active address of the person; a person without an address gets the message marked
failed, so it stays visible instead of silently going nowhere. The caller's session; never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, true
from sqlmodel import Session

from nmrf.models import Address, Delivery, Notification
from nmrf.models.db import dialect_insert
from nmrf.notifications.notes import NO_ADDRESS
from nmrf.notifications.store import idempotency_key

N, D, AD = Notification.__table__, Delivery.__table__, Address.__table__


def write_direct(*, session: Session, state_id: int, state_code: str, person_id: int, language: str,
                 dedup_key: str, kind: str, step: str, subject: str, body: str, data: dict[str, Any],
                 urgent: bool, through_quiet_hours: bool, now: datetime,
                 not_before: datetime | None = None, milestone_id: int | None = None) -> int | None:
    """Write the message and its deliveries; the message's id, or None if one under this key exists already."""
    not_before = not_before or now
    got = session.execute(dialect_insert(session, N).values(
        state_id=state_id, dedup_key=dedup_key, kind=kind, step=step, person_id=person_id, language=language,
        subject=subject, body=body, data=data, urgent=urgent, through_quiet_hours=through_quiet_hours,
        status="pending", status_note="", created_at=now, not_before=not_before, milestone_id=milestone_id,
    ).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(N.c.id)).first()
    if got is None:
        return None
    addresses = session.execute(select(AD.c.id, AD.c.label).where(
        AD.c.person_id == person_id, AD.c.active == true()).order_by(AD.c.id)).all()
    if not addresses:
        session.execute(N.update().where(N.c.id == got.id).values(
            status="failed", status_note=NO_ADDRESS))
    for a in addresses:
        session.execute(dialect_insert(session, D).values(
            notification_id=got.id, address_id=a.id, label=a.label,
            idempotency_key=idempotency_key(state_code, dedup_key, a.label), status="pending", attempts=0,
            next_attempt_at=not_before, created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["notification_id", "address_id"]))
    return got.id
