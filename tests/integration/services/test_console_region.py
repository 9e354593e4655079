"""A regional office's day across States on a real database: two States (Chile and Uruguay, each from the
example profile), the same person key holding a console role in both; each State's line agrees with that
State's own day's view, and the State filter shows only its items."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from tests.support.notify import write_profile

from nmrf.domain.clock import moment
from nmrf.models import Person, State
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services.console import today_view
from nmrf.services.console_region import covered_states, region_view
from nmrf.services.cycles import launch_cycle
from nmrf.services.profiles import apply_profile

pytestmark = pytest.mark.both_databases
NOW = datetime(2027, 9, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def two_states(engine, tmp_path):  # type: ignore[no-untyped-def]
    def uruguay(data):  # type: ignore[no-untyped-def]
        data["state"].update(code="UY", name="Uruguay", timezone="America/Montevideo")
        data["state"]["holidays"] = {"country": "UY"}
        data["people"] = [p for p in data["people"] if p["key"] != "tomas-silva"]  # he follows Chile only

    _, now = moment(date(2027, 3, 1), "America/Santiago")
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(write_profile(tmp_path, edit=uruguay)), now=now)
    with session_scope(engine, actor="test") as s:
        for code, review in (("CL", date(2028, 5, 1)), ("UY", date(2028, 1, 20))):
            state = s.exec(select(State).where(State.code == code)).one()
            launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR", dates={"review": review},
                         sources={"review": "HRC UPR calendar"}, now=now, actor="test")
    return engine


def test_each_states_line_agrees_with_its_own_days_view_and_the_filter_shows_one_state(two_states):  # type: ignore[no-untyped-def]
    with session_scope(two_states, readonly=True) as s:
        ana = s.exec(select(Person).where(Person.key == "ana-rojas")).first()
        states = covered_states(session=s, person=ana)
        assert [st.code for st in states] == ["CL", "UY"]
        tomas = s.exec(select(Person).where(Person.key == "tomas-silva")).one()
        assert [st.code for st in covered_states(session=s, person=tomas)] == ["CL"]
        region = region_view(session=s, states=states, now=NOW)
        assert any(ln.late for ln in region.lines), "the example cycles have late deadlines at NOW"
        for ln in region.lines:
            own = today_view(session=s, state=ln.state, today=NOW.astimezone(ZoneInfo(ln.state.timezone)).date(),
                             inventory=False)
            assert (ln.late, ln.due_this_week) == (len(own.late), len(own.due_this_week)), ln.state.code
            assert ln.most_late == max((i.days_late for i in own.late), default=0)
        assert len(region.late) == sum(ln.late for ln in region.lines)
        days = [i.days_late for _, i in region.late]
        assert days == sorted(days, reverse=True)
        uy = region_view(session=s, states=states, now=NOW, state_code="UY")
        assert uy.chosen.code == "UY" and {st.code for st, _ in uy.late + uy.due_this_week} <= {"UY"}
        own = today_view(session=s, state=uy.chosen, today=NOW.astimezone(ZoneInfo("America/Montevideo")).date(),
                         inventory=False)
        assert sorted(i.milestone_id for _, i in uy.late) == sorted(i.milestone_id for i in own.late)
        assert {tuple(i.owners) for _, i in uy.late} == {tuple(i.owners) for i in own.late}
