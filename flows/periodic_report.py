"""A report to a treaty body or regional commission: initial, periodic or under the
simplified procedure, through the dialogue and the concluding observations."""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import (
    ask_nhri_comment, collect_inputs, compile_draft, consult_civil_society, hold_dialogue,
    open_follow_up, receive, request_information, run_stages, seek_validation, submit_report,
    take_inventory,
)

STAGES = (receive, take_inventory, request_information, collect_inputs, compile_draft,
          consult_civil_society, ask_nhri_comment, seek_validation, submit_report, hold_dialogue,
          open_follow_up)


@flow(name="periodic-report", flow_run_name="periodic-report cycle {cycle_id}")
def periodic_report(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
