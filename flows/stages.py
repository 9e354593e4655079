"""The tasks of a reporting cycle, one per stage the secretariat runs.

Each task opens its own transaction, asks the domain what is due for its stage
on `today`, applies it and returns what happened. Re-running a task on the same
day finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from prefect import Task, task

from nmrf.domain.clock import moment
from nmrf.flows.inline import call
from nmrf.flows.runtime import session
from nmrf.models import Cycle, State
from nmrf.services.cycles import advance_cycle


def _advance(cycle_id: int, as_of: date | None, stages: Sequence[str] | None) -> list[dict]:
    with session() as s:
        cycle = s.get(Cycle, cycle_id)
        if cycle is None:
            raise ValueError(f"no cycle {cycle_id}")
        state = s.get(State, cycle.state_id)
        today, now = moment(as_of, state.timezone)
        events = advance_cycle(session=s, cycle=cycle, today=today, now=now, stages=stages)
        return [{"cycle_id": e.cycle_id, "kind": e.kind, "on": e.on_date.isoformat(), **e.detail} for e in events]


def _stage_task(name: str, stages: tuple[str, ...], doc: str) -> Task:
    def advance_stages(cycle_id: int, as_of: date | None = None) -> list[dict]:
        return _advance(cycle_id, as_of, stages)

    advance_stages.__doc__ = doc
    t = task(advance_stages, name=name, task_run_name=f"{name} {{cycle_id}}")
    t.stages = stages  # type: ignore[attr-defined]  (read by the tests: every stage has its task)
    return t


take_inventory = _stage_task(
    "take_inventory", ("inventory",),
    "List what the report must cover: previous recommendations and concluding observations.")
involve_parliament = _stage_task(
    "involve_parliament", ("parliament",),
    "Alert parliament ahead of the review and ask it to comment on the draft.")
request_information = _stage_task(
    "request_information", ("information_request", "coordination"),
    "Send the request for information to the focal points, months before the deadline.")
receive = _stage_task(
    "receive", ("receipt",),
    "Note what the mechanism sent: a communication, a list of issues, a visit request.")
collect_inputs = _stage_task(
    "collect_inputs", ("inputs",),
    "Open each institution's input and notice the late ones.")
compile_draft = _stage_task(
    "compile_draft", ("drafting",),
    "Open drafting once the inputs are in or their deadline has passed.")
consult_civil_society = _stage_task(
    "consult_civil_society", ("consultation",),
    "Consult civil society at the right moment of the cycle.")
ask_nhri_comment = _stage_task(
    "ask_nhri_comment", ("nhri_comment",),
    "Send the draft to the NHRI, which comments but never drafts and has no vote.")
seek_validation = _stage_task(
    "seek_validation", ("validation",),
    "Ask the ministers to sign off the draft.")
submit_report = _stage_task(
    "submit_report", ("submission",),
    "Watch the submission deadline.")
prepare_visit = _stage_task(
    "prepare_visit", ("visit",),
    "Prepare and hold a country visit.")
hold_dialogue = _stage_task(
    "hold_dialogue", ("dialogue",),
    "The review or dialogue with the mechanism, and what it sends back.")
state_position = _stage_task(
    "state_position", ("position",),
    "Gather each ministry's view and state the position on every recommendation.")
answer_urgent_action = _stage_task(
    "answer_urgent_action", ("urgent_action",),
    "Gather the search and investigation measures, draft and sign off within the days an urgent action allows.")
open_follow_up = _stage_task(
    "open_follow_up", ("follow_up",),
    "Plan the follow-up, launch the follow-up cycle and close the cycle when all is done.")


@task(task_run_name="settle {cycle_id}")
def settle_cycle(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Catch whatever the stages unblocked for one another, launch follow-up cycles, close the cycle."""
    return _advance(cycle_id, as_of, None)


def run_stages(cycle_id: int, as_of: date | None, tasks: Sequence[Callable[..., list[dict]]]) -> list[dict]:
    """Run the stage tasks in order, then settle the cycle (a later stage can unblock an earlier one).

    In a flow run each is a task run; called as `flow.fn` (no server), each is its plain function."""
    return [event for t in (*tasks, settle_cycle) for event in call(t, cycle_id, as_of)]
