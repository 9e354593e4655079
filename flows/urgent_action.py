"""The State's reply to an urgent action of the Committee on Enforced Disappearances (ICPPED art. 30).

A person is missing and the committee asks for the search and investigation measures within about
two weeks: the inputs, the draft and the sign-off are days apart, and the stage's own reminder and
escalation ladder (notifications/default-policy.yaml, stage urgent_action) climbs within days.
Confidential, like every communication.
"""

from __future__ import annotations

from datetime import date

from prefect import flow

from nmrf.flows.stages import answer_urgent_action, receive, request_information, run_stages

STAGES = (receive, request_information, answer_urgent_action)


@flow(name="urgent-action", flow_run_name="urgent-action cycle {cycle_id}")
def urgent_action(cycle_id: int, as_of: date | None = None) -> list[dict]:
    return run_stages(cycle_id, as_of, STAGES)
