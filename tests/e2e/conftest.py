"""The end-to-end tier's shared fixtures: one `nmrf demo` run for every test that reads its output."""

from __future__ import annotations

import fcntl
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class DemoRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall time of the whole process, as a newcomer waits for it
    cpu_seconds: float  # the process's own CPU time (user + system): the wall time's floor on a shared machine


def _run_demo(tmp: Path) -> DemoRun:
    # As a newcomer runs it: a bare environment (no NMRF_HOME, no PREFECT_API_URL, no locale), wide
    # enough for the plan tables; its temporary folder inside the test run's.
    nmrf = str(Path(sys.executable).parent / "nmrf")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([nmrf, "demo"], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "TMPDIR": str(tmp)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return DemoRun(done.returncode, done.stdout, done.stderr, time.monotonic() - started, cpu)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`nmrf demo` run once (about 30 s) for the whole test run, pytest-xdist's workers included: the
    first worker to ask runs it under a file lock and leaves the result for the others."""
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, common to every worker
    result = shared / "nmrf-demo-run.json"
    with (shared / "nmrf-demo-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            tmp = tmp_path_factory.mktemp("demo")
            result.write_text(json.dumps(_run_demo(tmp).__dict__))
    return DemoRun(**json.loads(result.read_text()))
