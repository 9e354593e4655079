"""Benchmark: the annual workplan and the annual report, for one State holding five years of
cycles, and for every State of the 193-State world of bench/sweep.py.

    .venv/bin/python bench/plan.py [--world PATH] [--skip-world]

Printed beside each figure, its floor:
- building one year's workplan (database reads + the pure builder) beside the bare SQL
  query that fetches the same year's milestones (raw DB-API cursor, rows fetched);
- writing it as XLSX beside openpyxl writing the same number of rows of plain strings;
- the annual report beside the same bare query.
Peak memory: tracemalloc's peak for the one-State part (Python allocations), the process's
peak resident size (ru_maxrss) for the 193-State part. Best of three runs; not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MECHS = ["CCPR", "CESCR", "CEDAW", "CAT", "CRC", "CRPD", "CERD"]


def best(fn, n: int = 3):  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def one_state(db: Path) -> dict:
    from nmrf.calendars.series import schedule_series
    from nmrf.flows.runtime import moment
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.services.costs import add_cost
    from nmrf.services.cycles import launch_cycle, milestones_of
    from nmrf.services.people import get_state
    from nmrf.services.profiles import apply_profile

    engine = make_engine(f"sqlite:///{db}")
    upgrade_schema(engine)
    t0 = moment(date(2027, 1, 4), "America/Santiago")[1]
    with session_scope(engine, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=t0)
        state = get_state(session=s)
        cycles = 0
        for year in range(2027, 2032):
            for n, mech in enumerate(MECHS):
                c = launch_cycle(session=s, state=state, template="periodic_report", mechanism=mech,
                                 dates={"submission": date(year, 1 + n, 10 + n)}, now=t0, actor="bench",
                                 reference=f"bench-{year}").cycle
                cycles += 1
                for m in milestones_of(session=s, cycle=c)[:6]:
                    if m.due_date:
                        add_cost(session=s, state=state, milestone=m, amount="1250.50", currency="CLP",
                                 budget_line="translation", description="cost", now=t0, actor="bench")
            launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                         dates={"review": date(year, 5, 3)}, now=t0, actor="bench", reference=f"bench-{year}")
            cycles += 1
        schedule_series(session=s, state=state, key="focal", kind="coordination", title="Focal points",
                        frequency="weekly", first_date=date(2027, 1, 4), start_time="10:00",
                        timezone="America/Santiago", roles=["focal_point"], now=t0)
    return {"cycles": cycles}


def bare_milestones(engine, year: int, state_id: int | None = None) -> int:  # type: ignore[no-untyped-def]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        sql = ("SELECT m.id, m.title, m.due_date, m.status, m.owner_role, m.institution_id FROM milestone m "
               "JOIN cycle c ON c.id = m.cycle_id WHERE m.due_date BETWEEN ? AND ?")
        args: tuple = (f"{year}-01-01", f"{year}-12-31")
        if state_id is not None:
            sql += " AND c.state_id = ?"
            args += (state_id,)
        cur.execute(sql, args)
        return len(cur.fetchall())
    finally:
        raw.close()


def plain_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for i in range(rows):
        sheet.append([f"2027-01-{i % 28 + 1:02d}", "Deadline", f"title {i}", "reference", "institution", "person",
                      "planned", "1,250.50 CLP"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", type=Path, help="The 193-State world's SQLite file (built by bench/sweep.py "
                                                   "if missing).")
    parser.add_argument("--skip-world", action="store_true", help="Only the one-State part.")
    args = parser.parse_args()

    from nmrf.documents.annual_report import write_annual_docx
    from nmrf.documents.workplan_files import write_workplan_docx, write_workplan_xlsx
    from nmrf.domain.i18n import translator
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.annual import state_annual_report
    from nmrf.services.people import get_state
    from nmrf.services.workplan import state_workplan

    tmp = Path(tempfile.mkdtemp(prefix="nmrf-bench-plan-"))
    t = time.perf_counter()
    built = one_state(tmp / "one.db")
    print(f"One State (Chile's example profile), five years of cycles: {built['cycles']} cycles, "
          f"built in {time.perf_counter() - t:.1f} s")
    engine = make_engine(f"sqlite:///{tmp / 'one.db'}")
    tr = translator("es")
    now = datetime(2028, 1, 5, tzinfo=UTC)
    for year in (2027, 2029):
        def wp():  # type: ignore[no-untyped-def]
            with session_scope(engine, readonly=True) as s:
                return state_workplan(session=s, state=get_state(session=s), year=year, today=date(2027, 1, 4))

        def ar():  # type: ignore[no-untyped-def]
            with session_scope(engine, readonly=True) as s:
                return state_annual_report(session=s, state=get_state(session=s), year=year, today=date(year, 12, 31))

        tw, plan = best(wp)
        tf, n = best(lambda: bare_milestones(engine, year))
        tx, body = best(lambda: write_workplan_xlsx(plan, tr))
        tpx, _ = best(lambda: plain_xlsx(len(plan.rows)))
        td, _ = best(lambda: write_workplan_docx(plan, tr, created=now))
        ta, report = best(ar)
        tad, _ = best(lambda: write_annual_docx(report, tr, created=now))
        print(f"  {year}: workplan {len(plan.rows)} items built in {tw * 1000:.0f} ms "
              f"(floor: bare SQL of its {n} milestones {tf * 1000:.1f} ms, ratio {tw / tf:.0f}x); "
              f"XLSX {tx * 1000:.0f} ms (floor: openpyxl, same rows as plain strings {tpx * 1000:.0f} ms, "
              f"ratio {tx / tpx:.1f}x); DOCX {td * 1000:.0f} ms")
        print(f"        annual report built in {ta * 1000:.0f} ms (floor: the same bare SQL {tf * 1000:.1f} ms, "
              f"ratio {ta / tf:.0f}x); its DOCX {tad * 1000:.0f} ms")
    tracemalloc.start()
    with session_scope(engine, readonly=True) as s:
        plan = state_workplan(session=s, state=get_state(session=s), year=2029, today=date(2027, 1, 4))
        write_workplan_xlsx(plan, tr)
        report = state_annual_report(session=s, state=get_state(session=s), year=2029, today=date(2029, 12, 31))
        write_annual_docx(report, tr, created=now)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  peak Python memory for the 2029 workplan (+XLSX) and annual report (+DOCX): {peak / 2**20:.1f} MiB")
    engine.dispose()
    if args.skip_world:
        return

    world = args.world or tmp / "world.db"
    if not world.exists():
        import bench.sweep as sweep_bench  # noqa: PLC0415

        print(f"Building the 193-State world in {world} (bench/sweep.py) ...", flush=True)
        print("  " + json.dumps(sweep_bench.build_world(world)), flush=True)
    engine = make_engine(f"sqlite:///{world}")
    from sqlalchemy import select

    from nmrf.models import State

    with session_scope(engine, readonly=True) as s:
        states = [(st.id, st.code, st.language) for st in s.execute(select(State)).scalars()]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    items = 0
    t = time.perf_counter()
    for sid, _, lang in states:
        with session_scope(engine, readonly=True) as s:
            st = s.get(State, sid)
            plan = state_workplan(session=s, state=st, year=2027, today=date(2027, 6, 15))
            report = state_annual_report(session=s, state=st, year=2027, today=date(2027, 12, 31))
        items += len(plan.rows) + len(report.meetings)
    total = time.perf_counter() - t
    t = time.perf_counter()
    n = bare_milestones(engine, 2027)
    tf = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"193-State world: {len(states)} workplans and annual reports for 2027 ({items} items) in {total:.1f} s "
          f"({total / len(states) * 1000:.0f} ms a State; floor: bare SQL of all {n} milestones of 2027 "
          f"{tf * 1000:.0f} ms, ratio {total / tf:.0f}x); peak RSS {rss / 1024:.0f} MiB "
          f"(before: {rss0 / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
