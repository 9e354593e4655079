"""Benchmark of the calendar feeds: a synthetic 193-State world (about 8,000 people) served by `nmrf serve`.

Not a test: it prints figures, with the floor beside them.

1. World: every UN member State gets the example profile's NMRF (its 26
   people, a deputy focal point per contributing institution and four more
   heads of unit: 41 people),
   and three cycles (a UPR review, a CEDAW report, a CRC report) launched
   through the real planning code, dates staggered over 2027-2028.
2. One private link per person (about 8,000).
3. The floor: icalendar's own serialisation (`Calendar.to_ical()`) of the very
   same events, feeds already built, one core.
4. `nmrf serve` in its own process on 127.0.0.1; the load comes from wrk
   (Debian's package) or, without it, from a concurrent Python client:
   - cold: the first request of every person, one at a time (each builds its feed);
   - full responses from the cache, 304 answers to If-None-Match, and full
     responses with the cache off (every request builds), each with one
     connection (a request's own time) and with 16 (throughput).

    .venv/bin/python bench/feeds.py [--states 193] [--seconds 5] [--repeats 3] [--connections 16] [--keep DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 6, 1, 15, 0, tzinfo=UTC)  # the clock of the world: the server is given the same

WRK_SCRIPT = r"""
local paths, etags, n, i = {}, {}, 0, 0
local mode = "full"
init = function(args)
  mode = args[2] or "full"
  for line in io.lines(args[1]) do
    local p, e = line:match("^(%S+) (%S+)$")
    n = n + 1; paths[n] = p; etags[n] = e
  end
  i = math.random(n)
end
request = function()
  i = i % n + 1
  if mode == "304" then
    return wrk.format("GET", paths[i], {["If-None-Match"] = etags[i]})
  end
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT {\"requests\": %d, \"duration_us\": %d, \"p50\": %d, \"p95\": %d, \"p99\": %d, \"errors\": %d, \"non2xx3xx\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# ---------------------------------------------------------------- world

def synthetic_profile(code: str, name: str, base: dict) -> dict:
    data = json.loads(json.dumps(base, default=str))
    data["state"].update(code=code, name=name, holidays={"country": "CL"})
    data["reporting"] = {}
    people = []
    for person in data["people"]:
        person.pop("addresses", None)  # notification channels play no part in feeds
        people.append(person)
    contributing = [i["key"] for i in data["institutions"]
                    if i["kind"] in ("ministry", "statistics_office", "judiciary", "parliament")]
    for key in contributing:
        people.append({"key": f"deputy-{key}", "name": f"Deputy focal point ({key})", "institution": key,
                       "roles": ["focal_point"]})
    for key in ("justice", "education", "women", "labour"):
        people.append({"key": f"head-{key}", "name": f"Head of unit ({key})", "institution": key,
                       "roles": ["head_of_unit"]})
    data["people"] = people
    return data


def build_world(db_url: str, states: int) -> dict:
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.profile import EXAMPLE_PROFILE, Profile
    from nmrf.domain.reference import member_names
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.profiles import apply_profile

    engine = make_engine(db_url)
    upgrade_schema(engine)
    base = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    members = sorted(member_names().items())[:states]
    started = time.perf_counter()
    cycles = 0
    for n, (code, name) in enumerate(members):
        profile = Profile.model_validate(synthetic_profile(code, name, base))
        launch = NOW - timedelta(days=60)
        shift = timedelta(days=(n * 7) % 360)
        with session_scope(engine, actor="bench") as s:
            state = apply_profile(session=s, profile=profile, now=launch).state
            for template, mech, anchor, day in (
                    ("upr_review", "UPR", "review", date(2028, 1, 20) + shift),
                    ("periodic_report", "CEDAW", "submission", date(2027, 9, 1) + shift),
                    ("periodic_report", "CRC", "submission", date(2027, 11, 1) + shift)):
                launch_cycle(session=s, state=state, template=template, mechanism=mech, dates={anchor: day},
                             sources={anchor: "bench"}, now=launch, actor="bench")
                cycles += 1
    built = time.perf_counter() - started
    from sqlalchemy import func, select

    from nmrf.models import Milestone, Person

    with session_scope(engine, readonly=True) as s:
        people = s.execute(select(func.count()).select_from(Person)).scalar()
        milestones = s.execute(select(func.count()).select_from(Milestone)).scalar()
    engine.dispose()
    return {"states": len(members), "people": people, "cycles": cycles, "milestones": milestones, "seconds": built}


def issue_links(db_url: str) -> list[str]:
    from sqlmodel import select

    from nmrf.calendars.links import Subject, issue_link
    from nmrf.models import Person
    from nmrf.models.db import make_engine, session_scope

    engine = make_engine(db_url)
    paths = []
    with session_scope(engine, actor="bench") as s:
        for person in s.exec(select(Person).order_by(Person.id)):
            _, token = issue_link(session=s, subject=Subject("person", person), now=NOW, actor="bench")
            paths.append(f"/feeds/{token}.ics")
    engine.dispose()
    return paths


# ---------------------------------------------------------------- floor

def floor(db_url: str, sample: int, repeats: int) -> dict:
    """icalendar's own serialisation rate for the same events (the feeds prebuilt, untimed); best of `repeats`."""
    from sqlmodel import select

    from nmrf.calendars.build import build_calendar
    from nmrf.calendars.queries import person_feed
    from nmrf.models import Person
    from nmrf.models.db import make_engine, session_scope

    engine = make_engine(db_url)
    calendars = []
    gather = []
    views: dict = {}  # as in the server: a State's view is shared by its people
    with session_scope(engine, readonly=True) as s:
        people = list(s.exec(select(Person).order_by(Person.id)))
        step = max(1, len(people) // sample)
        for person in people[::step][:sample]:
            t = time.perf_counter()
            feed = person_feed(session=s, person=person, now=NOW, views=views)
            gather.append(time.perf_counter() - t)
            calendars.append(build_calendar(feed.spec, feed.items, now=NOW))
    engine.dispose()
    events = sum(len(c.subcomponents) for c in calendars)
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        for cal in calendars:
            cal.to_ical()
        best = max(best, len(calendars) / (time.perf_counter() - started))
    return {"feeds": len(calendars), "events": events, "feeds_per_s": best,
            "events_per_s": best * events / len(calendars),
            "gather_p50_ms": pct(gather, 50) * 1000, "gather_p95_ms": pct(gather, 95) * 1000}


# ---------------------------------------------------------------- server and load

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The app `nmrf serve` runs, in its own process, its clock fixed at the world's date."""

    def __init__(self, db_url: str, cache_mb: int) -> None:
        self.port = free_port()
        env = dict(os.environ, NMRF_DATABASE_URL=db_url)
        code = ("import sys; from datetime import datetime; from nmrf.web import create_app; "
                "from nmrf.web.app import fixed_clock; from nmrf.web.run import server_config; "
                "from nmrf.settings import get_settings; import uvicorn; "
                f"app = create_app(get_settings(), clock=fixed_clock(datetime.fromisoformat({NOW.isoformat()!r})), "
                f"cache_bytes={cache_mb} * 1024 * 1024); "
                f"uvicorn.Server(server_config(app, host='127.0.0.1', port={self.port}, quiet=True)).run()")
        self.proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def fetch_all(port: int, paths: list[str], headers: dict | None = None) -> tuple[list[float], list[str], int]:
    """One keep-alive connection, one request after another: latencies and ETags."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, etags, size = [], [], 0
    for path in paths:
        t = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        latencies.append(time.perf_counter() - t)
        if resp.status != 200:
            raise RuntimeError(f"{resp.status} for a feed")
        etags.append(resp.getheader("ETag"))
        size += len(body)
    conn.close()
    return latencies, etags, size


def run_wrk(port: int, listing: Path, mode: str, seconds: int, connections: int) -> dict:
    script = listing.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    done = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
                           f"http://127.0.0.1:{port}", "--", str(listing), mode],
                          capture_output=True, text=True, timeout=seconds + 60)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    r = json.loads(line.removeprefix("RESULT "))
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50_ms": r["p50"] / 1000, "p95_ms": r["p95"] / 1000,
            "p99_ms": r["p99"] / 1000, "errors": r["errors"] + r["non2xx3xx"], "tool": "wrk"}


def run_python_load(port: int, paths: list[str], etags: list[str], mode: str, seconds: int,
                    connections: int) -> dict:
    """An equivalent of wrk in Python threads (used when wrk is not installed)."""
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, i = [], offset
        while time.monotonic() < stop:
            i = (i + 1) % len(paths)
            headers = {"If-None-Match": etags[i]} if mode == "304" else {}
            t = time.perf_counter()
            conn.request("GET", paths[i], headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status not in (200, 304):
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n * 997,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50_ms": pct(latencies, 50) * 1000,
            "p95_ms": pct(latencies, 95) * 1000, "p99_ms": pct(latencies, 99) * 1000, "errors": errors[0],
            "tool": "python threads"}


def load(port: int, paths: list[str], etags: list[str], mode: str, seconds: int, connections: int,
         workdir: Path) -> dict:
    if shutil.which("wrk"):
        listing = workdir / f"paths-{mode}-{port}.txt"
        listing.write_text("".join(f"{p} {e}\n" for p, e in zip(paths, etags, strict=True)))
        return run_wrk(port, listing, mode, seconds, connections)
    return run_python_load(port, paths, etags, mode, seconds, connections)


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--states", type=int, default=193)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--floor-sample", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="Keep (or reuse) the world's database in this folder.")
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nmrf-bench-feeds-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(workdir / "prefect"))
    db_path = workdir / "world.db"
    db_url = f"sqlite:///{db_path}"
    links_file = workdir / "links.json"
    try:
        if db_path.exists() and links_file.exists():
            world = json.loads((workdir / "world.json").read_text())
            paths = json.loads(links_file.read_text())
            print(f"world reused from {workdir}")
        else:
            world = build_world(db_url, args.states)
            paths = issue_links(db_url)
            (workdir / "world.json").write_text(json.dumps(world))
            links_file.write_text(json.dumps(paths))
        print(f"world: {world['states']} States, {world['people']} people, {world['cycles']} cycles, "
              f"{world['milestones']} milestones (built in {world['seconds']:.0f} s); {len(paths)} person links")

        print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; other work on the machine skews figures, "
              f"so each figure is the best of {args.repeats} runs)")
        f = floor(db_url, args.floor_sample, args.repeats)
        print(f"floor, icalendar's Calendar.to_ical() on the same events ({f['feeds']} person feeds, "
              f"{f['events'] / f['feeds']:.1f} events each): {f['feeds_per_s']:.0f} feeds/s "
              f"({f['events_per_s']:.0f} events/s), one core")
        print(f"gathering a person's items from the database (in process, State views shared): "
              f"p50 {f['gather_p50_ms']:.1f} ms, p95 {f['gather_p95_ms']:.1f} ms")

        def best(port: int, etags: list[str], mode: str, connections: int) -> dict:
            runs = [load(port, paths, etags, mode, args.seconds, connections, workdir) for _ in range(args.repeats)]
            return max(runs, key=lambda r: r["rps"])

        rows = []
        server = Server(db_url, cache_mb=512)
        try:
            cold, etags, size = fetch_all(server.port, paths)
            print(f"cold: the first request of each of {len(paths)} people, one at a time (each builds the feed): "
                  f"p50 {pct(cold, 50) * 1000:.1f} ms, p95 {pct(cold, 95) * 1000:.1f} ms, "
                  f"max {max(cold) * 1000:.1f} ms; mean body {size / len(paths) / 1024:.1f} KiB; "
                  f"{len(paths) / sum(cold):.0f} feeds/s")
            rows.append(("full, cache, 1 connection", best(server.port, etags, "full", 1)))
            rows.append((f"full, cache, {args.connections} connections", best(server.port, etags, "full",
                                                                              args.connections)))
            rows.append(("304, 1 connection", best(server.port, etags, "304", 1)))
            rows.append((f"304, {args.connections} connections", best(server.port, etags, "304", args.connections)))
        finally:
            server.stop()
        uncached = Server(db_url, cache_mb=0)
        try:
            rows.append(("full, cache off, 1 connection", best(uncached.port, etags, "full", 1)))
            rows.append((f"full, cache off, {args.connections} conn.", best(uncached.port, etags, "full",
                                                                            args.connections)))
        finally:
            uncached.stop()

        tool = rows[0][1]["tool"]
        print(f"\nserver: `nmrf serve`'s app (uvicorn, 1 process, clock fixed at {NOW:%Y-%m-%d}) on 127.0.0.1; "
              f"load: {tool}, {args.seconds} s per run, requests spread over all {len(paths)} people")
        print(f"{'':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs floor':>9}")
        for name, r in rows:
            ratio = r["rps"] / f["feeds_per_s"]
            print(f"{name:32} {r['rps']:8.0f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {r['p99_ms']:8.2f} "
                  f"{r['errors']:7d} {ratio:8.2f}x")
        print(f"{'floor (icalendar to_ical)':32} {f['feeds_per_s']:8.0f}")
        print(f"\nratio = server requests/s / icalendar serialisations/s of the same feeds (one core each; the load tool "
              f"takes the other). Aim: a person's feed under 20 ms at p95. Load average after: "
              f"{os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
