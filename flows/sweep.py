"""The sweep: every few minutes, notice every deadline and tell the right people.

It advances the cycles whose time has come, decides the reminders before each
deadline and the escalations after it (up to the minister), writes them to the
outbox and sends what is due. Safe to run at any moment, as often as anyone
likes, in several processes at once: each message is created once (a unique key)
and sent by one sweep at a time (a lease); a sweep that missed runs catches up.
prefect.yaml schedules it on a Prefect server; `nmrf serve` runs it in-process.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nmrf.flows.inline import call
from nmrf.flows.runtime import engine, flow_settings


@task(task_run_name="advance cycles", cache_policy=NO_CACHE)
def advance_cycles(now: datetime, as_of: date | None) -> dict[str, int]:
    """Advance every cycle whose time has come (nmrf.services.cycles.advance_cycle)."""
    from nmrf.notifications.sweeping import advance_cycles as advance

    return advance(engine=engine(), now=now, today=as_of)


@task(task_run_name="decide messages", cache_policy=NO_CACHE)
def decide_messages(now: datetime, as_of: date | None) -> dict[str, Any]:
    """Decide the reminders and escalations due and write them to the outbox."""
    from nmrf.models.db import session_scope
    from nmrf.notifications.sweeping import write_messages

    with session_scope(engine(), actor="nmrf") as s:
        return write_messages(session=s, now=now, today=as_of, settings=flow_settings())


@task(task_run_name="send messages", cache_policy=NO_CACHE)
def send_messages(now: datetime) -> dict[str, Any]:
    """Send what the outbox holds that is due, retrying what failed before."""
    from nmrf.notifications.delivery import deliver_due
    from nmrf.notifications.sweeping import pending_count

    counts = deliver_due(engine=engine(), now=now, settings=flow_settings()).as_dict()
    return counts | pending_count(engine=engine())


@task(task_run_name="preview", cache_policy=NO_CACHE)
def preview(as_of: date | None) -> dict[str, Any]:
    """What a sweep would do now, in a transaction that is rolled back."""
    from nmrf.notifications.sweeping import run_sweep

    return run_sweep(engine=engine(), settings=flow_settings(), as_of=as_of, dry_run=True)


@flow(name="sweep", flow_run_name="sweep {as_of}")
def sweep(as_of: date | None = None, dry_run: bool = False) -> dict:
    """Returns counts: created, sent, failed, pending, cycles_advanced (and more)."""
    if dry_run:
        return call(preview, as_of)
    from nmrf.models.db import session_scope
    from nmrf.notifications.sweeping import sweep_moment

    with session_scope(engine(), readonly=True) as s:
        now, today = sweep_moment(session=s, as_of=as_of)
    result: dict[str, Any] = {"as_of": as_of.isoformat() if as_of else None, "now": now.isoformat(),
                              "dry_run": False}
    result.update(call(advance_cycles, now, today))
    result.update(call(decide_messages, now, today))
    result.update(call(send_messages, now))
    return result
