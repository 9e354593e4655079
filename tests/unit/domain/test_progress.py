"""Deciding what happens next from dates and statuses alone (pure)."""

from __future__ import annotations

from datetime import date

from nmrf.domain.progress import MilestoneState, is_complete, next_steps


def ms(key, status="planned", completion="person", due=None, after=(), waits=(), track=True, missed=False,
       stage="inputs", opens=None):
    return MilestoneState(key=key, template_key=key.split(":")[0], stage=stage, status=status, completion=completion,
                          due_date=due, opens_on=opens, depends_on=tuple(after), waits_for=tuple(waits),
                          track=track, missed=missed)


def test_a_system_milestone_completes_on_its_date_and_not_before():
    request = ms("info_request", completion="system", due=date(2027, 4, 1), stage="information_request")
    assert next_steps([request], date(2027, 3, 31)) == []
    [step] = next_steps([request], date(2027, 4, 1))
    assert (step.action, step.key) == ("complete", "info_request")


def test_inputs_open_once_the_request_is_sent():
    request = ms("info_request", completion="system", due=date(2027, 4, 1))
    inputs = [ms("input:health", due=date(2027, 6, 1), after=["info_request"]),
              ms("input:labour", due=date(2027, 6, 1), after=["info_request"])]
    assert [s.action for s in next_steps([request, *inputs], date(2027, 3, 1))] == []
    sent = ms("info_request", status="done", completion="system", due=date(2027, 4, 1))
    assert sorted(s.key for s in next_steps([sent, *inputs], date(2027, 4, 2))) == ["input:health", "input:labour"]


def test_drafting_waits_for_inputs_until_they_are_in_or_past_due():
    draft = ms("draft", due=date(2027, 7, 23), waits=["input"], stage="drafting")
    health = ms("input:health", status="done", due=date(2027, 6, 1))
    labour = ms("input:labour", status="open", due=date(2027, 6, 1))
    assert not [s for s in next_steps([draft, health, labour], date(2027, 6, 1)) if s.key == "draft"]
    assert [s.action for s in next_steps([draft, health, labour], date(2027, 6, 2)) if s.key == "draft"] == ["open"]


def test_a_missed_deadline_is_noticed_once_per_due_date():
    labour = ms("input:labour", status="open", due=date(2027, 6, 1))
    [step] = next_steps([labour], date(2027, 6, 2))
    assert (step.action, step.reason) == ("miss", "due 2027-06-01")
    noticed = ms("input:labour", status="open", due=date(2027, 6, 1), missed=True)
    assert next_steps([noticed], date(2027, 6, 20)) == []


def test_untracked_and_closed_milestones_are_never_missed():
    meeting = ms("consultation", completion="date", due=date(2027, 6, 1), track=False, stage="consultation")
    done = ms("input:health", status="done", due=date(2027, 6, 1))
    waived = ms("input:labour", status="waived", due=date(2027, 6, 1))
    steps = next_steps([meeting, done, waived], date(2027, 6, 2))
    assert [(s.action, s.key) for s in steps] == [("complete", "consultation")]


def test_stages_limit_the_steps_to_their_own_milestones():
    request = ms("info_request", completion="system", due=date(2027, 4, 1), stage="information_request")
    late = ms("input:labour", status="open", due=date(2027, 3, 1))
    assert [s.key for s in next_steps([request, late], date(2027, 4, 1), stages=["inputs"])] == ["input:labour"]


def test_a_cycle_is_complete_when_every_milestone_is_closed():
    assert is_complete([ms("a", status="done"), ms("b", status="waived"), ms("c", status="cancelled")])
    assert not is_complete([ms("a", status="done"), ms("b", status="open")])
    assert not is_complete([])
