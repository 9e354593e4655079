"""Benchmark: `nmrf advance` and `nmrf sweep` as a user runs them, a whole process each.

    .venv/bin/python bench/commands.py [--runs 5] [--states 0] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Without PREFECT_API_URL (the commands then call the flows' own functions; see
nmrf/flows/inline.py). Worlds, each on SQLite and, with --pg, on PostgreSQL:

- one State: the example profile (Chile) with a CEDAW periodic report and a UPR review
  launched, advanced to 2027-03-01;
- with --states N: the world of bench/scale.py (N States, about ten cycles each; 193 for
  every UN member State, which takes minutes to build), `nmrf sweep` over all of it and
  `nmrf advance --state` of its first State. Each world is built once per database and copied
  (the SQLite file; PostgreSQL's CREATE DATABASE ... TEMPLATE) for the floors.

Printed beside each command (first run: what was due gets done; then `--runs` runs,
min/median, with nothing new due, which is what a sweep every few minutes meets):
- the bare service call in this process (advance_cycle for each cycle of the State; run_sweep);
- the bare SQL that reads what those calls read (each cycle's milestones and missed
  events; the sweep's fingerprint query), on the raw DB-API cursor, rows fetched;
and the ratios; CPU seconds beside the wall times (the process's from its resource usage, the
service call's from time.process_time): on a shared machine the wall time is mostly waiting
for a core. Figures are printed, never asserted; not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NMRF = str(Path(sys.executable).with_name("nmrf"))
AS_OF = date(2027, 3, 1)
CPU: list[float] = []  # CPU seconds of each `nmrf` process (user + system): what a busy machine does not inflate


def timed(fn: Callable[[], object], runs: int, cpu: list[float] | None = None) -> tuple[float, float, float]:
    """(first, min, median) of 1 + runs calls, in seconds; with `cpu`, this process's CPU seconds
    of each call appended to it (time.process_time: what a loaded machine does not inflate)."""
    times = []
    for _ in range(1 + runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    rest = times[1:] or times
    return times[0], min(rest), statistics.median(rest)


def command(url: str, home: Path, *args: str) -> Callable[[], object]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"NMRF_DATABASE_URL": url, "NMRF_HOME": str(home), "COLUMNS": "200"}

    def run() -> object:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([NMRF, *args], env=env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(f"nmrf {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return done

    return run


# ---------------------------------------------------------------- worlds

def one_state(url: str) -> str:
    """The example profile with two cycles launched; returns the State's code."""
    from nmrf.domain.clock import moment
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.people import get_state
    from nmrf.services.profiles import apply_profile

    engine = make_engine(url)
    upgrade_schema(engine)
    now = moment(date(2026, 11, 27), "America/Santiago")[1]
    with session_scope(engine, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
        state = get_state(session=s)
        launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                     dates={"submission": date(2027, 10, 1)}, now=now, actor="bench")
        launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                     dates={"review": date(2028, 1, 20)}, now=now, actor="bench")
        code = state.code
    engine.dispose()
    return code


def many_states(url: str, states: int) -> str:
    """bench/scale.py's world of `states` States; returns the first State's code."""
    sys.path.insert(0, str(ROOT / "bench"))
    import scale

    engine, _, _ = scale.build(url, scale.plan(states, 5))
    from sqlalchemy import text

    with engine.connect() as c:
        code = c.execute(text("SELECT code FROM state ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()
    return code


def copy_world(source: str, target: str) -> None:
    """`target` becomes a copy of `source`: the SQLite file copied, or PostgreSQL's CREATE DATABASE ... TEMPLATE."""
    from sqlalchemy import create_engine, make_url, text

    if source.startswith("sqlite:///"):
        shutil.copyfile(source[len("sqlite:///"):], target[len("sqlite:///"):])
        return
    admin = create_engine(make_url(target).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            name, template = make_url(target).database, make_url(source).database
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()


# ---------------------------------------------------------------- floors

def service_advance(url: str, code: str) -> Callable[[], object]:
    from nmrf.domain.clock import moment
    from nmrf.models.db import make_engine, session_scope
    from nmrf.services.cycles import active_cycles, advance_cycle
    from nmrf.services.people import get_state

    engine = make_engine(url)

    def run() -> object:
        with session_scope(engine, readonly=True) as s:
            state = get_state(session=s, code=code)
            ids, tz = [c.id for c in active_cycles(session=s, state=state)], state.timezone
        from nmrf.models import Cycle

        today, now = moment(AS_OF, tz)
        for cid in ids:
            with session_scope(engine, actor="bench") as s:
                advance_cycle(session=s, cycle=s.get(Cycle, cid), today=today, now=now)
        return ids

    return run


def service_sweep(url: str) -> Callable[[], object]:
    from nmrf.models.db import make_engine
    from nmrf.flows.sweep import run_sweep
    from nmrf.settings import get_settings

    engine = make_engine(url)
    settings = get_settings()
    return lambda: run_sweep(engine=engine, settings=settings, as_of=AS_OF)


def _raw(url: str) -> tuple[object, str]:
    from nmrf.models.db import make_engine

    engine = make_engine(url)
    return engine, engine.dialect.paramstyle


def sql_advance(url: str, code: str) -> Callable[[], object]:
    """What advance reads, bare: the State's active cycles, then each one's milestones and missed events."""
    engine, style = _raw(url)
    p = "%s" if style in ("format", "pyformat") else "?"

    def run() -> object:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(f"SELECT c.id FROM cycle c JOIN state s ON s.id = c.state_id "
                        f"WHERE s.code = {p} AND c.status = 'active' ORDER BY c.id", (code,))
            ids = [r[0] for r in cur.fetchall()]
            for cid in ids:
                cur.execute(f"SELECT * FROM milestone WHERE cycle_id = {p} ORDER BY due_date, id", (cid,))
                cur.fetchall()
                cur.execute(f"SELECT milestone_id, sequence FROM cycle_event WHERE cycle_id = {p} "
                            f"AND kind = 'missed'", (cid,))
                cur.fetchall()
            return ids
        finally:
            conn.close()

    return run


def sql_sweep(url: str) -> Callable[[], object]:
    """The sweep's own question, bare: its fingerprint query over every active cycle."""
    from nmrf.services.advancing import fingerprints_query

    engine, _ = _raw(url)
    # The values inlined (literal binds): the statement the database plans, nothing to bind.
    sql = str(fingerprints_query().compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))

    def run() -> object:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            conn.close()

    return run


# ---------------------------------------------------------------- the table

def row(name: str, proc: tuple[float, float, float], cpu: tuple[float, float], svc: tuple[float, float, float],
        svc_cpu: list[float], sql: tuple[float, float, float]) -> str:
    return (f"{name:<40} {proc[0]:7.2f} {proc[1]:7.2f} {proc[2]:7.2f} {cpu[0]:6.2f} {cpu[1]:6.2f} | "
            f"{svc[0]:7.3f} {svc[2]:7.3f} {svc_cpu[0]:6.2f} {min(svc_cpu[1:] or svc_cpu):6.2f} | "
            f"{sql[2]:8.4f} | {proc[2] / svc[2]:8.1f}x {svc[2] / sql[2]:8.1f}x")


def measure(label: str, url: str, code: str, runs: int, home: Path, service_url: str) -> None:
    """The process runs on `url`; the service and SQL floors on `service_url` (a copy of the same world)."""
    CPU.clear()
    adv = timed(command(url, home, "advance", "--state", code, "--as-of", AS_OF.isoformat()), runs)
    adv_cpu = CPU[0], min(CPU[1:] or CPU)
    CPU.clear()
    swp = timed(command(url, home, "sweep", "--as-of", AS_OF.isoformat()), runs)
    swp_cpu = CPU[0], min(CPU[1:] or CPU)
    s_adv_cpu: list[float] = []
    s_swp_cpu: list[float] = []
    s_adv = timed(service_advance(service_url, code), runs, s_adv_cpu)
    s_swp = timed(service_sweep(service_url), runs, s_swp_cpu)
    q_adv = timed(sql_advance(service_url, code), runs)
    q_swp = timed(sql_sweep(service_url), runs)
    print(row(f"{label}: nmrf advance --state {code}", adv, adv_cpu, s_adv, s_adv_cpu, q_adv), flush=True)
    print(row(f"{label}: nmrf sweep", swp, swp_cpu, s_swp, s_swp_cpu, q_swp), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs after the first, for min/median")
    parser.add_argument("--states", type=int, default=0, help="also the world of bench/scale.py with N States")
    parser.add_argument("--pg", default=None, help="a PostgreSQL server where the bench may create databases")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with --pg)")
    args = parser.parse_args()
    os.environ.pop("PREFECT_API_URL", None)
    tmp = Path(tempfile.mkdtemp(prefix="nmrf-bench-commands-"))
    os.environ["NMRF_HOME"] = str(tmp)
    print(f"as of {AS_OF}, no Prefect server; process: first, min, median of {args.runs} more, CPU first, min CPU (s) | "
          f"service: first, median, CPU first, min CPU (s) | bare SQL median (s) | process/service, service/SQL")
    worlds: list[tuple[str, Callable[[str], str]]] = [("1 State", one_state)]
    if args.states:
        worlds.append((f"{args.states} States", lambda url: many_states(url, args.states)))
    created: list[str] = []
    try:
        for label, build in worlds:
            backends = [] if args.no_sqlite and args.pg else [("SQLite", lambda name: f"sqlite:///{tmp / name}.db")]
            if args.pg:
                from nmrf.prefect_stack import create_database

                def pg(name: str) -> str:
                    url = create_database(args.pg, "nmrf_bench_commands")
                    created.append(url)
                    return url

                backends.append(("PostgreSQL", pg))
            for db, make_url in backends:
                slug = label.replace(" ", "-")
                url, floor_url = make_url(f"{slug}-cli"), make_url(f"{slug}-service")
                code = build(url)
                copy_world(url, floor_url)  # the same world again, for the floors: copied, not built twice
                measure(f"{label}, {db}", url, code, args.runs, tmp, floor_url)
    finally:
        if created:
            from nmrf.prefect_stack import drop_database

            for url in created:
                drop_database(args.pg, url)


if __name__ == "__main__":
    main()
