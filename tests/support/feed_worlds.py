"""A small world for the feed tests: Chile's example profile with two cycles, links, a movable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from nmrf.models.db import session_scope

LAUNCH = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
CEDAW_DUE = date(2027, 10, 1)
UPR_REVIEW = date(2028, 5, 1)


@dataclass
class World:
    engine: Engine
    cedaw: int
    upr: int


def launch_world(engine: Engine) -> World:
    from nmrf.services.cycles import launch_cycle
    from nmrf.services.people import get_state

    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        cedaw = launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                             dates={"submission": CEDAW_DUE}, sources={"submission": "CO para 60"},
                             now=LAUNCH, actor="test")
        upr = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                           dates={"review": UPR_REVIEW}, sources={"review": "WG calendar"}, now=LAUNCH,
                           actor="test")
        return World(engine=engine, cedaw=cedaw.cycle.id, upr=upr.cycle.id)


def issue(engine: Engine, person: str, *, scope: str = "person", institution: str | None = None,
          cycle: int | None = None, now: datetime = LAUNCH) -> str:
    from nmrf.calendars.links import Subject, issue_link
    from nmrf.services.cycles import get_cycle
    from nmrf.services.people import get_institution, get_person, get_state

    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        holder = get_person(session=s, state=state, key=person)
        subject = Subject(scope, holder,
                          institution=get_institution(session=s, state=state, key=institution) if institution else None,
                          cycle=get_cycle(session=s, state=state, ref=cycle) if cycle else None)
        _, token = issue_link(session=s, subject=subject, now=now, actor="test")
    return token


class Clock:
    """A clock the test moves; the server asks it for `now`."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment
