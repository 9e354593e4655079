"""The State's reply to a communication: an individual complaint to a treaty body
or regional commission, or a special-procedure letter. Confidential."""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import (
    collect_inputs, compile_draft, hold_dialogue, open_follow_up, receive, request_information,
    run_stages, seek_validation, submit_report,
)

STAGES = (receive, request_information, collect_inputs, compile_draft, seek_validation, submit_report,
          hold_dialogue, open_follow_up)


@flow(name="communication-reply", flow_run_name="communication-reply cycle {cycle_id}")
def communication_reply(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
