"""No message lost, none sent twice: sweeps killed at random points, and two sweeps at once.

Each sweep here is a separate process (forked from a parent that imported nmrf once) against
one SQLite file, delivering to a real HTTP endpoint on 127.0.0.1 that records every request
with its idempotency key.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from tests.support.notify import TZ, launch_cedaw, load, point_addresses, sweep, write_profile
from sqlalchemy import select

from nmrf.domain.clock import moment
from nmrf.models import Delivery
from nmrf.models.db import make_engine, session_scope, upgrade_schema
from nmrf.testing.sinks import HttpSink
from nmrf.services.cycles import launch_cycle
from nmrf.services.people import get_state
from tests.support.paths import TESTS

AS_OF = date(2027, 6, 15)  # every input of two cycles is two weeks late: all levels are due
SWEEPER = TESTS / "support" / "sweeper.py"


@pytest.fixture(scope="module")
def sink():
    with HttpSink() as s:
        s.delay = 0.02  # a receiver that takes a little time, so kills land mid-delivery
        yield s


@pytest.fixture(scope="module")
def template(tmp_path_factory, sink) -> Path:
    """A database with the example NMRF (every address pointed at the sink, digests off) and two
    cycles whose inputs are late on AS_OF; nothing decided or sent yet."""
    root = tmp_path_factory.mktemp("notify-template")
    path = root / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    load(engine, write_profile(root, notifications={"digest": {"window": "off"}}))
    point_addresses(engine, None, sink)
    launch_cedaw(engine)
    with session_scope(engine, actor="test") as s:
        launch_cycle(session=s, state=get_state(session=s), template="periodic_report", mechanism="CCPR",
                     dates={"submission": date(2027, 10, 1)}, now=moment(date(2027, 3, 1), TZ)[1], actor="test")
    engine.dispose()
    return path


def _copy(template: Path, dest: Path) -> str:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, dest)
    return f"sqlite:///{dest}"


class Sweeper:
    """The parent of the sweep processes (see tests/support/sweeper.py)."""

    def __init__(self, home: Path):
        env = os.environ | {"NMRF_HOME": str(home)}
        self.proc = subprocess.Popen([sys.executable, str(SWEEPER)], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self._ask(None) == "ready"

    def _ask(self, line: str | None) -> str:
        if line is not None:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def start(self, url: str, result_file: Path) -> int:
        return int(self._ask(f"run {url} {AS_OF.isoformat()} {result_file}"))

    def wait(self, pid: int) -> int:
        return int(self._ask(f"wait {pid}"))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def sweeper(tmp_path_factory):
    s = Sweeper(tmp_path_factory.mktemp("notify-sweeper"))
    yield s
    s.close()


def _deliveries(url: str) -> list[tuple[str, str, str | None]]:
    engine = make_engine(url)
    with session_scope(engine, readonly=True) as s:
        rows = [(d.idempotency_key, d.status, d.lease_owner) for d in s.execute(select(Delivery)).scalars()]
    engine.dispose()
    return rows


@pytest.fixture(scope="module")
def reference(template, sink, sweeper, tmp_path_factory) -> dict:
    """One sweep run to its end: how many messages are due, how long a sweep takes."""
    root = tmp_path_factory.mktemp("notify-reference")
    url = _copy(template, root / "ref.db")
    sink.clear()
    started = time.time()
    pid = sweeper.start(url, root / "ref.json")
    assert sweeper.wait(pid) == 0
    seconds = time.time() - started
    posts = sink.posts
    # When the sends began and ended, counted from the start of the process.
    window = (min(p.at for p in posts) - started, max(p.at for p in posts) - started + sink.delay)
    rows = _deliveries(url)
    assert rows and all(status == "sent" for _, status, _ in rows)
    keys = sorted(k for k, _, _ in rows)
    assert sorted(sink.keys()) == keys  # each once
    sink.clear()
    return {"keys": keys, "seconds": seconds, "window": window,
            "result": json.loads((root / "ref.json").read_text())}


def _kill_trials(n: int, template: Path, sink: HttpSink, sweeper: Sweeper, reference: dict, tmp_path: Path) -> None:
    rng = random.Random(20270601)
    total_repeats = 0
    trials_with_repeats = 0
    for trial in range(n):
        url = _copy(template, tmp_path / f"trial{trial}.db")
        sink.clear()
        pid = sweeper.start(url, tmp_path / "trial.json")
        # Anywhere in the run, but most often while it sends (where a kill can fall between a
        # send and its record).
        first, last = reference["window"]
        time.sleep(rng.uniform(first, last) if rng.random() < 0.6 else rng.uniform(0.0, reference["seconds"]))
        os.kill(pid, signal.SIGKILL)
        sweeper.wait(pid)  # reaped: the next sweep sees the process is gone and takes over its leases
        sink.settle()  # requests sent before the kill may still be on their way in
        before = Counter(sink.keys())
        in_flight = {k for k, status, owner in _deliveries(url) if status == "pending" and owner}
        engine = make_engine(url)
        result = sweep(engine, AS_OF)
        engine.dispose()
        rows = _deliveries(url)
        received = Counter(sink.keys())
        # Every due message delivered, none lost.
        assert sorted(k for k, _, _ in rows) == reference["keys"], f"trial {trial}"
        assert all(status == "sent" for _, status, _ in rows), f"trial {trial}: {result}"
        assert set(received) == set(reference["keys"])
        # Repeats only where the kill fell between a send and its record, with the same key.
        repeats = {k for k, c in received.items() if c > 1}
        assert all(received[k] == 2 for k in repeats)
        assert repeats <= (in_flight & set(before)), f"trial {trial}: {repeats - in_flight}"
        total_repeats += len(repeats)
        trials_with_repeats += bool(repeats)
    print(f"\n{n} sweeps killed at random points (a full sweep: {reference['seconds']:.2f} s, sending from "
          f"{reference['window'][0]:.2f} s to {reference['window'][1]:.2f} s): "
          f"{total_repeats} repeat(s) in {trials_with_repeats} trial(s), "
          f"each with its idempotency key; nothing lost ({len(reference['keys'])} messages per trial)")


@pytest.mark.slow  # fifty sweep processes started and killed: 40-80 s; `make test` keeps the two racing sweeps below
def test_fifty_sweeps_killed_at_random_points_lose_nothing_and_repeat_only_in_flight_sends(
        template, sink, sweeper, reference, tmp_path):
    _kill_trials(50, template, sink, sweeper, reference, tmp_path)


def test_two_sweeps_started_at_the_same_time_send_nothing_twice(template, sink, sweeper, reference, tmp_path):
    for trial in range(3):
        url = _copy(template, tmp_path / f"pair{trial}.db")
        sink.clear()
        pids = [sweeper.start(url, tmp_path / f"pair{trial}-{i}.json") for i in range(2)]
        assert [sweeper.wait(pid) for pid in pids] == [0, 0]
        results = [json.loads((tmp_path / f"pair{trial}-{i}.json").read_text()) for i in range(2)]
        received = Counter(sink.keys())
        assert sorted(received) == reference["keys"]
        assert set(received.values()) == {1}, [k for k, c in received.items() if c > 1]
        assert sum(r["created"] for r in results) == reference["result"]["created"]
        assert sum(r["sent"] for r in results) == len(reference["keys"])
        assert all(status == "sent" for _, status, _ in _deliveries(url))
