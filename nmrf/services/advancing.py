"""Advancing every cycle whose time has come, the sweep's first step: which cycles are due
(one query for all of them), then those cycles a chunk at a time, set-based (their rows locked,
their milestones and missed events read in one query each, every step applied in memory with the
same rules as `advance_cycle`, the events written in multi-row INSERTs), and what each looked
like afterwards.

Safe to run at any moment, in several processes at once: the chunk's cycle rows are locked (in
id order) before anything is read, each event has its unique key (INSERT ... ON CONFLICT DO
NOTHING), and a cycle's fingerprint row is an INSERT ... ON CONFLICT DO UPDATE. A person's
action advances its one cycle with `advance_cycle` (nmrf.services.cycles).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, String, bindparam, case, cast, func, update
from sqlmodel import Session, select

from nmrf.domain.clock import moment, today_in
from nmrf.domain.progress import next_steps
from nmrf.models import CLOSED_STATUSES, Cycle, CycleEvent, CycleInstitution, CycleSweep, Institution, Milestone, State
from nmrf.models.audit import audit_updates
from nmrf.models.db import dialect_insert, session_scope
from nmrf.services.cycles import completion, follow_ups, milestone_states, step_event

M, C, CS, E = Milestone.__table__, Cycle.__table__, CycleSweep.__table__, CycleEvent.__table__
# Cycles per transaction: big enough that each query serves many cycles, small enough that a
# person's record waits for one chunk at most (about a second on the 193-State world).
ADVANCE_CHUNK = 250


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
    """Advance these cycles in this transaction, as `advance_cycle` would one by one; remember
    what each cycle looked like. Returns how many cycles got a new event."""
    ids = sorted(set(cycle_ids))
    # Lock first (PostgreSQL: in id order, so two sweeps cannot deadlock; SQLite's BEGIN IMMEDIATE
    # already serialises writers), then read afresh: a concurrent sweep's work is seen, not redone.
    # Whether a cycle's rules launch a follow-up is asked of the snapshot's text in SQL: parsing
    # every snapshot would cost more than the rest of the advance.
    launches = cast(C.c.rules_snapshot, String).contains('"launches"')
    cycles = session.execute(select(C.c.id, C.c.state_id, launches.label("launches"))
                             .where(C.c.id.in_(ids), C.c.status == "active").order_by(C.c.id)
                             .with_for_update()).all()
    rows = _advance_locked(session=session, cycles=cycles, today_of=today_of, now=now) if cycles else []
    session.flush()  # the cycles completed, with their audit rows
    advanced = {row["cycle_id"] for row in _insert_events(session, rows)}
    prints = [dict(cycle_id=r.id, advanced_on=today_of[r.state_id], fingerprint=r.fingerprint, at=now)
              for r in session.execute(fingerprints_query(ids))]
    if prints:
        stmt = dialect_insert(session, CS)
        session.execute(stmt.on_conflict_do_update(index_elements=["cycle_id"], set_={
            "advanced_on": stmt.excluded.advanced_on, "fingerprint": stmt.excluded.fingerprint,
            "at": stmt.excluded.at}), prints)
    return len(advanced)


# What advancing reads of a milestone (plain rows: loading ORM objects for every milestone of
# 2,000 cycles cost more than all the rest), and what a step may change (written back with
# Core UPDATEs and the audit rows the ORM's flush hook writes on the per-cycle path).
READ = ("id", "cycle_id", "key", "template_key", "stage", "title", "status", "completion", "due_date", "opens_on",
        "track", "sequence", "completed_at", "completed_actor", "updated_at")
CHANGED = ("status", "sequence", "completed_at", "completed_actor", "updated_at")


@lru_cache(maxsize=4096)
def _names(text: str) -> tuple[str, ...]:
    # depends_on / waits_for: a few distinct lists shared by thousands of milestones.
    return tuple(json.loads(text))


def _advance_locked(*, session: Session, cycles: list[Any], today_of: dict[int, date],
                    now: datetime) -> list[dict[str, Any]]:
    """Every step due for these (locked) cycles, applied to plain copies of their milestones; the
    ORM objects of what changed updated; the event rows, in the order `advance_cycle` writes them."""
    ids = [c.id for c in cycles]
    milestones: dict[int, list[SimpleNamespace]] = {cid: [] for cid in ids}
    q = (select(*(M.c[n] for n in READ), cast(M.c.depends_on, String).label("depends_on"),
                cast(M.c.waits_for, String).label("waits_for"))
         .where(M.c.cycle_id.in_(ids))
         # advance_cycle's order (due date, nulls last, then id): next_steps reads them in it.
         .order_by(M.c.due_date.is_(None), M.c.due_date, M.c.id))
    for r in session.execute(q):
        m = SimpleNamespace(**r._mapping)
        m.depends_on, m.waits_for = _names(m.depends_on), _names(m.waits_for)
        milestones[m.cycle_id].append(m)
    missed: dict[int, set[tuple[int, int]]] = {cid: set() for cid in ids}
    for cid, mid, seq in session.execute(select(E.c.cycle_id, E.c.milestone_id, E.c.sequence)
                                         .where(E.c.cycle_id.in_(ids), E.c.kind == "missed")):
        missed[cid].add((mid, seq))
    institutions: dict[int, list[str]] | None = None

    def institutions_of(cid: int) -> list[str]:
        nonlocal institutions
        if institutions is None:  # read once per chunk, and only if an information request goes out
            institutions = {i: [] for i in ids}
            I, CI = Institution.__table__, CycleInstitution.__table__
            for c_id, key in session.execute(select(CI.c.cycle_id, I.c.key).join(I, I.c.id == CI.c.institution_id)
                                             .where(CI.c.cycle_id.in_(ids)).order_by(CI.c.cycle_id, I.c.key)):
                institutions[c_id].append(key)
        return institutions[cid]

    # The ORM cycles that may launch a follow-up, in one query (launch_cycle takes the parent as one).
    held = {c.id: c for c in session.exec(select(Cycle).where(Cycle.id.in_([c.id for c in cycles if c.launches]))  # type: ignore[attr-defined]
                                          .execution_options(populate_existing=True))}

    def cycle_of(cid: int) -> Cycle:
        if cid not in held:
            held[cid] = session.get(Cycle, cid, populate_existing=True)  # type: ignore[assignment]
        return held[cid]

    rows: list[dict[str, Any]] = []
    before: dict[int, tuple[SimpleNamespace, dict[str, Any]]] = {}  # milestone id -> (draft, values as read)
    for c in cycles:
        today, ms, seen = today_of[c.state_id], milestones[c.id], missed[c.id]
        for _ in range(20):  # a fixpoint, as in advance_cycle
            steps = next_steps(milestone_states(ms, seen), today)  # type: ignore[arg-type]
            if not steps:
                break
            by_key = {m.key: m for m in ms}
            for step in steps:
                m = by_key[step.key]
                if m.id not in before:
                    before[m.id] = (m, {n: getattr(m, n) for n in CHANGED})
                row = step_event(cycle_id=c.id, milestone=m, step=step, today=today, now=now,  # type: ignore[arg-type]
                                 institutions=lambda cid=c.id: institutions_of(cid))
                rows.append(row)
                if row["kind"] == "missed":
                    # Whether this sweep's INSERT or an earlier one wrote it, the miss is on record.
                    seen.add((row["milestone_id"], row["sequence"]))
        done = [m for m in ms if m.status == "done"]
        if c.launches and done:
            rows.extend(follow_ups(session=session, cycle=cycle_of(c.id), milestones=ms, today=today, now=now))  # type: ignore[arg-type]
        if ms and all(m.status in CLOSED_STATUSES for m in ms):
            row = completion(cycle=cycle_of(c.id), milestones=ms, today=today, now=now)  # type: ignore[arg-type]
            if row is not None:
                rows.append(row)
    _write_changes(session, before)
    return rows


def _write_changes(session: Session, before: dict[int, tuple[SimpleNamespace, dict[str, Any]]]) -> None:
    """The milestones' changes as executemany UPDATEs (one per set of changed columns), with the
    audit rows the flush hook would have written for them."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    audit: list[tuple[int, dict[str, tuple[Any, Any]]]] = []
    for mid, (draft, was) in before.items():
        diff = {n: (was[n], getattr(draft, n)) for n in CHANGED if was[n] != getattr(draft, n)}
        if diff:
            groups.setdefault(tuple(diff), []).append({"_id": mid, **{n: new for n, (_, new) in diff.items()}})
            audit.append((mid, diff))
    for cols, params in groups.items():
        session.execute(update(M).where(M.c.id == bindparam("_id")).values({n: bindparam(n) for n in cols}), params)
    audit_updates(session, Milestone, audit)
    # An ORM copy this session already holds (a dry run's) must not shadow the new values.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Milestone) and obj.id in before:
            session.expire(obj)


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the events, each once (its unique key): the rows that were new."""
    if not rows:
        return []
    stmt = dialect_insert(session, E).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(E.c.dedup_key)
    # One statement compiled once, sent as multi-row INSERTs (SQLAlchemy's "insertmanyvalues").
    # RETURNING, not rowcount: drivers disagree on rowcount after ON CONFLICT DO NOTHING.
    new = set(session.execute(stmt, [{"sequence": 0, **r} for r in rows]).scalars())
    return [r for r in rows if r["dedup_key"] in new]


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
