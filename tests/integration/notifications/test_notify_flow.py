"""The sweep as a Prefect flow and as `nmrf serve`'s loop; the commands people use:
`nmrf sweep --dry-run`, `nmrf outbox`, `nmrf notify test`."""

from __future__ import annotations

import importlib
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from tests.support.notify import (
    TZ,
    launch_cedaw,
    make_world,
    to_whom,
    write_profile,
)
from sqlalchemy import func, select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.flows.runtime import prefect_runtime
from nmrf.models import AuditEntry, Milestone, Notification
from nmrf.models.db import session_scope
from nmrf.web.sweep_loop import run_sweep_forever
from nmrf.domain.clock import today_in
from nmrf.settings import get_settings
from tests.support.paths import ROOT

RUN = CliRunner()


def _cli(*args: str):
    return RUN.invoke(app, list(args), env={"COLUMNS": "220"})


@pytest.mark.prefect_server  # flow runs on Prefect's temporary server
def test_the_sweep_flow_returns_its_counts_and_delivers(db_url, smtp, http):
    from nmrf.flows.sweep import sweep

    w = make_world(db_url, smtp, http)
    with prefect_runtime():
        result = sweep(as_of=date(2027, 5, 18))
        again = sweep(as_of=date(2027, 5, 18))
    for key in ("created", "sent", "failed", "pending", "cycles_advanced"):
        assert key in result and key in again
    # The sweep opens the inputs: nine requests for information (one per focal point), each saying what that
    # day's 14-day reminder would, so no reminder is created on top; ten deliveries (Camila Reyes has two).
    assert (result["stage_messages"], result["created"], result["sent"], result["failed"],
            result["pending"]) == (9, 0, 10, 0, 0)
    assert result["cycles_advanced"] == 1
    assert (again["stage_messages"], again["created"], again["sent"], again["cycles_advanced"]) == (0, 0, 0, 0)
    assert len(smtp.mails) == 9 and len(http.posts) == 1


def test_a_dry_run_shows_what_would_go_out_and_changes_nothing(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    with session_scope(w.engine, readonly=True) as s:
        audit = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        statuses = s.execute(select(Milestone.key, Milestone.status).order_by(Milestone.id)).all()
    out = _cli("sweep", "--as-of", "2027-06-15", "--dry-run")
    assert out.exit_code == 0, out.output
    assert "Nothing was written or sent (dry run)." in out.output
    assert "minister-labour " in out.output  # the top level, for every late ministry
    assert "escalation minister#0" in out.output
    assert "head_of_unit: nobody holds it" in out.output  # Labour has no head of unit: said, not hidden
    with session_scope(w.engine, readonly=True) as s:
        assert s.execute(select(func.count()).select_from(Notification)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audit
        assert s.execute(select(Milestone.key, Milestone.status).order_by(Milestone.id)).all() == statuses
    assert not smtp.mails and not http.posts


def test_the_outbox_lists_what_was_sent_what_waits_and_what_failed_and_to_whom(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    http.mode = "fail"
    assert _cli("sweep", "--as-of", "2027-05-18").exit_code == 0
    out = _cli("outbox").output
    assert "rodrigo-vera" in out and "sent" in out
    assert "camila-reyes" in out and "retrying" in out and "error=500" in out
    assert "9 sent, 0 pending, 0 held, 1 retrying, 0 failed" in out
    failed = _cli("outbox", "--status", "failed").output
    assert "Camila" not in failed
    # The first messages are the requests for information the sweep wrote as the inputs opened.
    shown = _cli("outbox", "show", "1").output
    assert "Subject: Solicitud de información:" in shown and "try " in shown and "key nmrf-" in shown


def test_notify_test_says_per_address_whether_it_worked(db_url, smtp, http):
    make_world(db_url, smtp, http)
    ok = _cli("notify", "test", "camila-reyes")
    assert ok.exit_code == 0, ok.output
    assert ok.output.count(": OK in") == 2
    # The sender named by function, never the program (issue 12: no "nmrf " to people outside the secretariat).
    assert smtp.mails[-1].subject == ("Mensaje de prueba de Secretariat of the National Mechanism for Reporting "
                                      "and Follow-up") and http.posts[-1].body["nmrf"]["kind"] == "test"
    http.mode = "fail"
    bad = _cli("notify", "test", "camila-reyes")
    assert bad.exit_code == 1
    assert "[email]" in bad.output and ": OK in" in bad.output
    assert "[chat] json://127.0.0.1" in bad.output and "FAILED (FAILURE" in bad.output
    unknown = _cli("notify", "test", "nobody")
    assert unknown.exit_code == 2 and "unknown person 'nobody'" in unknown.output


@pytest.mark.prefect_server  # flow runs on Prefect's temporary server
def test_the_serve_loop_sweeps_every_interval_until_stopped(db_url, smtp, http, tmp_path):
    # A CEDAW cycle whose inputs are due in about ten days from the real today; no quiet hours.
    profile = write_profile(tmp_path, edit=lambda d: d["state"].update(quiet_hours="00:00-00:00"))
    w = make_world(db_url, smtp, http, profile)
    today = today_in(TZ, datetime.now(UTC))
    from nmrf.domain.dates import Offset

    due = Offset(months=4).apply(today + timedelta(days=10))
    launch_cedaw(w.engine, due=due, when=today, reason="a cycle due near the real today, beside the example's")
    results: list[dict] = []
    stop = threading.Event()
    loop = threading.Thread(target=run_sweep_forever, args=(get_settings(notify_timeout=2.0), 0.2, stop),
                            kwargs={"on_result": results.append})
    loop.start()
    deadline = time.monotonic() + 120
    while len(results) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    loop.join(10)
    assert not loop.is_alive()
    assert len(results) >= 3
    assert results[0]["sent"] >= 1 and all(r["created"] == 0 and r["sent"] == 0 for r in results[1:])
    reminders = [k for k in to_whom(w.engine) if k[1] == "reminder"]
    assert len(smtp.mails) + len(http.posts) >= len(reminders) >= 1


def test_prefect_yaml_schedules_the_sweep_and_every_entrypoint_imports():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in spec["deployments"]}
    sweep = deployments["sweep"]
    assert sweep["entrypoint"] == "flows/sweep.py:sweep"
    (schedule,) = sweep["schedules"]
    assert schedule["cron"] and schedule["timezone"]
    for d in spec["deployments"]:
        path, func_name = d["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, func_name)), d["entrypoint"]
