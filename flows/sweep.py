"""The sweep: every few minutes, notice every deadline and tell the right people.

It advances the cycles whose time has come, writes what a stage sends when it
opens (the request for information with each institution's workbook, the draft to
the NHRI and the ministers), decides the reminders before each deadline and the escalations after it (up to the minister), writes them to the
outbox and sends what is due. Safe to run at any moment, as often as anyone
likes, in several processes at once: each message is created once (a unique key)
and sent by one sweep at a time (a lease); a sweep that missed runs catches up.
prefect.yaml schedules it on a Prefect server; `nmrf serve` runs it in-process.

`run_sweep` is the one place that orders the sweep's steps: the flow runs it with
each step as a task run; the demo, `nmrf serve` without Prefect and the tests call it
as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from nmrf.flows.runtime import engine as flow_engine
from nmrf.flows.runtime import flow_settings
from nmrf.models.db import rolled_back, session_scope
from nmrf.notifications.delivery import deliver_due
from nmrf.notifications.outbox import pending_count, write_messages
from nmrf.notifications.sender import Outgoing, SendResult
from nmrf.notifications.sender import send as apprise_send
from nmrf.services.advancing import advance_cycles, sweep_moment
from nmrf.services.stage_messages import write_stage_messages
from nmrf.settings import Settings

if TYPE_CHECKING:  # flows write no SQL; the type is only named
    from sqlalchemy import Engine


def _advance(*, engine: Engine, now: datetime, today: date | None) -> dict[str, int]:
    """Advance every cycle whose time has come (nmrf.services.cycles.advance_cycle)."""
    return advance_cycles(engine=engine, now=now, today=today)


def _decide(*, engine: Engine, settings: Settings, now: datetime, today: date | None) -> dict[str, Any]:
    """Write what the stages that opened send, then decide the reminders and escalations due, to the outbox.

    In that order, in one transaction: a reminder for an item whose request went out the same day is
    left out (one message per person per item per day), and the public-address hold sees every message."""
    with session_scope(engine, actor="nmrf") as s:
        told = write_stage_messages(session=s, now=now, settings=settings)
        return write_messages(session=s, now=now, today=today, settings=settings) | told.as_dict()


def _send(*, engine: Engine, settings: Settings, now: datetime,
          send: Callable[[Outgoing], SendResult]) -> dict[str, Any]:
    """Send what the outbox holds that is due, retrying what failed before."""
    return deliver_due(engine=engine, now=now, settings=settings, send=send).as_dict() | pending_count(engine=engine)


# Each step, as the task run a flow run records (named as before: "advance cycles", ...).
STEP_TASKS = {fn: task(fn, name=name, task_run_name=name, cache_policy=NO_CACHE)
              for fn, name in ((_advance, "advance cycles"), (_decide, "decide messages"), (_send, "send messages"))}


def _step(fn: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """A task run inside a flow run; the plain function outside one."""
    return STEP_TASKS[fn](**kwargs) if FlowRunContext.get() is not None else fn(**kwargs)


def run_sweep(*, engine: Engine, settings: Settings, as_of: date | None = None, now: datetime | None = None,
              dry_run: bool = False, send: Callable[[Outgoing], SendResult] = apprise_send) -> dict[str, Any]:
    """One sweep. Returns counts: created, sent, failed, pending, cycles_advanced and more."""
    started = time.monotonic()
    with session_scope(engine, readonly=True) as s:
        moment_now, today = sweep_moment(session=s, as_of=as_of)
    now = now or moment_now
    result: dict[str, Any] = {"as_of": as_of.isoformat() if as_of else None, "now": now.isoformat(),
                              "dry_run": dry_run}
    if dry_run:
        # The same steps in one transaction that is rolled back: what would happen, nothing done, nothing sent.
        with rolled_back(engine, actor="nmrf (dry run)") as s:
            result.update(advance_cycles(session=s, now=now, today=today))
            told = write_stage_messages(session=s, now=now, settings=settings)
            result.update(write_messages(session=s, now=now, today=today, settings=settings, write=False))
            result.update(told.as_dict())
            result["messages"] = told.summaries + result.get("messages", [])
        result.update(sent=0, failed=0, retrying=0, pending=pending_count(engine=engine)["pending"])
    else:
        result.update(_step(_advance, engine=engine, now=now, today=today))
        result.update(_step(_decide, engine=engine, settings=settings, now=now, today=today))
        result.update(_step(_send, engine=engine, settings=settings, now=now, send=send))
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


@flow(name="sweep", flow_run_name="sweep {as_of}")
def sweep(as_of: date | None = None, dry_run: bool = False) -> dict:
    """Returns counts: created, sent, failed, pending, cycles_advanced (and more)."""
    return run_sweep(engine=flow_engine(), settings=flow_settings(), as_of=as_of, dry_run=dry_run)
