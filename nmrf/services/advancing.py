"""Advancing every cycle whose time has come, the sweep's first step: which cycles are due
(one query for all of them), `advance_cycle` for each, and what each looked like afterwards.

Safe to run at any moment, in several processes at once: a cycle's advance is keyed by its
events, and its fingerprint row is an INSERT ... ON CONFLICT DO UPDATE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, String, case, cast, func, select
from sqlmodel import Session

from nmrf.domain.clock import moment, today_in
from nmrf.models import Cycle, CycleSweep, Milestone, State
from nmrf.models.db import dialect_insert, session_scope
from nmrf.services.cycles import advance_cycle

M, C, CS = Milestone.__table__, Cycle.__table__, CycleSweep.__table__
ADVANCE_CHUNK = 50


def sweep_moment(*, session: Session, as_of: date | None) -> tuple[datetime, date | None]:
    """`now` for a sweep: the real clock, or noon of `as_of` in the (first) State's zone."""
    tz = session.execute(select(State.__table__.c.timezone).order_by(State.__table__.c.id).limit(1)).scalar()
    if as_of is None:
        return datetime.now(UTC), None
    return moment(as_of, tz or "UTC")[1], as_of


def todays(session: Session, now: datetime, today: date | None) -> dict[int, date]:
    S = State.__table__
    return {sid: today or today_in(tz, now) for sid, tz in session.execute(select(S.c.id, S.c.timezone))}



def fingerprints_query(cycle_ids: list[int] | None = None) -> Any:
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
    q = fingerprints_query()
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
    advanced = 0
    for cid in cycle_ids:
        cycle = session.get(Cycle, cid)
        if cycle is None or cycle.status != "active":
            continue
        if advance_cycle(session=session, cycle=cycle, today=today_of[cycle.state_id], now=now):
            advanced += 1
    session.flush()
    rows = [dict(cycle_id=r.id, advanced_on=today_of[r.state_id], fingerprint=r.fingerprint, at=now)
            for r in session.execute(fingerprints_query(cycle_ids))]
    if rows:
        stmt = dialect_insert(session, CS)
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
            today_of = todays(session, now, today)
            last_id = session.execute(select(func.max(C.c.id))).scalar() or 0
            ids = cycles_due(session=session, today_of=today_of, after_id=after_id)
            if ids:
                advanced += advance_some(session=session, cycle_ids=ids, today_of=today_of, now=now)
        else:
            assert engine is not None
            with session_scope(engine, actor="nmrf", readonly=True) as s:
                today_of = todays(s, now, today)
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
