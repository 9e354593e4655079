"""A fixed world for the tests of the institutional work: Chile's example profile, a CEDAW
report and a UPR review, a meeting, a quarterly plenary series, costs in three currencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from nmrf.models.db import session_scope

LAUNCH = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
CEDAW_DUE = date(2027, 10, 1)
UPR_REVIEW = date(2028, 5, 1)


@dataclass
class PlanWorld:
    engine: Engine
    cedaw: int
    upr: int


def build_plan_world(engine: Engine) -> PlanWorld:
    from nmrf.calendars.meetings import local_time, schedule_meeting
    from nmrf.calendars.series import schedule_series
    from nmrf.services.costs import add_cost
    from nmrf.services.cycles import get_milestone, launch_cycle
    from nmrf.services.people import get_state

    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        cedaw = launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                             dates={"submission": CEDAW_DUE}, now=LAUNCH, actor="test").cycle
        upr = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                           dates={"review": UPR_REVIEW}, now=LAUNCH, actor="test").cycle
        meeting = schedule_meeting(session=s, state=state, key="consultation-2027-06", kind="consultation",
                                   title="Consultation with civil society on the CEDAW report",
                                   starts_at=local_time("2027-06-15 10:00", "America/Santiago"), minutes=180,
                                   timezone="America/Santiago", roles=["cso_contact", "secretariat"], now=LAUNCH)
        series = schedule_series(session=s, state=state, key="plenary", kind="plenary", title="Plenary of the NMRF",
                                 frequency="quarterly", first_date=date(2027, 3, 5), start_time="09:00",
                                 timezone="America/Santiago", roles=["secretariat", "focal_point"], now=LAUNCH)
        submission = get_milestone(session=s, cycle=cedaw, key="submission")
        add_cost(session=s, state=state, milestone=submission, amount="1200000", currency="CLP",
                 budget_line="translation", description="Translation of the report into English", now=LAUNCH,
                 actor="test")
        add_cost(session=s, state=state, milestone=submission, amount="850.50", currency="USD",
                 budget_line="printing", description="Printing", now=LAUNCH, actor="test")
        add_cost(session=s, state=state, meeting=meeting, amount="300000", currency="CLP",
                 budget_line="consultations", description="Room and interpretation", now=LAUNCH, actor="test")
        add_cost(session=s, state=state, series=series, amount="50000", currency="CLP", budget_line="meetings",
                 description="Catering", falls_on=date(2027, 6, 5), now=LAUNCH, actor="test")
        add_cost(session=s, state=state, cycle=upr, amount="4200.00", currency="CHF", budget_line="travel",
                 description="Delegation to Geneva", falls_on=date(2028, 5, 1), now=LAUNCH, actor="test")
        add_cost(session=s, state=state, meeting=meeting, amount="280000", currency="CLP",
                 budget_line="consultations", description="Room and interpretation (paid)", basis="actual",
                 now=LAUNCH, actor="test")
        return PlanWorld(engine=engine, cedaw=cedaw.id, upr=upr.id)


D = Decimal
