"""`nmrf serve` as a secretariat runs it: feeds, acknowledgement pages and the sweep in one process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from nmrf.models import CycleEvent
from nmrf.models.db import session_scope
from nmrf.services.cycles import launch_cycle
from nmrf.services.people import get_state
from tests.conftest import NOW


@pytest.mark.prefect_server  # serve's sweeps are flow runs on Prefect's temporary server
def test_serve_sweeps_every_few_minutes_and_answers_acknowledgement_links(loaded, tmp_path: Path):
    # A cycle whose inventory was due in August 2026: the first sweep (real clock) completes it. (Launched in
    # time: with the inputs already due at launch, a late launch would move the inventory to the launch day.)
    with session_scope(loaded, actor="test") as s:
        launch_cycle(session=s, state=get_state(session=s), template="periodic_report", mechanism="CEDAW",
                     dates={"submission": date(2027, 6, 1)}, now=NOW, actor="test")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    nmrf = str(Path(sys.executable).parent / "nmrf")
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([nmrf, "serve", "--port", str(port), "--sweep-every", "0.05"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        swept = False
        while not swept:
            assert proc.poll() is None and time.monotonic() < deadline, (
                "no sweep within two minutes:\n" + (tmp_path / "serve.log").read_text(errors="replace"))
            time.sleep(0.5)
            with session_scope(loaded, readonly=True) as s:
                swept = s.exec(select(CycleEvent).where(CycleEvent.kind == "completed")).first() is not None
        page = httpx.get(f"http://127.0.0.1:{port}/ack/not-a-real-token", timeout=10)
        assert page.status_code == 400 and "Link not usable" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok\n"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
