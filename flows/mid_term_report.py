"""The voluntary UPR mid-term report, two years after the review."""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import (
    ask_nhri_comment, collect_inputs, compile_draft, hold_dialogue, open_follow_up,
    request_information, run_stages, seek_validation, submit_report, take_inventory,
)

STAGES = (hold_dialogue, take_inventory, request_information, collect_inputs, compile_draft,
          ask_nhri_comment, seek_validation, submit_report, open_follow_up)


@flow(name="mid-term-report", flow_run_name="mid-term-report cycle {cycle_id}")
def mid_term_report(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
