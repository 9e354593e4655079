"""The tasks of a reporting cycle, one per stage the secretariat runs.

Each task opens its own transaction, asks the domain what is due for its stage
on `today`, applies it and returns what happened. Re-running a task on the same
day finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from prefect import task

from nmrf.flows.runtime import moment, session
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


@task(task_run_name="inventory {cycle_id}")
def take_inventory(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """List what the report must cover: previous recommendations and concluding observations."""
    return _advance(cycle_id, as_of, ["inventory"])


@task(task_run_name="parliament {cycle_id}")
def involve_parliament(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Alert parliament ahead of the review and ask it to comment on the draft."""
    return _advance(cycle_id, as_of, ["parliament"])


@task(task_run_name="information-request {cycle_id}")
def request_information(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Send the request for information to the focal points, months before the deadline."""
    return _advance(cycle_id, as_of, ["information_request", "coordination"])


@task(task_run_name="receipt {cycle_id}")
def receive(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Note what the mechanism sent: a communication, a list of issues, a visit request."""
    return _advance(cycle_id, as_of, ["receipt"])


@task(task_run_name="inputs {cycle_id}")
def collect_inputs(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Open each institution's input and notice the late ones."""
    return _advance(cycle_id, as_of, ["inputs"])


@task(task_run_name="drafting {cycle_id}")
def compile_draft(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Open drafting once the inputs are in or their deadline has passed."""
    return _advance(cycle_id, as_of, ["drafting"])


@task(task_run_name="consultation {cycle_id}")
def consult_civil_society(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Consult civil society at the right moment of the cycle."""
    return _advance(cycle_id, as_of, ["consultation"])


@task(task_run_name="nhri-comment {cycle_id}")
def ask_nhri_comment(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Send the draft to the NHRI, which comments but never drafts and has no vote."""
    return _advance(cycle_id, as_of, ["nhri_comment"])


@task(task_run_name="validation {cycle_id}")
def seek_validation(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Ask the ministers to sign off the draft."""
    return _advance(cycle_id, as_of, ["validation"])


@task(task_run_name="submission {cycle_id}")
def submit_report(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Watch the submission deadline."""
    return _advance(cycle_id, as_of, ["submission"])


@task(task_run_name="visit {cycle_id}")
def prepare_visit(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Prepare and hold a country visit."""
    return _advance(cycle_id, as_of, ["visit"])


@task(task_run_name="dialogue {cycle_id}")
def hold_dialogue(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """The review or dialogue with the mechanism, and what it sends back."""
    return _advance(cycle_id, as_of, ["dialogue"])


@task(task_run_name="position {cycle_id}")
def state_position(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Gather each ministry's view and state the position on every recommendation."""
    return _advance(cycle_id, as_of, ["position"])


@task(task_run_name="follow-up {cycle_id}")
def open_follow_up(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Plan the follow-up, launch the follow-up cycle and close the cycle when all is done."""
    return _advance(cycle_id, as_of, ["follow_up"])


@task(task_run_name="settle {cycle_id}")
def settle_cycle(cycle_id: int, as_of: date | None = None) -> list[dict]:
    """Catch whatever the stages unblocked for one another, launch follow-up cycles, close the cycle."""
    return _advance(cycle_id, as_of, None)


def run_stages(cycle_id: int, as_of: date | None, tasks: Sequence[Callable[..., list[dict]]]) -> list[dict]:
    """Run the stage tasks in order, then settle the cycle (a later stage can unblock an earlier one)."""
    return [event for t in (*tasks, settle_cycle) for event in t(cycle_id, as_of)]
