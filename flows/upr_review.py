"""The Universal Periodic Review of a State, from parliament's alert ten months ahead
to the follow-up plan after the Human Rights Council adopts the outcome."""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import (
    ask_nhri_comment, collect_inputs, compile_draft, consult_civil_society, hold_dialogue,
    involve_parliament, open_follow_up, request_information, run_stages, seek_validation,
    state_position, submit_report, take_inventory,
)

STAGES = (take_inventory, involve_parliament, request_information, collect_inputs, compile_draft,
          consult_civil_society, ask_nhri_comment, seek_validation, submit_report, hold_dialogue,
          state_position, open_follow_up)


@flow(name="upr-review", flow_run_name="upr-review cycle {cycle_id}")
def upr_review(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
