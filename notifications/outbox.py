"""The sweep's notification steps: decide the reminders and escalations due and write them to
the outbox (in the caller's transaction), and count what waits to be sent.

The sweep's order (advance, decide, send) is written once, in flows/sweep.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from nmrf.models import Delivery, Notification, Person
from nmrf.models.db import session_scope
from nmrf.notifications.circulation import write_circulations
from nmrf.notifications.public_url import hold_messages_with_links, release_held
from nmrf.notifications.store import compose_plan, load_decision_inputs, plan, write_outbox
from nmrf.settings import Settings


def _lock_planning(session: Session) -> None:
    # SQLite: the write transaction (BEGIN IMMEDIATE) already serialises sweeps.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4815162342)"))


def _summaries(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    P = Person.__table__
    names = {r.id: (r.key, r.name) for r in session.execute(
        select(P.c.id, P.c.key, P.c.name).where(P.c.id.in_({r["person_id"] for r in rows})))} if rows else {}
    out = []
    # The most urgent first; what a digest lists after the rest.
    for r in sorted((r for r in rows if r["status"] != "cancelled"),
                    key=lambda r: (not r["urgent"], r["status"] == "digested")):
        key, name = names.get(r["person_id"], ("?", "?"))
        out.append({"to": key, "name": name, "kind": r["kind"], "step": r["step"], "subject": r["subject"],
                    "body": r["body"], "status": r["status"], "not_before": r["not_before"].isoformat(),
                    "urgent": r["urgent"]})
    return out


def write_messages(*, session: Session, now: datetime, today: date | None, settings: Settings,
                   write: bool = True) -> dict[str, Any]:
    """Decide and (unless `write` is off) write the outbox, in the caller's transaction."""
    _lock_planning(session)
    world = load_decision_inputs(session=session, now=now, today=today)
    p = plan(world)
    rows = (compose_plan(session=session, world=world, plan=p, settings=settings)
            if (p.intents or p.digests or p.covered) else [])
    out: dict[str, Any] = {
        "deadlines_watched": len(world.items), "steps_due": p.decided,
        "unresolved": [{"milestone_id": u.milestone_id, "step": u.step, "target": u.target, "why": u.why}
                       for u in p.unresolved],
    }
    if not write:
        out["messages"] = _summaries(session, rows)
        out.update(created=sum(1 for r in rows if r["status"] == "pending"),
                   digests=sum(1 for r in rows if r["kind"] == "digest"),
                   digested=sum(1 for r in rows if r["status"] == "digested"),
                   held=sum(1 for r in rows if r["status"] == "pending" and r["not_before"] > now))
        return out
    written = write_outbox(session=session, world=world, plan=p, rows=rows)
    out["minutes_messages"] = len(write_circulations(session=session, now=now))
    out.update(created=written.notifications, digests=written.digests, digested=written.digested,
               held=written.held, deliveries=written.deliveries, chains=written.chains)
    # Links need the public address: without it, messages with links wait; once it is set, they go.
    out.update(released=release_held(session=session, settings=settings),
               held_for_address=hold_messages_with_links(session=session, settings=settings))
    return out


def pending_count(*, engine: Engine) -> dict[str, int]:
    D, N = Delivery.__table__, Notification.__table__
    with session_scope(engine, readonly=True) as s:
        deliveries = dict(s.execute(select(D.c.status, func.count()).group_by(D.c.status)).all())
        messages = dict(s.execute(select(N.c.status, func.count()).group_by(N.c.status)).all())
    return {"pending": deliveries.get("pending", 0), "failed_total": deliveries.get("failed", 0),
            "sent_total": deliveries.get("sent", 0), "messages": messages}
