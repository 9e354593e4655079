"""The sweep has gone silent: tell the secretariat.

Run by the automation of nmrf/prefect_automation.py when no sweep completed within the
window (an hour by default), or by hand. It asks Prefect when the last sweep
completed, then writes one alert per member of each State's secretariat through our
outbox and sends those alerts only. Safe to run again: within one silence window
the same alerts are not written twice.
"""

from __future__ import annotations

from datetime import datetime

from nmrf.flows.runtime import engine, flow_settings
from nmrf.notifications.alerts import alert_sweep_silent
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort


@task(cache_policy=NO_CACHE)
def last_sweep_completed() -> datetime | None:
    """When the last run of the `sweep` deployment completed, as Prefect recorded it."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType.COMPLETED]))),
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["sweep"])),
            sort=FlowRunSort.END_TIME_DESC, limit=1)
    return runs[0].end_time if runs else None


@task(cache_policy=NO_CACHE)
def send_alerts(last_success: datetime | None, window_seconds: float) -> dict:
    """Write this window's alert to each member of the secretariat and send it."""
    return alert_sweep_silent(engine=engine(), settings=flow_settings(), last_success=last_success,
                              window_seconds=window_seconds)


@flow(name="sweep-alert", flow_run_name="sweep-alert")
def sweep_alert(window_seconds: float = 3600.0) -> dict:
    """Returns counts: messages (this window's alerts still to send), sent, failed."""
    return send_alerts(last_sweep_completed(), window_seconds)
