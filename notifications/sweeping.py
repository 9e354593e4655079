"""The sweep, as plain functions: advance the cycles whose time has come, decide the
reminders and escalations, write them to the outbox, send.

The Prefect flow (flows/sweep.py) runs these as its tasks; `nmrf serve`
runs `run_sweep_forever` in-process. Each step is safe to run at any moment, as
often as anyone likes, in several processes at once: decisions are keyed,
writes are INSERT ... ON CONFLICT DO NOTHING, sends are claimed with a lease.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, String, case, cast, func, select, text
from sqlmodel import Session

from nmrf.models import Cycle, CycleSweep, Delivery, Milestone, Notification, Person, State
from nmrf.models.db import session_scope
from nmrf.notifications.circulation import write_circulations
from nmrf.notifications.delivery import DeliveryCounts, deliver_due
from nmrf.notifications.sender import Outgoing, SendResult
from nmrf.notifications.sender import send as apprise_send
from nmrf.notifications.store import _insert, compose_plan, load_world, plan, write_outbox
from nmrf.notifications.timing import local_date
from nmrf.settings import Settings

log = logging.getLogger("nmrf.sweep")
M, C, CS = Milestone.__table__, Cycle.__table__, CycleSweep.__table__
ADVANCE_CHUNK = 50


# ---------------------------------------------------------------- the moment

def sweep_moment(*, session: Session, as_of: date | None) -> tuple[datetime, date | None]:
    """`now` for a sweep: the real clock, or noon of `as_of` in the (first) State's zone."""
    from nmrf.flows.runtime import moment

    tz = session.execute(select(State.__table__.c.timezone).order_by(State.__table__.c.id).limit(1)).scalar()
    if as_of is None:
        return datetime.now(UTC), None
    return moment(as_of, tz or "UTC")[1], as_of


def _todays(session: Session, now: datetime, today: date | None) -> dict[int, date]:
    S = State.__table__
    return {sid: today or local_date(now, tz) for sid, tz in session.execute(select(S.c.id, S.c.timezone))}


# ---------------------------------------------------------------- advancing cycles

def _fingerprints_query(cycle_ids: list[int] | None = None) -> Any:
    """Per cycle: what it looked like at its last sweep, what it looks like now (a string
    built in SQL: the cycle's and its milestones' change marks), and the next dates at which
    one of its milestones opens or falls due."""
    as_text = lambda col: func.coalesce(cast(col, String), "")  # noqa: E731
    open_n = func.sum(case((M.c.status == "open", 1), else_=0))
    live = M.c.status.in_(("planned", "open"))
    fingerprint = (as_text(C.c.updated_at) + "|" + as_text(func.count(M.c.id)) + "|"
                   + as_text(func.sum(M.c.sequence)) + "|" + as_text(func.max(M.c.updated_at)) + "|"
                   + as_text(open_n))
    q = (select(C.c.id, C.c.state_id, CS.c.advanced_on, CS.c.fingerprint.label("before"),
                fingerprint.label("fingerprint"),
                func.min(case((live & (M.c.opens_on > CS.c.advanced_on), M.c.opens_on))).label("next_open"),
                func.min(case((live & (M.c.due_date >= CS.c.advanced_on), M.c.due_date))).label("next_due"))
         .select_from(C.outerjoin(CS, CS.c.cycle_id == C.c.id).outerjoin(M, M.c.cycle_id == C.c.id))
         .group_by(C.c.id, C.c.state_id, C.c.updated_at, CS.c.advanced_on, CS.c.fingerprint))
    if cycle_ids is not None:
        return q.where(C.c.id.in_(cycle_ids))
    return q.where(C.c.status == "active")


def cycles_due(*, session: Session, today_of: dict[int, date], after_id: int = 0) -> list[int]:
    """Active cycles whose time has come: never swept, changed since (a record, a new date),
    or with a date reached since the last sweep (something opens, falls due or is missed).

    A milestone due on day d acts on d (completed, if the engine completes it) and on d+1
    (missed, if a person owes it): both are new since the last sweep when d is in
    [last sweep's day, today] and that day is before today.
    """
    due = []
    q = _fingerprints_query()
    if after_id:
        q = q.where(C.c.id > after_id)
    for cid, sid, advanced_on, before, now_print, next_open, next_due in session.execute(q):
        today = today_of.get(sid)
        if today is None:
            continue
        if (advanced_on is None or today < advanced_on or before != now_print
                or (next_open is not None and next_open <= today)
                or (advanced_on < today and next_due is not None and next_due <= today)):
            due.append(cid)
    return due


def advance_some(*, session: Session, cycle_ids: list[int], today_of: dict[int, date], now: datetime) -> int:
    """advance_cycle for each (in this transaction); remember what each cycle looked like."""
    from nmrf.services.cycles import advance_cycle

    advanced = 0
    for cid in cycle_ids:
        cycle = session.get(Cycle, cid)
        if cycle is None or cycle.status != "active":
            continue
        if advance_cycle(session=session, cycle=cycle, today=today_of[cycle.state_id], now=now):
            advanced += 1
    session.flush()
    rows = [dict(cycle_id=r.id, advanced_on=today_of[r.state_id], fingerprint=r.fingerprint, at=now)
            for r in session.execute(_fingerprints_query(cycle_ids))]
    if rows:
        stmt = _insert(session, CS)
        session.execute(stmt.on_conflict_do_update(index_elements=["cycle_id"], set_={
            "advanced_on": stmt.excluded.advanced_on, "fingerprint": stmt.excluded.fingerprint,
            "at": stmt.excluded.at}), rows)
    return advanced


def advance_cycles(*, engine: Engine | None = None, session: Session | None = None, now: datetime,
                   today: date | None = None) -> dict[str, int]:
    """Advance every cycle whose time has come, a few per transaction (or all in `session`).

    A cycle launched meanwhile (a follow-up) is advanced in the same sweep.
    """
    checked = advanced = 0
    after_id = 0
    for _ in range(3):
        if session is not None:
            today_of = _todays(session, now, today)
            last_id = session.execute(select(func.max(C.c.id))).scalar() or 0
            ids = cycles_due(session=session, today_of=today_of, after_id=after_id)
            if ids:
                advanced += advance_some(session=session, cycle_ids=ids, today_of=today_of, now=now)
        else:
            assert engine is not None
            with session_scope(engine, actor="nmrf", readonly=True) as s:
                today_of = _todays(s, now, today)
                last_id = s.execute(select(func.max(C.c.id))).scalar() or 0
                ids = cycles_due(session=s, today_of=today_of, after_id=after_id)
            for i in range(0, len(ids), ADVANCE_CHUNK):
                with session_scope(engine, actor="nmrf") as s:
                    advanced += advance_some(session=s, cycle_ids=ids[i:i + ADVANCE_CHUNK], today_of=today_of,
                                             now=now)
        checked += len(ids)
        # A follow-up cycle launched meanwhile is advanced too; nothing else needs a second look.
        if not ids:
            break
        after_id = last_id
    return {"cycles_checked": checked, "cycles_advanced": advanced}


# ---------------------------------------------------------------- deciding and writing

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
    for r in sorted(rows, key=lambda r: (not r["urgent"], r["status"] == "digested")):
        key, name = names.get(r["person_id"], ("?", "?"))
        out.append({"to": key, "name": name, "kind": r["kind"], "step": r["step"], "subject": r["subject"],
                    "body": r["body"], "status": r["status"], "not_before": r["not_before"].isoformat(),
                    "urgent": r["urgent"]})
    return out


def write_messages(*, session: Session, now: datetime, today: date | None, settings: Settings,
                   write: bool = True) -> dict[str, Any]:
    """Decide and (unless `write` is off) write the outbox, in the caller's transaction."""
    _lock_planning(session)
    world = load_world(session=session, now=now, today=today)
    p = plan(world)
    rows = compose_plan(session=session, world=world, plan=p, settings=settings) if (p.intents or p.digests) else []
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
    return out


def pending_count(*, engine: Engine) -> dict[str, int]:
    D, N = Delivery.__table__, Notification.__table__
    with session_scope(engine, readonly=True) as s:
        deliveries = dict(s.execute(select(D.c.status, func.count()).group_by(D.c.status)).all())
        messages = dict(s.execute(select(N.c.status, func.count()).group_by(N.c.status)).all())
    return {"pending": deliveries.get("pending", 0), "failed_total": deliveries.get("failed", 0),
            "sent_total": deliveries.get("sent", 0), "messages": messages}


# ---------------------------------------------------------------- the whole sweep

@contextmanager
def _rolled_back(engine: Engine) -> Iterator[Session]:
    """A write transaction (so SQLite takes its lock up front) that is always rolled back."""
    session = Session(bind=engine, expire_on_commit=False)
    session.info["actor"] = "nmrf (dry run)"
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def run_sweep(*, engine: Engine, settings: Settings, as_of: date | None = None, now: datetime | None = None,
              dry_run: bool = False, send: Callable[[Outgoing], SendResult] = apprise_send) -> dict[str, Any]:
    """One sweep. Returns counts: created, sent, failed, pending, cycles_advanced and more."""
    started = time.monotonic()
    with session_scope(engine, readonly=True) as s:
        moment_now, today = sweep_moment(session=s, as_of=as_of)
    now = now or moment_now
    result: dict[str, Any] = {"as_of": as_of.isoformat() if as_of else None, "now": now.isoformat(),
                              "dry_run": dry_run}
    if dry_run:
        # Everything in one transaction that is rolled back: what would happen, nothing done.
        with _rolled_back(engine) as s:
            result.update(advance_cycles(session=s, now=now, today=today))
            result.update(write_messages(session=s, now=now, today=today, settings=settings, write=False))
        result.update(sent=0, failed=0, retrying=0, pending=pending_count(engine=engine)["pending"])
    else:
        result.update(advance_cycles(engine=engine, now=now, today=today))
        with session_scope(engine, actor="nmrf") as s:
            result.update(write_messages(session=s, now=now, today=today, settings=settings))
        delivered = deliver_due(engine=engine, now=now, settings=settings, send=send)
        result.update(delivered.as_dict())
        result.update(pending_count(engine=engine))
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def deliver_only(*, engine: Engine, settings: Settings, now: datetime | None = None) -> DeliveryCounts:
    return deliver_due(engine=engine, now=now or datetime.now(UTC), settings=settings)


def run_sweep_forever(settings: Settings, interval: float, stop_event: threading.Event, *,
                      use_prefect: bool = True, on_result: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Sweep every `interval` seconds until `stop_event` is set; return how many sweeps ran.

    For `nmrf serve`: in-process, where a Prefect server's schedules cannot fire. A
    failing sweep is logged and the loop goes on; the next one catches up (the
    sweep decides from dates, so a missed run loses nothing).
    """
    from nmrf.models.db import make_engine

    engine = None if use_prefect else make_engine(settings.effective_database_url)
    runs = 0
    while not stop_event.is_set():
        started = time.monotonic()
        try:
            if use_prefect:
                from nmrf.flows.runtime import prefect_runtime, prepare_prefect_environment

                prepare_prefect_environment(settings)
                from nmrf.flows.sweep import sweep

                with prefect_runtime():
                    result = sweep()
            else:
                result = run_sweep(engine=engine, settings=settings)  # type: ignore[arg-type]
            runs += 1
            if on_result is not None:
                on_result(result)
        except Exception:  # the loop must outlive a bad sweep
            log.exception("sweep failed; the next one will catch up")
        stop_event.wait(max(0.0, interval - (time.monotonic() - started)))
    if engine is not None:
        engine.dispose()
    return runs
