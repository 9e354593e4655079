"""Benchmark: launch and advance the reporting cycles of every UN member State, three ways.

    .venv/bin/python bench/scale.py [--states 193] [--years 5] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                    [--workers 2] [--as-of 2027-03-01] [--sample 60]

The cycles are those bench/plan_all_states.py plans from the ratification data (about
ten per State over five years). Each way gets its own new database, launched the same
way (the services), then advanced to `--as-of`:

- floor: the bare service call (advance_cycle in a transaction), SQLite, no Prefect;
- in-process: the cycle flows called in this process (Prefect's temporary server), SQLite;
- deployed: one flow run per cycle through the deployments of prefect.yaml, on a Prefect
  server on PostgreSQL with `--workers` process workers, nmrf's database on PostgreSQL.

Beside each, the sweep's time on a second new database: one flow run (or one call) that
advances every cycle whose time has come, decides and writes the messages. The sweep is how
cycles advance in production; one run per cycle is for "run this one now". At 193 States
(about 2,000 cycles) one run per cycle would take hours through the deployments, so those
are timed on `--sample` cycles spread over every kind of flow (0: all), the sweeps on all. Figures are
printed, never asserted; not a test. Needs PostgreSQL for the deployed part (--pg).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
LAUNCHED_AT = datetime(2026, 11, 27, 12, tzinfo=UTC)


def plan(states: int, years: int) -> list:
    from plan_all_states import plan_everything

    planned = plan_everything(years)[3]
    codes = set(sorted({code for code, _, _ in planned})[:states])
    return [p for p in planned if p[0] in codes]


def build(url: str, planned: list) -> tuple[object, list[tuple[int, str]], float]:
    """A new database: the States, their institutions and people, every cycle launched."""
    from plan_all_states import seed_states
    from sqlmodel import select

    from nmrf.models import State
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.services.cycles import launch_cycle

    engine = make_engine(url)
    upgrade_schema(engine)
    with session_scope(engine, actor="bench") as s:
        seed_states(session=s, codes={c for c, _, _ in planned})
    start = time.perf_counter()
    cycles = []
    with session_scope(engine, actor="bench") as s:
        states = {st.code: st for st in s.exec(select(State))}
        for code, ob, _ in planned:
            c = launch_cycle(session=s, state=states[code], template=ob.template, mechanism=ob.mechanism,
                             dates=ob.anchors, now=LAUNCHED_AT, actor="bench",
                             reason="bench: every obligation of the inventory launched at once").cycle
            cycles.append((c.id, c.flow))
    return engine, cycles, time.perf_counter() - start


def advance_floor(engine, cycles: list[tuple[int, str]], as_of: date) -> float:
    from nmrf.domain.clock import moment
    from nmrf.models import Cycle
    from nmrf.models.db import session_scope
    from nmrf.services.cycles import advance_cycle

    start = time.perf_counter()
    for cid, _ in cycles:
        with session_scope(engine, actor="bench") as s:
            cycle = s.get(Cycle, cid)
            today, now = moment(as_of, "UTC")
            advance_cycle(session=s, cycle=cycle, today=today, now=now)
    return time.perf_counter() - start


def sweep_floor(engine, as_of: date) -> tuple[float, dict]:
    from nmrf.flows.sweep import run_sweep
    from nmrf.settings import get_settings

    start = time.perf_counter()
    result = run_sweep(engine=engine, settings=get_settings(), as_of=as_of)
    return time.perf_counter() - start, result


def in_process(url: str, cycles: list[tuple[int, str]], as_of: date, sweep_url: str) -> tuple[float, float, float]:
    """(per-cycle flows seconds, sweep flow seconds, temporary server start seconds)."""
    from nmrf.flows.runtime import prepare_prefect_environment
    from nmrf.settings import get_settings

    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="nmrf-bench-prefect-")
    prepare_prefect_environment(get_settings())
    from nmrf.flows import flow_for
    from nmrf.flows.runtime import prefect_runtime
    from nmrf.flows.sweep import sweep

    os.environ["NMRF_DATABASE_URL"] = url
    with prefect_runtime():
        start = time.perf_counter()
        flow_for(cycles[0][1])(cycle_id=cycles[0][0], as_of=as_of)  # starts the temporary server
        warm = time.perf_counter() - start
        start = time.perf_counter()
        for cid, name in cycles[1:]:
            flow_for(name)(cycle_id=cid, as_of=as_of)
        flows = time.perf_counter() - start
        os.environ["NMRF_DATABASE_URL"] = sweep_url
        start = time.perf_counter()
        sweep(as_of=as_of)
        swept = time.perf_counter() - start
    os.environ.pop("NMRF_DATABASE_URL", None)
    return flows * len(cycles) / max(1, len(cycles) - 1), swept, warm


def spread(cycles: list[tuple[int, str]], n: int) -> list[tuple[int, str]]:
    """`n` cycles taken evenly through the list (which mixes States and kinds of flow)."""
    if n <= 0 or n >= len(cycles):
        return cycles
    step = len(cycles) / n
    return [cycles[int(i * step)] for i in range(n)]


def deployed(pg: str, planned: list, as_of: date, workers: int, limit: int, sample: int) -> dict:
    """Per-cycle deployment runs and one sweep run, through a server on PostgreSQL."""
    from nmrf import prefect_stack as ps

    out: dict = {}
    dbs = [ps.create_database(pg, "bench_nmrf"), ps.create_database(pg, "bench_nmrf"),
           ps.create_database(pg, "bench_prefect")]
    server = None
    try:
        engine, cycles, out["launch"] = build(dbs[0], planned)
        sweep_engine, _, _ = build(dbs[1], planned)
        cycles = spread(cycles, sample)
        out["cycles"] = len(cycles)
        start = time.perf_counter()
        server = ps.start_server(database_url=dbs[2], home=Path(tempfile.mkdtemp(prefix="nmrf-bench-server-")))
        out["server_start"] = time.perf_counter() - start
        start = time.perf_counter()
        ps.setup_server(server, secrets={"NMRF_DATABASE_URL": dbs[0], "NMRF_SECRET_KEY": "bench-" + "k" * 30})
        out["setup"] = time.perf_counter() - start
        ps.start_workers(server, workers, limit=limit, extra_env={"NMRF_HOME": tempfile.mkdtemp()})
        ps.wait_workers_online(server, workers)
        from prefect.client.orchestration import get_client

        names = {"upr_review": "upr-review/upr-review", "periodic_report": "periodic-report/periodic-report",
                 "mid_term_report": "mid-term-report/mid-term-report",
                 "follow_up_report": "follow-up-report/follow-up-report",
                 "communication_reply": "communication-reply/communication-reply",
                 "country_visit": "country-visit/country-visit", "follow_up_plan": "follow-up-plan/follow-up-plan"}
        with server.settings(), get_client(sync_client=True) as client:
            ids = {n: client.read_deployment_by_name(d).id for n, d in names.items()}
            start = time.perf_counter()
            runs = [str(client.create_flow_run_from_deployment(ids[flow], parameters={
                "cycle_id": cid, "as_of": as_of.isoformat()}).id) for cid, flow in cycles]
            out["create_runs"] = time.perf_counter() - start
        done = _wait(server, runs, timeout=3600)
        out["advance"] = time.perf_counter() - start
        out["states"] = dict(_count(r["state_type"] for r in done))
        out["queue_and_start"] = statistics.mean(_secs(r["expected_start_time"], r["start_time"]) for r in done)
        out["in_run"] = statistics.mean(_secs(r["start_time"], r["end_time"]) for r in done)
        # The sweep: the same cycles in a second database, advanced by one flow run.
        with server.settings():
            ps.save_secrets({"NMRF_DATABASE_URL": dbs[1]})
            with get_client(sync_client=True) as client:
                d = client.read_deployment_by_name("sweep/sweep")
                start = time.perf_counter()
                run = str(client.create_flow_run_from_deployment(d.id, parameters={"as_of": as_of.isoformat()}).id)
        [r] = _wait(server, [run], timeout=3600)
        out["sweep"] = time.perf_counter() - start
        out["sweep_in_run"] = _secs(r["start_time"], r["end_time"])
        out["sweep_state"] = r["state_type"]
        engine.dispose()
        sweep_engine.dispose()
    finally:
        if server is not None:
            ps.stop_all(server)
        for db in dbs:
            ps.drop_database(pg, db)
    return out


def _secs(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def _count(values) -> dict:
    from collections import Counter

    return Counter(values)


def _wait(server, run_ids: list[str], timeout: float) -> list[dict]:
    import httpx

    deadline = time.monotonic() + timeout
    final = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
    while True:
        # The filter answers 200 runs at most: ask in pages.
        runs = []
        for i in range(0, len(run_ids), 200):
            r = httpx.post(f"{server.api_url}/flow_runs/filter", timeout=30,
                           json={"flow_runs": {"id": {"any_": run_ids[i:i + 200]}}, "limit": 200})
            r.raise_for_status()
            runs.extend(r.json())
        if len(runs) == len(run_ids) and all(x["state_type"] in final for x in runs):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError("flow runs not finished")
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--states", type=int, default=193)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--as-of", default="2027-03-01")
    parser.add_argument("--pg", default=os.environ.get("NMRF_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server where the bench may create databases")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=2, help="flow runs at once per worker")
    parser.add_argument("--sample", type=int, default=60, help="cycles advanced one flow run each (0: all)")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    planned = plan(args.states, args.years)
    n = len(planned)
    tmp = Path(tempfile.mkdtemp(prefix="nmrf-bench-scale-"))
    print(f"{len({c for c, _, _ in planned})} States, {n} cycles, advanced to {as_of}")

    engine, cycles, launch = build(f"sqlite:///{tmp / 'floor.db'}", planned)
    floor = advance_floor(engine, cycles, as_of)
    sweep_engine, _, _ = build(f"sqlite:///{tmp / 'floor-sweep.db'}", planned)
    floor_sweep, result = sweep_floor(sweep_engine, as_of)
    print(f"launch (services, SQLite):   {launch:8.2f} s {n / launch:8.1f} cycles/s")
    print(f"floor: bare advance, SQLite: {floor:8.2f} s {n / floor:8.1f} cycles/s   "
          f"sweep (run_sweep, no Prefect): {floor_sweep:6.2f} s, {result['cycles_checked']} cycles checked, "
          f"{result['cycles_advanced']} with something due")

    _, cycles2, _ = build(f"sqlite:///{tmp / 'flows.db'}", planned)
    _, _, _ = build(f"sqlite:///{tmp / 'flows-sweep.db'}", planned)
    sample = spread(cycles2, args.sample)
    k = len(sample)
    if k < n:
        print(f"one flow run per cycle: timed on {k} of the {n} cycles (--sample); sweeps on all {n}")
    flows, swept, warm = in_process(f"sqlite:///{tmp / 'flows.db'}", sample, as_of, f"sqlite:///{tmp / 'flows-sweep.db'}")
    print(f"in-process flows, SQLite:    {flows:8.2f} s {k / flows:8.1f} cycles/s   "
          f"sweep flow: {swept:6.2f} s = {n / swept:.1f} cycles/s   (temporary server start: {warm:.1f} s, left out)")

    if not args.pg:
        print("deployed: skipped (no --pg / NMRF_TEST_POSTGRES_URL)")
        return
    d = deployed(args.pg, planned, as_of, args.workers, args.limit, args.sample)
    k = d["cycles"]
    print(f"deployed, PostgreSQL, {args.workers} workers x {args.limit}: {d['advance']:8.2f} s "
          f"{k / d['advance']:8.2f} cycles/s   sweep run: {d['sweep']:6.2f} s end to end "
          f"({d['sweep_in_run']:.2f} s in the run, {d['sweep_state']})")
    slot = d["advance"] * args.workers * args.limit / k
    print(f"  runs {d['states']}; each run holds a slot {slot:.2f} s: {d['in_run']:.2f} s Running (Prefect's "
          f"task and state recording, our SQL: {floor / n:.3f} s of it on SQLite), {slot - d['in_run']:.2f} s "
          f"around it (worker poll, a new Python process importing prefect and nmrf, loading the flow, exit); "
          f"mean wait from scheduled to Running {d['queue_and_start']:.1f} s")
    print(f"  launch into PostgreSQL {d['launch']:.2f} s; server start {d['server_start']:.1f} s; "
          f"setup (secrets, pool, deploy) {d['setup']:.1f} s; creating {k} runs {d['create_runs']:.1f} s")
    print(f"  the sweep advances all {n} cycles in one run: {n / d['sweep']:.1f} cycles/s end to end, "
          f"{(n / d['sweep']) / (k / d['advance']):.1f}x one run per cycle")
    print(f"ratios: deployed sweep {d['sweep']:.2f} s vs in-process sweep {swept:.2f} s = {d['sweep'] / swept:.1f}x, "
          f"vs bare run_sweep {floor_sweep:.2f} s = {d['sweep'] / floor_sweep:.1f}x; one run per cycle deployed "
          f"{k / d['advance']:.2f} vs in-process {k / flows:.2f} vs bare {n / floor:.1f} cycles/s")


if __name__ == "__main__":
    main()
