"""A follow-up report: on the recommendations a committee selected, or on Views
adopted in an individual communication."""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import (
    collect_inputs, compile_draft, open_follow_up, receive, request_information, run_stages,
    seek_validation, submit_report,
)

STAGES = (receive, request_information, collect_inputs, compile_draft, seek_validation, submit_report,
          open_follow_up)


@flow(name="follow-up-report", flow_run_name="follow-up-report cycle {cycle_id}")
def follow_up_report(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
