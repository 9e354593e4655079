"""The Prefect automation that watches the sweep itself.

The sweep sends every reminder and escalation; if it stops (no worker, a crash at
every run, a paused schedule) nobody is reminded of anything and nobody notices.
Prefect's server can see that: a proactive trigger expects a Completed flow run of
the `sweep` deployment within the window (an hour by default) and, when none comes,
runs the `sweep-alert` deployment, which tells the secretariat through our own
outbox. A per-cycle due date is ours to watch, not Prefect's (the sweep does that).

Created by `nmrf prefect setup` (after `prefect deploy`), or `ensure_sweep_watch()`
with this process's PREFECT_API_URL pointing at the server. Running it again
replaces the automation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

AUTOMATION_NAME = "nmrf: sweep silent"
SWEEP_DEPLOYMENT = "sweep/sweep"
ALERT_DEPLOYMENT = "sweep-alert/sweep-alert"
DEFAULT_WITHIN = 3600.0
# Prefect refuses a proactive `within` under 10 seconds.
MIN_WITHIN = 10.0


def ensure_sweep_watch(*, within_seconds: float = DEFAULT_WITHIN) -> Any:
    """Create (or replace) the automation; returns it. Needs both deployments on the server."""
    # Imported here: Prefect takes 3-5 s to import (measured on the 2-core machine); only what talks to a server pays it.
    from prefect.automations import Automation, EventTrigger, Posture
    from prefect.client.orchestration import get_client
    from prefect.events.actions import RunDeployment

    if within_seconds < MIN_WITHIN:
        raise ValueError(f"the sweep watch window must be at least {MIN_WITHIN:.0f} seconds")
    with get_client(sync_client=True) as client:
        sweep = client.read_deployment_by_name(SWEEP_DEPLOYMENT)
        alert = client.read_deployment_by_name(ALERT_DEPLOYMENT)
    remove_sweep_watch()
    return Automation(
        name=AUTOMATION_NAME,
        description="No sweep completed within the window: alert the secretariat (nmrf/prefect_automation.py).",
        trigger=EventTrigger(
            posture=Posture.Proactive,
            expect={"prefect.flow-run.Completed"},
            match_related={"prefect.resource.id": f"prefect.deployment.{sweep.id}"},
            threshold=1,
            within=timedelta(seconds=within_seconds),
        ),
        actions=[RunDeployment(source="selected", deployment_id=alert.id,
                               parameters={"window_seconds": within_seconds})],
    ).create()


def remove_sweep_watch() -> bool:
    """Delete the automation if it exists; whether one was deleted."""
    # Imported here: Prefect takes 3-5 s to import (measured on the 2-core machine); only what talks to a server pays it.
    from prefect.automations import Automation

    try:
        existing = Automation.read(name=AUTOMATION_NAME)
    except ValueError:
        return False
    return bool(existing.delete())
