"""The end-to-end tier's shared fixtures: one `nmrf demo` run for every test that reads its output."""

from __future__ import annotations

import fcntl
import json
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


def _run_demo(tmp: Path) -> DemoRun:
    # As a newcomer runs it: a bare environment (no NMRF_HOME, no PREFECT_API_URL, no locale), wide
    # enough for the plan tables; its temporary folder inside the test run's.
    nmrf = str(Path(sys.executable).parent / "nmrf")
    started = time.monotonic()
    done = subprocess.run([nmrf, "demo"], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "TMPDIR": str(tmp)})
    return DemoRun(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


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
