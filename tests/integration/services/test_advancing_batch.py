"""The sweep's set-based advance (nmrf.services.advancing) does exactly what advancing each cycle
with `advance_cycle` does: the same events, milestone states, cycles and audit rows, ids aside."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from nmrf.models import AuditEntry, Cycle, CycleEvent, Milestone
from nmrf.models.db import session_scope
from nmrf.services import advancing
from nmrf.services.advancing import advance_cycles
from nmrf.services.cycles import active_cycles, advance_cycle, launch_cycle, record_action
from nmrf.services.people import get_state
from tests.conftest import NOW, at, create_pg_database, drop_pg_database, load_example
from tests.support.database import migrated_engine

pytestmark = pytest.mark.both_databases

DAY = date(2028, 3, 8)  # the HRC adopts a UPR outcome; a CEDAW report is half-way; a communication is answered


def build(engine: Engine) -> None:
    """Cycles with something of every kind due on DAY: steps opening, requests going out, deadlines
    missed, a session taking place that launches a follow-up cycle, a cycle to complete."""
    load_example(engine)

    def launch(**kw: Any) -> int:
        with session_scope(engine, actor="test") as s:
            return launch_cycle(session=s, state=get_state(session=s), now=NOW, actor="test", **kw).cycle.id

    def advance(cycle_id: int, day: date) -> None:
        with session_scope(engine, actor="test") as s:
            advance_cycle(session=s, cycle=s.get(Cycle, cycle_id), today=day, now=at(day))

    def record(cycle_id: int, key: str, by: str, day: date) -> None:
        with session_scope(engine, actor="clerk") as s:
            record_action(session=s, cycle=s.get(Cycle, cycle_id), key=key, kind="done", now=at(day),
                          actor="clerk", by=by)

    upr = launch(template="upr_review", mechanism="UPR", dates={"review": date(2027, 11, 8)})
    advance(upr, date(2028, 3, 7))
    launch(template="periodic_report", mechanism="CEDAW", dates={"submission": date(2028, 6, 1)})
    sp = launch(template="sp_communication_reply", mechanism="SP", dates={"transmitted": date(2028, 2, 1)},
                reference="AL CHL 1/2028", members=["tomas-silva"], institutions=["interior"])
    advance(sp, date(2028, 2, 3))
    for key, by in (("input:interior", "camila-reyes"), ("draft", "tomas-silva"),
                    ("signoff:interior", "minister-interior"), ("submission", "tomas-silva")):
        record(sp, key, by, date(2028, 2, 20))
    launch(template="periodic_report", mechanism="CCPR", dates={"submission": date(2031, 6, 1)})


def per_cycle(engine: Engine, day: date) -> None:
    """The reference: `advance_cycle` on every active cycle, one transaction each, until no new cycle appears."""
    seen: set[int] = set()
    while True:
        with session_scope(engine, readonly=True) as s:
            ids = [c.id for c in active_cycles(session=s) if c.id not in seen]
        if not ids:
            return
        for cid in ids:
            with session_scope(engine, actor="nmrf") as s:
                advance_cycle(session=s, cycle=s.get(Cycle, cid), today=day, now=at(day))
            seen.add(cid)


def picture(engine: Engine, audit_after: int) -> dict[str, list]:
    """Every event, milestone and cycle, and the audit rows written after `audit_after`, with each id
    replaced by what it names (a cycle by its key, a milestone by its cycle's key and its own)."""
    with session_scope(engine, readonly=True) as s:
        cycles = {c.id: c.key for c in s.exec(select(Cycle))}
        mkeys = {m.id: (cycles[m.cycle_id], m.key) for m in s.exec(select(Milestone))}

        def plain(row: Any, drop: tuple[str, ...] = ()) -> dict[str, Any]:
            out = row.model_dump(exclude={"id", *drop})
            for name in ("cycle_id", "parent_id"):
                if out.get(name) is not None:
                    out[name] = cycles[out[name]]
            return out

        events = []
        for e in s.exec(select(CycleEvent).order_by(CycleEvent.id)):
            d = plain(e)
            d["milestone_id"] = mkeys.get(e.milestone_id)
            d["dedup_key"] = e.dedup_key.replace(f"{e.cycle_id}:", f"{cycles[e.cycle_id]}:", 1)
            if "child_cycle" in d["detail"]:
                d["detail"] = {**d["detail"], "child_cycle": cycles[d["detail"]["child_cycle"]]}
            events.append(d)
        milestones = sorted((plain(m) for m in s.exec(select(Milestone))), key=lambda d: (d["cycle_id"], d["key"]))
        cycle_rows = sorted((plain(c) for c in s.exec(select(Cycle))), key=lambda d: d["key"])
        audit = []
        for a in s.exec(select(AuditEntry).where(AuditEntry.id > audit_after)):
            names = {"milestone": mkeys, "cycle": cycles}.get(a.table_name)
            changes = {k: v for k, v in a.changes.items() if k != "id"}
            if "cycle_id" in changes:
                changes["cycle_id"] = [cycles.get(v) for v in changes["cycle_id"]]
            audit.append((a.actor, a.table_name, a.op, str(names.get(a.row_id) if names else None), repr(changes)))
    return {"events": events, "milestones": milestones, "cycles": cycle_rows, "audit": sorted(audit)}


def last_audit_id(engine: Engine) -> int:
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(func.max(AuditEntry.id))).one() or 0


@pytest.fixture
def second_engine(db_backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A second new database beside the test's `engine`."""
    url = create_pg_database("nmrf_test") if db_backend == "postgresql" else f"sqlite:///{tmp_path / 'other.db'}"
    eng = migrated_engine(url)
    yield eng
    eng.dispose()
    if db_backend == "postgresql":
        drop_pg_database(url)


def test_the_batched_sweep_writes_what_advancing_each_cycle_writes(engine, second_engine, monkeypatch):
    # Chunks of two cycles: the chunking, the locks and the follow-up's second round are exercised too.
    monkeypatch.setattr(advancing, "ADVANCE_CHUNK", 2)
    build(engine)
    build(second_engine)
    mark_one, mark_two = last_audit_id(engine), last_audit_id(second_engine)
    assert picture(engine, mark_one) == picture(second_engine, mark_two)  # the same world on both

    per_cycle(engine, DAY)
    counts = advance_cycles(engine=second_engine, now=at(DAY), today=DAY)
    one, two = picture(engine, mark_one), picture(second_engine, mark_two)

    kinds = {e["kind"] for e in one["events"]}
    assert {"request_sent", "opened", "missed", "took_place", "follow_up_launched", "cycle_completed"} <= kinds
    assert len(one["cycles"]) == 5 and any(c["status"] == "completed" for c in one["cycles"])
    assert one["audit"], "advancing changed milestones, so the audit history has new rows"
    for part in ("events", "milestones", "cycles", "audit"):
        assert two[part] == one[part], part
    assert counts["cycles_advanced"] >= 4  # the UPR review, the CEDAW report, the communication, the mid-term report


def test_a_second_batched_sweep_on_the_same_day_changes_nothing(engine, monkeypatch):
    monkeypatch.setattr(advancing, "ADVANCE_CHUNK", 2)
    build(engine)
    first = advance_cycles(engine=engine, now=at(DAY), today=DAY)
    mark = last_audit_id(engine)
    before = picture(engine, mark)
    again = advance_cycles(engine=engine, now=at(DAY), today=DAY)
    assert first["cycles_advanced"] >= 4
    assert again["cycles_advanced"] == 0
    assert picture(engine, mark) == before and before["audit"] == []
