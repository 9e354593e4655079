"""nmrf as a ministry runs it: a Prefect server on PostgreSQL, the deployments of prefect.yaml,
two process workers, our database on PostgreSQL, real SMTP and HTTP sinks.

One server, one deploy and two workers for the whole module (about a minute in all).
Needs NMRF_TEST_POSTGRES_URL: a PostgreSQL server where the test may create databases
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres); the test makes one for
Prefect and one for nmrf and drops both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from tests.support.notify import TZ, World, make_world
from sqlalchemy import func, select

from nmrf import prefect_stack as ps
from nmrf.domain.clock import moment
from nmrf.models import CycleEvent, Delivery, Notification, Person
from nmrf.models.db import session_scope
from nmrf.testing.sinks import HttpSink, SmtpSink

URL = os.environ.get("NMRF_TEST_POSTGRES_URL")
pytestmark = [
    pytest.mark.postgres, pytest.mark.prefect_server,
    pytest.mark.skipif(not URL, reason="NMRF_TEST_POSTGRES_URL is not set: the Prefect server, its workers and "
                       "nmrf's database need a PostgreSQL server where the test may create databases"),
]
SWEEP_DAY = date(2027, 6, 15)  # CEDAW inputs due 1 June: reminders done, escalations due
SECRETARIAT = {"ana-rojas", "tomas-silva", "claire-dubois"}
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
NMRF = str(Path(sys.executable).with_name("nmrf"))
KEY = "test-signing-key-" + "k" * 26


@dataclass
class Stack:
    server: ps.PrefectServer
    world: World
    url: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert URL is not None
    tmp = tmp_path_factory.mktemp("stack")
    nmrf_db = ps.create_database(URL, "nmrf_stack")
    prefect_db = ps.create_database(URL, "prefect_stack")
    server = None
    with SmtpSink() as smtp, HttpSink() as http:
        try:
            world = make_world(nmrf_db, smtp, http)
            server = ps.start_server(database_url=prefect_db, home=tmp / "prefect")
            # The command the README gives, as an operator runs it.
            done = subprocess.run([NMRF, "prefect", "setup", "--no-watch"], capture_output=True, text=True,
                                  env=server.client_env({"NMRF_DATABASE_URL": nmrf_db, "NMRF_SECRET_KEY": KEY}),
                                  timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
            assert KEY not in done.stdout + done.stderr and "postgresql" not in done.stdout + done.stderr
            with server.settings():
                _pause_schedules()
            # The workers' environment names the public address (README, step 4): without it, messages
            # with links wait in the outbox (issue 12) and the sweeps would leave them pending.
            ps.start_workers(server, 2, limit=1, extra_env={"NMRF_HOME": str(tmp / "nmrf"),
                                                            "NMRF_NOTIFY_TIMEOUT": "5",
                                                            "NMRF_PUBLIC_URL": os.environ["NMRF_PUBLIC_URL"]})
            ps.wait_workers_online(server, 2)
            yield Stack(server, world, nmrf_db)
        finally:
            if server is not None:
                ps.stop_all(server)
            if "world" in locals():
                world.engine.dispose()
            ps.drop_database(URL, nmrf_db)
            ps.drop_database(URL, prefect_db)


def _pause_schedules() -> None:
    """The tests start every sweep themselves: a scheduled one at a five-minute mark would
    run on today's date and could reset the sweep watch mid-test."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        d = client.read_deployment_by_name("sweep/sweep")
        for s in client.read_deployment_schedules(d.id):
            client.update_deployment_schedule(d.id, s.id, active=False)


def _run(server: ps.PrefectServer, deployment: str, parameters: dict[str, Any]) -> str:
    from prefect.client.orchestration import get_client

    with server.settings(), get_client(sync_client=True) as client:
        d = client.read_deployment_by_name(deployment)
        return str(client.create_flow_run_from_deployment(d.id, parameters=parameters).id)


def _flow_run(server: ps.PrefectServer, run_id: str) -> dict[str, Any]:
    r = httpx.get(f"{server.api_url}/flow_runs/{run_id}", timeout=10)
    r.raise_for_status()
    return r.json()


def _wait_final(server: ps.PrefectServer, run_ids: list[str], timeout: float = 90) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        runs = [_flow_run(server, i) for i in run_ids]
        if all(r["state_type"] in FINAL for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"runs not finished after {timeout} s: {[r['state_type'] for r in runs]}\n"
                                 + "\n".join(w.name + ":\n" + w.read_text()[-2000:]
                                             for w in sorted(server.home.glob('worker-*.log'))))
        time.sleep(0.5)


def _workers_of(server: ps.PrefectServer, run_ids: list[str], timeout: float = 20) -> dict[str, str]:
    """Which worker submitted each flow run, from the events the workers emitted."""
    deadline = time.monotonic() + timeout
    found: dict[str, str] = {}
    while time.monotonic() < deadline and len(found) < len(run_ids):
        r = httpx.post(f"{server.api_url}/events/filter", timeout=10, json={
            "filter": {"event": {"name": ["prefect.worker.submitted-flow-run"]}}, "limit": 50})
        r.raise_for_status()
        for ev in r.json()["events"]:
            for rel in ev.get("related", []):
                run = rel["prefect.resource.id"].removeprefix("prefect.flow-run.")
                if run in run_ids:
                    found[run] = ev["resource"]["prefect.resource.id"]
        time.sleep(1)
    return found


def test_two_workers_sweeping_at_the_same_moment_send_each_message_once_and_lose_none(stack):
    w = stack.world
    runs = [_run(stack.server, "sweep/sweep", {"as_of": SWEEP_DAY.isoformat()}) for _ in range(2)]
    a, b = _wait_final(stack.server, runs)
    assert (a["state_type"], b["state_type"]) == ("COMPLETED", "COMPLETED"), (a["state_name"], b["state_name"])
    # At the same moment: each started before the other ended, in two processes, from two workers.
    start = lambda r: datetime.fromisoformat(r["start_time"])  # noqa: E731
    end = lambda r: datetime.fromisoformat(r["end_time"])  # noqa: E731
    assert start(a) < end(b) and start(b) < end(a)
    assert a["infrastructure_pid"] != b["infrastructure_pid"]
    workers = _workers_of(stack.server, runs)
    assert sorted(workers.values()) == ["prefect.worker.process.worker-1", "prefect.worker.process.worker-2"]

    with session_scope(w.engine, readonly=True) as s:
        deliveries = s.execute(select(Delivery.idempotency_key, Delivery.status)).all()
        kinds = Counter(s.execute(select(Notification.kind)).scalars())
    assert kinds["escalation"] >= 3, kinds  # and a digest: several sweeps of real work
    # None lost: every delivery the sweeps wrote went out.
    assert {status for _, status in deliveries} == {"sent"}
    # Nothing twice: each idempotency key reached the sinks once, and only those.
    received = Counter([m.message_id.strip("<>").split("@")[0] for m in w.smtp.mails] + w.http.keys())
    assert sorted(received) == sorted(key for key, _ in deliveries)
    assert set(received.values()) == {1}


def test_a_reporting_cycle_advances_through_its_deployment_and_a_second_run_changes_nothing(stack):
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.people import get_state

    w = stack.world
    with session_scope(w.engine, actor="test") as s:
        cycle = launch_cycle(session=s, state=get_state(session=s), template="communication_reply",
                             mechanism="CCPR", dates={"transmitted": date(2027, 2, 1)},
                             now=moment(date(2027, 2, 1), TZ)[1], actor="test", reference="CCPR/C/4321/2027",
                             institutions=["justice"]).cycle
        cid = cycle.id

    def events() -> int:
        with session_scope(w.engine, readonly=True) as s:
            return s.execute(select(func.count()).select_from(CycleEvent).where(CycleEvent.cycle_id == cid)).scalar()

    before = events()
    params = {"cycle_id": cid, "as_of": "2027-02-10"}
    [first] = _wait_final(stack.server, [_run(stack.server, "communication-reply/communication-reply", params)])
    assert first["state_type"] == "COMPLETED", first["state_name"]
    assert first["name"] == f"communication-reply cycle {cid}"
    after = events()
    assert after > before
    [again] = _wait_final(stack.server, [_run(stack.server, "communication-reply/communication-reply", params)])
    assert again["state_type"] == "COMPLETED"
    assert events() == after


def test_no_sweep_within_the_window_alerts_the_secretariat_through_a_worker(stack):
    from nmrf.prefect_automation import remove_sweep_watch

    w = stack.world
    mails_before = len(w.smtp.mails)
    with session_scope(w.engine, readonly=True) as s:
        addresses = {p.key: p.id for p in s.execute(select(Person)).scalars()}
    with stack.server.settings():
        from nmrf.prefect_automation import ensure_sweep_watch

        ensure_sweep_watch(within_seconds=10)  # Prefect's minimum for a proactive trigger
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len([m for m in w.smtp.mails[mails_before:] if "barrido" in m.subject or "sweep" in m.subject]) >= 3:
                break
            time.sleep(0.5)
    finally:
        with stack.server.settings():
            remove_sweep_watch()
    alerts = [m for m in w.smtp.mails[mails_before:] if "barrido" in m.subject or "sweep" in m.subject]
    assert alerts, "no alert reached the SMTP sink within 60 s"
    with session_scope(w.engine, readonly=True) as s:
        rows = s.execute(select(Notification.person_id, Notification.dedup_key, Notification.status)
                         .where(Notification.kind == "alert")).all()
    to = {k for k, pid in addresses.items() if pid in {r.person_id for r in rows}}
    assert to == SECRETARIAT
    # One alert per member per silence window, each one sent; the sink saw each key once.
    assert Counter((r.person_id, r.dedup_key.split(":")[2]) for r in rows).most_common(1)[0][1] == 1
    assert {r.status for r in rows} <= {"sent", "pending"}
    ids = Counter(m.message_id for m in alerts)
    assert set(ids.values()) == {1}
    claire = [m for m in alerts if "claire.dubois" in ",".join(m.recipients)]
    assert claire and claire[0].subject.startswith("nmrf: no sweep has run for")
    assert "has not completed since" in claire[0].text  # the sweeps of the first test completed
