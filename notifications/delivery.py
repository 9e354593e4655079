"""Sending what the outbox holds: claim with a lease, send, record right after.

A sweep claims a batch of due deliveries in one short transaction (a lease: who
sends it, until when, on the real clock), sends them in parallel, and records
each result in a transaction as soon as it comes back. A sweep killed between a
send and its record leaves a lease behind; the next sweep takes it over (at once
when the dead process was on this machine, otherwise when the lease expires) and
sends again with the same idempotency key: a repeat the receiver can drop, never
a loss. A failed send waits (back-off) and is tried again; after the last try it
is marked failed, and stays in `nmrf outbox`.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select
from sqlmodel import Session

from nmrf.models import (
    OPENING_KINDS,
    Address,
    Attachment,
    Delivery,
    DeliveryAttempt,
    MessageFile,
    Milestone,
    Notification,
    Person,
    State,
)
from nmrf.models.db import session_scope
from nmrf.notifications.addresses import carries_files
from nmrf.notifications.notes import STOPPED_ADDRESS, STOPPED_REDATED, STOPPED_STATUS
from nmrf.notifications.sender import Outgoing, OutgoingFile, SendResult
from nmrf.notifications.sender import send as apprise_send
from nmrf.notifications.store import message_domain
from nmrf.notifications.timing import release_at
from nmrf.settings import Settings

N, D, M = Notification.__table__, Delivery.__table__, Milestone.__table__
AD, P, S = Address.__table__, Person.__table__, State.__table__
AT, MF = Attachment.__table__, MessageFile.__table__
# A message's words where its files cannot be attached (notifications.addresses.carries_files): the same
# message with a download link in their place, kept in its data by whoever wrote it.
LINK_BODY = "link_body"
# Minutes to wait before the next try, by number of tries so far.
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720, 1440)
_HOST = socket.gethostname()
_LIVE_OWNERS: set[str] = set()  # this process's sweeps that are sending now


def new_owner() -> str:
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _alive(owner: str) -> bool:
    """Whether the sweep holding a lease can still be running. Only a process on this
    machine can be checked; any other is trusted until its lease expires."""
    host, _, rest = owner.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return owner in _LIVE_OWNERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    notification_id: int
    attempts: int
    label: str
    idempotency_key: str
    url: str
    subject: str
    body: str
    data: dict[str, Any]
    timezone: str
    quiet_hours: str | None
    through_quiet_hours: bool
    person_key: str = ""
    language: str = "en"
    files: tuple[OutgoingFile, ...] = ()


@dataclass
class DeliveryCounts:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    results: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"claimed": self.claimed, "sent": self.sent, "retrying": self.retrying, "failed": self.failed,
                "cancelled": self.cancelled, "results": dict(self.results)}


def _dead_owners(session: Session, real_now: datetime) -> list[str]:
    owners = session.execute(select(D.c.lease_owner).where(
        D.c.status == "pending", D.c.lease_owner.is_not(None), D.c.lease_until > real_now).distinct()).scalars()
    return [o for o in owners if not _alive(o)]


def _free(real_now: datetime, dead: list[str]) -> Any:
    """A delivery nobody is sending: no lease, an expired one, or a dead sweep's."""
    cond = [D.c.lease_owner.is_(None), D.c.lease_until <= real_now]
    if dead:
        cond.append(D.c.lease_owner.in_(dead))
    return or_(*cond)


def cancel_stopped(*, session: Session, real_now: datetime, dead: list[str]) -> int:
    """Stop messages whose item was recorded done, waived or cancelled, or re-dated,
    before they went out (a held or retried message must not arrive afterwards).

    A stage's opening message (the request, the draft to comment or sign) is stopped only when
    its item is closed: a new date does not make the request stale."""
    stale = list(session.execute(
        select(N.c.id, M.c.status).select_from(N.join(M, M.c.id == N.c.milestone_id))
        .where(N.c.status == "pending", or_(
            and_(N.c.kind.in_(("reminder", "escalation", "lapse")),
                 or_(M.c.status != "open", M.c.due_date.is_(None), M.c.due_date != N.c.due_date)),
            and_(N.c.kind.in_(OPENING_KINDS), M.c.status != "open")))))
    if not stale:
        return 0
    n = 0
    for nid, status in stale:
        note = STOPPED_STATUS.format(status=status) if status != "open" else STOPPED_REDATED
        res = session.execute(D.update().where(D.c.notification_id == nid, D.c.status == "pending",
                                               _free(real_now, dead))
                              .values(status="cancelled", last_error=note, updated_at=real_now))
        n += max(res.rowcount, 0)
        left = session.execute(select(func.count()).select_from(D).where(
            D.c.notification_id == nid, D.c.status == "pending")).scalar_one()
        if not left:
            session.execute(N.update().where(N.c.id == nid, N.c.status == "pending")
                            .values(status="cancelled", status_note=note))
    return n


def claim(*, session: Session, owner: str, now: datetime, real_now: datetime, lease_seconds: int,
          limit: int, only: Sequence[int] | None = None) -> tuple[list[Claimed], int]:
    """Claim up to `limit` due deliveries in this transaction; also stop the stale ones.

    Returns (claimed, cancelled). On PostgreSQL, rows another sweep is claiming are
    skipped (SKIP LOCKED); on SQLite the write transaction (BEGIN IMMEDIATE) queues
    the sweeps one after the other.
    """
    dead = _dead_owners(session, real_now)
    cancelled = cancel_stopped(session=session, real_now=real_now, dead=dead)
    q = (select(D.c.id).select_from(D.join(N, N.c.id == D.c.notification_id))
         .where(D.c.status == "pending", N.c.status == "pending", D.c.next_attempt_at <= now,
                _free(real_now, dead))
         .order_by(N.c.urgent.desc(), D.c.next_attempt_at, D.c.id).limit(limit))
    if only is not None:  # these messages only (the sweep alert sends its own and nothing else)
        q = q.where(N.c.id.in_(list(only)))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(of=D, skip_locked=True)
    ids = list(session.execute(q).scalars())
    if not ids:
        return [], cancelled
    session.execute(D.update().where(D.c.id.in_(ids)).values(
        lease_owner=owner, lease_until=real_now + timedelta(seconds=lease_seconds),
        attempts=D.c.attempts + 1, updated_at=real_now))
    rows = session.execute(
        select(D.c.id, D.c.notification_id, D.c.attempts, D.c.label, D.c.idempotency_key, AD.c.url, AD.c.active,
               N.c.subject, N.c.body, N.c.data, N.c.through_quiet_hours, P.c.timezone, P.c.key.label("person_key"),
               N.c.language,
               func.coalesce(P.c.quiet_hours, S.c.quiet_hours).label("quiet"))
        .select_from(D.join(N, N.c.id == D.c.notification_id).join(AD, AD.c.id == D.c.address_id)
                     .join(P, P.c.id == N.c.person_id).join(S, S.c.id == P.c.state_id))
        .where(D.c.id.in_(ids)).order_by(N.c.urgent.desc(), D.c.next_attempt_at, D.c.id)).all()
    files = _files(session, {r.notification_id for r in rows if r.url and carries_files(r.url)})
    out = []
    for r in rows:
        if not r.active:  # the address was removed from the profile since
            session.execute(D.update().where(D.c.id == r.id).values(
                status="cancelled", last_error=STOPPED_ADDRESS, lease_owner=None,
                lease_until=None, updated_at=real_now))
            cancelled += 1
            continue
        out.append(Claimed(r.id, r.notification_id, r.attempts, r.label, r.idempotency_key, r.url, r.subject,
                           r.body, dict(r.data or {}), r.timezone, r.quiet, bool(r.through_quiet_hours),
                           r.person_key, r.language, files.get(r.notification_id, ()) if carries_files(r.url) else ()))
    return out, cancelled


def _files(session: Session, notification_ids: set[int]) -> dict[int, tuple[OutgoingFile, ...]]:
    """The files of these messages, with their bytes as stored when the message was written."""
    if not notification_ids:
        return {}
    out: dict[int, list[OutgoingFile]] = {}
    for nid, name, media_type, content in session.execute(
            select(AT.c.notification_id, AT.c.file_name, AT.c.media_type, MF.c.content)
            .select_from(AT.join(MF, MF.c.sha256 == AT.c.sha256))
            .where(AT.c.notification_id.in_(sorted(notification_ids))).order_by(AT.c.id)):
        out.setdefault(nid, []).append(OutgoingFile(name, media_type, bytes(content)))
    return {nid: tuple(fs) for nid, fs in out.items()}


def _roll_up(session: Session, notification_ids: set[int]) -> None:
    """A message is sent when every channel took it, failed when none is left to try."""
    for nid in notification_ids:
        counts = dict(session.execute(select(D.c.status, func.count()).where(D.c.notification_id == nid)
                                      .group_by(D.c.status)).all())
        if counts.get("pending"):
            continue
        status = "failed" if counts.get("failed") else ("sent" if counts.get("sent") else "cancelled")
        session.execute(N.update().where(N.c.id == nid, N.c.status == "pending").values(status=status))


def record(*, session: Session, claimed: Claimed, result: SendResult, owner: str, started: datetime,
           now: datetime, real_now: datetime, max_attempts: int) -> str:
    """Record one send right after it: sent, retrying or failed."""
    session.execute(DeliveryAttempt.__table__.insert().values(
        delivery_id=claimed.delivery_id, started_at=started, finished_at=real_now, worker=owner,
        result=result.status, error=result.error))
    mine = and_(D.c.id == claimed.delivery_id, D.c.lease_owner == owner)
    if result.ok:
        values = dict(status="sent", sent_at=real_now, last_result=result.status, last_error=None,
                      lease_owner=None, lease_until=None, updated_at=real_now)
        if session.execute(D.update().where(mine).values(**values)).rowcount == 0:
            # Our lease was taken over meanwhile; it went out, so say so (fewer repeats).
            session.execute(D.update().where(D.c.id == claimed.delivery_id, D.c.status == "pending")
                            .values(**values))
        outcome = "sent"
    elif claimed.attempts >= max_attempts:
        session.execute(D.update().where(mine).values(
            status="failed", last_result=result.status, last_error=result.error, lease_owner=None,
            lease_until=None, updated_at=real_now))
        outcome = "failed"
    else:
        when = now + backoff(claimed.attempts)
        if not claimed.through_quiet_hours:
            when = release_at(when, claimed.timezone, claimed.quiet_hours)
        session.execute(D.update().where(mine).values(
            last_result=result.status, last_error=result.error, next_attempt_at=when, lease_owner=None,
            lease_until=None, updated_at=real_now))
        outcome = "retrying"
    _roll_up(session, {claimed.notification_id})
    return outcome


def outgoing(claimed: Claimed, settings: Settings) -> Outgoing:
    person, channel = f"person-{claimed.person_key}", f"channel-{claimed.label}"
    data = {k: v for k, v in claimed.data.items() if k != LINK_BODY}
    # A channel that cannot carry the message's files gets the words that link to them instead.
    body = claimed.body if carries_files(claimed.url) else str(claimed.data.get(LINK_BODY) or claimed.body)
    return Outgoing(url=claimed.url, subject=claimed.subject, body=body,
                    idempotency_key=claimed.idempotency_key,
                    message_id=f"<{claimed.idempotency_key}@{message_domain(settings)}>",
                    data=data, timeout=settings.notify_timeout,
                    tags=(person, channel, f"lang-{claimed.language}"), match=(person, channel),
                    files=claimed.files)


def deliver_due(*, engine: Engine, now: datetime, settings: Settings,
                send: Callable[[Outgoing], SendResult] = apprise_send, max_claims: int | None = None,
                only: Sequence[int] | None = None) -> DeliveryCounts:
    """Send every delivery due at `now` (of the messages `only`, if given), `settings.notify_workers` at a time."""
    counts = DeliveryCounts()
    owner = new_owner()
    workers = max(1, settings.notify_workers)
    _LIVE_OWNERS.add(owner)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nmrf-send") as pool:
            inflight: dict[Future[SendResult], tuple[Claimed, datetime]] = {}
            exhausted = False
            while True:
                room = workers * 2 - len(inflight)
                if max_claims is not None:
                    room = min(room, max_claims - counts.claimed)
                if not exhausted and room > 0:
                    real_now = datetime.now(UTC)
                    with session_scope(engine, actor="nmrf") as s:
                        batch, cancelled = claim(session=s, owner=owner, now=now, real_now=real_now,
                                                 lease_seconds=settings.notify_lease_seconds, limit=room,
                                                 only=only)
                    counts.cancelled += cancelled
                    counts.claimed += len(batch)
                    exhausted = not batch or (max_claims is not None and counts.claimed >= max_claims)
                    for c in batch:
                        inflight[pool.submit(send, outgoing(c, settings))] = (c, datetime.now(UTC))
                if not inflight:
                    break
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                with session_scope(engine, actor="nmrf") as s:
                    for fut in done:
                        c, started = inflight.pop(fut)
                        result = fut.result()
                        outcome = record(session=s, claimed=c, result=result, owner=owner, started=started,
                                         now=now, real_now=datetime.now(UTC),
                                         max_attempts=settings.notify_max_attempts)
                        setattr(counts, outcome, getattr(counts, outcome) + 1)
                        counts.results[result.status] = counts.results.get(result.status, 0) + 1
    finally:
        _LIVE_OWNERS.discard(owner)
    return counts


def outbox_counts(*, session: Session) -> dict[str, int]:
    """Deliveries by status, with those held (not yet due) apart from those due."""
    rows = session.execute(select(D.c.status, func.count()).group_by(D.c.status)).all()
    return {status: n for status, n in rows}
