"""Plan every reporting obligation of all 193 UN member States from the ratification data.

Prints cycles planned per second and peak memory, beside two floors:
- the date arithmetic alone (pendulum offsets for the same number of milestones),
- for the database part, a bare executemany INSERT of the same milestone rows into SQLite.

Run: .venv/bin/python bench/plan_all_states.py [--years 5] [--db]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from nmrf.domain.dates import Offset, WorkCalendar, national_calendar
from nmrf.domain.inventory import inventory
from nmrf.domain.planning import Participant, plan_cycle
from nmrf.domain.rules import load_catalogue
from nmrf.domain.reference import all_ratifications, member_names, upr_schedule

TODAY = date(2026, 11, 27)
ROLES = frozenset({"focal_point", "minister"})
PARTICIPANTS = [Participant(f"ministry-{i}", f"Ministry {i}", "ministry", ROLES) for i in range(12)] + [
    Participant("statistics", "Statistics office", "statistics_office", frozenset({"focal_point"})),
    Participant("parliament", "Parliament", "parliament", frozenset({"focal_point"})),
]


def calendar_for(code: str) -> WorkCalendar:
    try:
        return national_calendar(code)
    except NotImplementedError:
        return WorkCalendar()  # a State the holidays package does not know: weekends only


def plan_everything(years: int) -> tuple[int, int, int, list]:
    cat = load_catalogue()
    upr = upr_schedule()
    states = obligations = milestones = 0
    planned_all = []
    for code, rats in sorted(all_ratifications().items()):
        states += 1
        cal = calendar_for(code)
        for ob in inventory(catalogue=cat, state=code, ratifications=rats, reporting={}, today=TODAY,
                            years=years, upr=upr):
            if not ob.anchors or ob.template is None:
                continue
            obligations += 1
            planned = plan_cycle(cat.template(ob.template), cat.mechanism(ob.mechanism), officials=ob.anchors,
                                 participants=PARTICIPANTS, calendar=cal, timezone="UTC")
            milestones += len(planned)
            planned_all.append((code, ob, planned))
    return states, obligations, milestones, planned_all


def date_floor(n: int) -> float:
    offsets = [Offset(months=-6), Offset(weeks=-10), Offset(months=-4), Offset(years=1)]
    start = time.perf_counter()
    d = TODAY
    for i in range(n):
        d = offsets[i % 4].apply(TODAY)
    return time.perf_counter() - start


def seed_states(*, session, codes) -> None:  # type: ignore[no-untyped-def]
    """Each State with the same synthetic institutions and role holders (PARTICIPANTS)."""
    from nmrf.models import Institution, Person, RoleAssignment, State

    names = member_names()
    for code in sorted(codes):
        st = State(code=code, name=names[code], secretariat="NMRF", timezone="UTC", holidays_country="US")
        session.add(st)
        session.flush()
        for p in PARTICIPANTS:
            inst = Institution(state_id=st.id, key=p.key, name=p.name, kind=p.kind)
            session.add(inst)
            session.flush()
            for role in p.roles:
                person = Person(state_id=st.id, key=f"{p.key}-{role}", name=f"{role} {p.key}", timezone="UTC",
                                institution_id=inst.id)
                session.add(person)
                session.flush()
                session.add(RoleAssignment(person_id=person.id, role=role, institution_id=inst.id))


def database_part(planned_all: list) -> tuple[float, float, int]:
    """Launch every planned cycle into a real SQLite file through the services, and the bare-insert floor."""
    from sqlmodel import select

    from nmrf.models import State
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.services.cycles import launch_cycle

    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade_schema(engine)
    now = datetime(2026, 11, 27, tzinfo=UTC)
    with session_scope(engine, actor="bench") as s:
        seed_states(session=s, codes={c for c, _, _ in planned_all})
    start = time.perf_counter()
    with session_scope(engine, actor="bench") as s:
        states = {st.code: st for st in s.exec(select(State))}
        for code, ob, _ in planned_all:
            launch_cycle(session=s, state=states[code], template=ob.template, mechanism=ob.mechanism,
                         dates=ob.anchors, now=now, actor="bench",
                         reason="bench: every obligation of the inventory launched at once")
    launch_time = time.perf_counter() - start

    rows = [(i, p.key, p.template_key, p.stage, p.title, p.side, p.due_date.isoformat() if p.due_date else None)
            for i, (_, _, planned) in enumerate(planned_all) for p in planned]
    raw = sqlite3.connect(tmp / "floor.db")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE m (cycle INTEGER, key TEXT, tkey TEXT, stage TEXT, title TEXT, side TEXT, due TEXT)")
    start = time.perf_counter()
    with raw:
        raw.executemany("INSERT INTO m VALUES (?,?,?,?,?,?,?)", rows)
    floor = time.perf_counter() - start
    return launch_time, floor, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--db", action="store_true", help="also launch every cycle into a SQLite file")
    args = parser.parse_args()

    load_catalogue(), all_ratifications(), upr_schedule()  # loading the data is not planning
    start = time.perf_counter()
    states, cycles, milestones, planned_all = plan_everything(args.years)
    elapsed = time.perf_counter() - start
    # Memory in a second pass: tracemalloc slows Python several times over.
    tracemalloc.start()
    plan_everything(args.years)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    floor = date_floor(milestones)
    print(f"States: {states}; obligations with a date in {args.years} years (cycles planned): {cycles}; "
          f"milestones: {milestones}")
    print(f"planning:            {elapsed:7.2f} s  {cycles / elapsed:9.0f} cycles/s  {milestones / elapsed:9.0f} milestones/s")
    print(f"floor (date offsets):{floor:7.2f} s  {milestones / floor:9.0f} offsets/s   ratio {elapsed / floor:5.1f}x")
    print(f"peak memory: {peak / 2**20:.1f} MiB traced during planning; max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.db:
        launch_time, insert_floor, rows = database_part(planned_all)
        print(f"launch into SQLite:  {launch_time:7.2f} s  {cycles / launch_time:9.0f} cycles/s "
              f"(services, audit history, {rows} milestones)")
        print(f"floor (executemany): {insert_floor:7.2f} s  {rows / insert_floor:9.0f} rows/s        "
              f"ratio {launch_time / insert_floor:5.1f}x")


if __name__ == "__main__":
    main()
