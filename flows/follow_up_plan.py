"""A follow-up plan: the actions that answer one cluster of recommendations.

Each action is a milestone of the plan's cycle; this flow opens them, notices
the late ones (a "missed" event, which reminders and escalations act on) and
closes the plan when every action is done or cancelled.
"""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import open_follow_up, run_stages

STAGES = (open_follow_up,)


@flow(name="follow-up-plan", flow_run_name="follow-up-plan cycle {cycle_id}")
def follow_up_plan(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
