"""After each dialogue or review: the head of delegation's debriefing, and a meeting proposed for it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from nmrf.models import Milestone
from nmrf.models.db import session_scope
from nmrf.services.cycles import launch_cycle, set_official_date
from nmrf.services.people import get_state
from tests.conftest import NOW


def within(day: date, target: date) -> bool:
    return target - timedelta(days=4) <= day <= target and day.weekday() < 5


@pytest.mark.parametrize("template, mechanism, dates, dialogue", [
    ("periodic_report", "CEDAW", {"submission": date(2027, 10, 1)}, "dialogue"),
    ("upr_review", "UPR", {"review": date(2028, 5, 1)}, "review"),
])
def test_a_debriefing_and_a_proposed_meeting_follow_the_dialogue_and_move_with_it(loaded, template, mechanism,
                                                                                 dates, dialogue):
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        cycle = launch_cycle(session=s, state=state, template=template, mechanism=mechanism, dates=dates, now=NOW,
                             actor="test").cycle
        ms = {m.key: m for m in s.exec(select(Milestone).where(Milestone.cycle_id == cycle.id))}
        held = ms[dialogue].due_date
        # Internal deadlines fall on the working day before a weekend or holiday.
        assert within(ms["debriefing"].due_date, held + timedelta(weeks=3))
        assert (ms["debriefing"].owner_role, ms["debriefing"].track) == ("head_of_secretariat", True)
        meeting = ms["debriefing_meeting"]
        assert meeting.kind == "meeting" and within(meeting.due_date, held + timedelta(weeks=2))
        assert {"nhri_contact", "cso_contact", "focal_point"} <= set(meeting.audience_roles)
        assert meeting.starts_at is not None and meeting.timezone == "America/Santiago"
        meeting_day = meeting.due_date
        set_official_date(session=s, cycle=cycle, key=dialogue, day=held + timedelta(days=7), source="programme",
                          now=NOW, actor="test")
        s.refresh(ms["debriefing_meeting"])
        assert within(ms["debriefing_meeting"].due_date, held + timedelta(days=7, weeks=2))
        assert ms["debriefing_meeting"].due_date > meeting_day
