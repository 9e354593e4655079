"""A country visit: a special procedure's (request, visit, report to the Council)
or the Subcommittee on Prevention of Torture's (visit, confidential report, reply)."""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import (
    collect_inputs, compile_draft, hold_dialogue, open_follow_up, prepare_visit, receive,
    request_information, run_stages, seek_validation, submit_report,
)

STAGES = (receive, collect_inputs, prepare_visit, request_information, compile_draft, seek_validation,
          submit_report, hold_dialogue, open_follow_up)


@flow(name="country-visit", flow_run_name="country-visit cycle {cycle_id}")
def country_visit(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
