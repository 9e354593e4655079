"""Read models of the outbox for people: what was sent, what waits, what failed, to whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from nmrf.models import Address, Attachment, Delivery, DeliveryAttempt, Notification, Person
from nmrf.notifications.addresses import carries_files, shown

N, D, AD, P = Notification.__table__, Delivery.__table__, Address.__table__, Person.__table__
FILTERS = ("all", "pending", "held", "sent", "failed", "cancelled")


@dataclass(frozen=True)
class OutboxRow:
    notification_id: int
    delivery_id: int
    created_at: datetime
    kind: str
    step: str
    subject: str
    person_key: str
    person_name: str
    label: str
    address: str  # redacted
    status: str
    attempts: int
    sent_at: datetime | None
    next_attempt_at: datetime
    leased: bool
    last_result: str | None
    last_error: str | None


def outbox_rows(*, session: Session, status: str = "all", person_key: str | None = None, limit: int = 50,
                now: datetime) -> list[OutboxRow]:
    q = (select(N.c.id.label("nid"), D.c.id.label("did"), N.c.created_at, N.c.kind, N.c.step, N.c.subject,
                P.c.key, P.c.name, D.c.label, AD.c.url, D.c.status, D.c.attempts, D.c.sent_at, D.c.next_attempt_at,
                D.c.lease_owner, D.c.last_result, D.c.last_error)
         .select_from(D.join(N, N.c.id == D.c.notification_id).join(P, P.c.id == N.c.person_id)
                      .join(AD, AD.c.id == D.c.address_id))
         .order_by(D.c.id.desc()).limit(limit))
    if status == "held":
        q = q.where(D.c.status == "pending", D.c.next_attempt_at > now)
    elif status != "all":
        q = q.where(D.c.status == status)
    if person_key:
        q = q.where(P.c.key == person_key)
    return [OutboxRow(r.nid, r.did, r.created_at, r.kind, r.step, r.subject, r.key, r.name, r.label, shown(r.url),
                      r.status, r.attempts, r.sent_at, r.next_attempt_at, r.lease_owner is not None, r.last_result,
                      r.last_error) for r in session.execute(q)]


def outbox_summary(*, session: Session, now: datetime) -> dict[str, int]:
    """Deliveries sent, due now, held (quiet hours), retrying, failed, cancelled; messages
    listed in a digest; messages that found no address."""
    out = {s: 0 for s in ("sent", "pending", "held", "retrying", "failed", "cancelled")}
    later = D.c.next_attempt_at > now
    tried = D.c.attempts > 0
    for status, is_later, was_tried, n in session.execute(
            select(D.c.status, later, tried, func.count()).group_by(D.c.status, later, tried)):
        key = status
        if status == "pending":
            key = "retrying" if was_tried else ("held" if is_later else "pending")
        out[key] = out.get(key, 0) + n
    out["digested"] = session.execute(select(func.count()).where(N.c.status == "digested")).scalar_one()
    out["no_address"] = session.execute(select(func.count()).select_from(N).where(
        N.c.status == "failed", ~N.c.id.in_(select(D.c.notification_id)))).scalar_one()
    return out


def notification_detail(*, session: Session, notification_id: int) -> dict[str, Any] | None:
    n = session.get(Notification, notification_id)
    if n is None:
        return None
    person = session.get(Person, n.person_id)
    deliveries = []
    for d in session.execute(select(Delivery).where(Delivery.notification_id == n.id).order_by(Delivery.id)).scalars():
        addr = session.get(Address, d.address_id)
        attempts = list(session.execute(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)
                                        .order_by(DeliveryAttempt.id)).scalars())
        deliveries.append({"delivery": d, "address": shown(addr.url) if addr else "?", "attempts": attempts})
    listed = list(session.execute(select(Notification).where(Notification.digest_id == n.id)
                                  .order_by(Notification.id)).scalars())
    attachments = list(session.execute(select(Attachment).where(Attachment.notification_id == n.id)
                                       .order_by(Attachment.id)).scalars())
    for d in deliveries:  # on this channel: attached, or the download link in the text
        addr_url = session.get(Address, d["delivery"].address_id)
        d["files"] = "attached" if addr_url is not None and carries_files(addr_url.url) else "link"
    return {"notification": n, "person": person, "deliveries": deliveries, "listed": listed,
            "digest": session.get(Notification, n.digest_id) if n.digest_id else None, "attachments": attachments}
