"""A bounded load test on 127.0.0.1: `nmrf serve` (feeds and acknowledgement pages) under 200 concurrent clients
for 60 s while sweeps write and deliver the outbox; then nothing may be lost or duplicated.

Not a unit test: it prints figures (requests served, errors, p50/p99 latency, sweeps, deliveries). The floor
beside the server's figures: the same client against `/healthz` alone for a few seconds (what the HTTP stack
itself costs on this machine), and the ratio.

1. World: Chile's example profile in a new SQLite file, every address pointed at a local HTTP sink, a CEDAW
   and a CCPR report whose inputs fall due in June 2027; a private feed link for every person and every
   contributing institution; an acknowledgement link for each late input.
2. `nmrf serve` in its own process (its own sweep off), the clients in this one (asyncio, keep-alive HTTP/1.1):
   70% feeds (half of them conditional, 304), 20% acknowledgement pages, 10% `/` and `/healthz`.
3. Meanwhile, `nmrf sweep --as-of D` in a loop, D stepping through June 2027, each a new process.
4. After: every request answered (no 5xx, no 429, no connection error), and the outbox exact: each delivery
   sent is received by the sink once, no idempotency key twice, nothing failed.

    .venv/bin/python bench/load.py [--clients 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TZ = "America/Santiago"
SECRET = "load-test-signing-key-not-a-secret"


@dataclass
class Stats:
    served: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    sweeps: int = 0
    sweep_failures: int = 0
    deliveries_sent: int = 0
    deliveries_other: dict[str, int] = field(default_factory=dict)
    sink_posts: int = 0
    duplicate_keys: int = 0
    lost: int = 0

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def build_world(folder: Path, sink_url) -> tuple[str, list[str]]:  # noqa: ANN001
    """The database and the paths the clients ask for."""
    from sqlalchemy import select

    from nmrf.calendars.links import Subject, issue_link
    from nmrf.domain.clock import moment
    from nmrf.models import Address, Institution, Milestone, Person
    from nmrf.models.db import make_engine, session_scope, upgrade_schema
    from nmrf.notifications.acks import chain_sequence
    from nmrf.notifications.tokens import make_token, signing_key
    from nmrf.profile import EXAMPLE_PROFILE, CONTRIBUTING_KINDS, load_profile
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.people import get_state
    from nmrf.services.profiles import apply_profile
    from nmrf.settings import get_settings

    url = f"sqlite:///{folder / 'nmrf.db'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    launched = moment(date(2027, 3, 1), TZ)[1]
    paths: list[str] = []
    with session_scope(engine, actor="bench") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=launched)
    with session_scope(engine, actor="bench") as s:
        for a in s.execute(select(Address)).scalars():
            a.url = sink_url(f"/{a.person_id}/{a.label}")
        state = get_state(session=s)
        for mech in ("CEDAW", "CCPR"):
            launch_cycle(session=s, state=state, template="periodic_report", mechanism=mech,
                         dates={"submission": date(2027, 10, 1)}, now=launched, actor="bench")
    with session_scope(engine, actor="bench") as s:
        state = get_state(session=s)
        people = list(s.execute(select(Person).where(Person.active)).scalars())
        for person in people:
            _, token = issue_link(session=s, subject=Subject("person", person), now=launched, actor="bench")
            paths.append(f"/feeds/{token}.ics")
        holder = next(p for p in people if p.key == "ana-rojas")
        for inst in s.execute(select(Institution)).scalars():
            if inst.kind in CONTRIBUTING_KINDS:
                _, token = issue_link(session=s, subject=Subject("institution", holder, institution=inst),
                                      now=launched, actor="bench")
                paths.append(f"/feeds/{token}.ics")
    key = signing_key(get_settings(secret_key=SECRET))
    acks: list[str] = []
    with session_scope(engine, actor="bench") as s:
        for m in s.execute(select(Milestone).where(Milestone.key.like("input:%"))).scalars():
            owner = s.execute(select(Person).where(Person.institution_id == m.institution_id)).scalars().first()
            if owner is None:
                continue
            token = make_token(key, purpose="ack", data={"m": m.id, "s": chain_sequence(session=s, milestone=m),
                                                         "u": owner.id},
                               expires_at=datetime.now(UTC) + timedelta(days=1))
            acks.append(f"/ack/{token}")
    engine.dispose()
    return url, paths + [f"ACK{a}" for a in acks]


async def _client(host: str, port: int, paths: list[str], acks: list[str], stop: float, stats: Stats,
                  seed: int) -> None:
    import random

    rnd = random.Random(seed)
    etags: dict[str, str] = {}
    reader = writer = None
    while time.perf_counter() < stop:
        roll = rnd.random()
        if roll < 0.7:
            path = rnd.choice(paths)
        elif roll < 0.9 and acks:
            path = rnd.choice(acks)
        else:
            path = rnd.choice(["/", "/healthz"])
        extra = f"If-None-Match: {etags[path]}\r\n" if path in etags and rnd.random() < 0.5 else ""
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            length = int(headers.get("content-length", "0"))
            if length:
                await asyncio.wait_for(reader.readexactly(length), 30)
            if "etag" in headers:
                etags[path] = headers["etag"]
            stats.latencies.append(time.perf_counter() - started)
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            stats.served += 1
            if status >= 400:
                stats.errors += 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError):
            stats.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _load(host: str, port: int, paths: list[str], acks: list[str], clients: int, seconds: float) -> Stats:
    stats = Stats()

    async def main() -> None:
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(_client(host, port, paths, acks, stop, stats, n) for n in range(clients)))

    asyncio.run(main())
    return stats


def _sweeps(env: dict[str, str], stop: threading.Event, stats: Stats) -> None:
    nmrf = str(Path(sys.executable).with_name("nmrf"))
    day = date(2027, 6, 1)
    while not stop.is_set():
        done = subprocess.run([nmrf, "sweep", "--as-of", day.isoformat()], env=env, capture_output=True, text=True,
                              timeout=600)
        stats.sweeps += 1
        if done.returncode != 0:
            stats.sweep_failures += 1
            print(done.stderr[-500:], file=sys.stderr)
        day = min(day + timedelta(days=1), date(2027, 7, 15))


def _wait_for(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("nmrf serve exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nmrf serve did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_outbox(url: str, sink, stats: Stats) -> None:  # noqa: ANN001
    from collections import Counter

    from sqlalchemy import select

    from nmrf.models import Delivery
    from nmrf.models.db import make_engine, session_scope

    engine = make_engine(url)
    with session_scope(engine, readonly=True) as s:
        rows = list(s.execute(select(Delivery)).scalars())
    engine.dispose()
    by_status = Counter(d.status for d in rows)
    stats.deliveries_sent = by_status.pop("sent", 0)
    stats.deliveries_other = dict(by_status)
    keys = Counter(p.idempotency_key for p in sink.posts)
    stats.sink_posts = len(sink.posts)
    stats.duplicate_keys = sum(n - 1 for n in keys.values() if n > 1)
    stats.lost = max(0, stats.deliveries_sent - len(keys))


def run(clients: int = 200, seconds: float = 60.0, floor_seconds: float = 5.0, quiet: bool = False) -> tuple[Stats, Stats]:
    from nmrf.testing.sinks import HttpSink

    with tempfile.TemporaryDirectory(prefix="nmrf-load-") as tmp, HttpSink() as sink:
        folder = Path(tmp)
        url, paths = build_world(folder, sink.url)
        acks = [p.removeprefix("ACK") for p in paths if p.startswith("ACK")]
        feeds = [p for p in paths if not p.startswith("ACK")]
        port = _free_port()
        env = {**os.environ, "NMRF_HOME": str(folder), "NMRF_DATABASE_URL": url, "NMRF_SECRET_KEY": SECRET,
               "NMRF_NOTIFY_TIMEOUT": "10"}
        env.pop("PREFECT_API_URL", None)
        nmrf = str(Path(sys.executable).with_name("nmrf"))
        log = (folder / "serve.log").open("wb")
        server = subprocess.Popen([nmrf, "serve", "--host", "127.0.0.1", "--port", str(port), "--sweep-every", "0"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(port, server)
            floor = _load("127.0.0.1", port, ["/healthz"], [], clients, floor_seconds)
            stop = threading.Event()
            stats = Stats()
            sweeper = threading.Thread(target=_sweeps, args=(env, stop, stats))
            sweeper.start()
            loaded = _load("127.0.0.1", port, feeds, acks, clients, seconds)
            stop.set()
            sweeper.join()
            stats.served, stats.errors, stats.statuses, stats.latencies = (loaded.served, loaded.errors,
                                                                           loaded.statuses, loaded.latencies)
            check_outbox(url, sink, stats)
        finally:
            server.terminate()
            server.wait(30)
            log.close()
        if not quiet:
            report(stats, floor, clients, seconds, len(feeds), len(acks))
        return stats, floor


def report(stats: Stats, floor: Stats, clients: int, seconds: float, feeds: int, acks: int) -> None:
    rps = stats.served / seconds
    print(f"load: {clients} clients for {seconds:.0f} s on 127.0.0.1 ({feeds} feed links, {acks} acknowledgement "
          "links, / and /healthz), sweeps writing meanwhile")
    print(f"  requests served: {stats.served} ({rps:.0f}/s); errors: {stats.errors}; statuses: "
          f"{dict(sorted(stats.statuses.items()))}")
    print(f"  latency p50 {stats.p(0.5):.1f} ms, p99 {stats.p(0.99):.1f} ms, max {stats.p(1.0):.1f} ms")
    print(f"  floor (/healthz only, same clients): p50 {floor.p(0.5):.1f} ms, p99 {floor.p(0.99):.1f} ms; "
          f"p99 ratio {stats.p(0.99) / floor.p(0.99):.1f}x")
    print(f"  sweeps: {stats.sweeps} ({stats.sweep_failures} failed); outbox: {stats.deliveries_sent} deliveries "
          f"sent, others {stats.deliveries_other}; sink received {stats.sink_posts}, duplicate keys "
          f"{stats.duplicate_keys}, lost {stats.lost}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    run(args.clients, args.seconds)
