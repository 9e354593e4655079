"""/api/v1's regional view: the day across every State the token holder's role covers (the same person key
holding a console role in each State's profile), one line per State, and one State's items when filtered.
The work is nmrf.services.console_region's, as in the console."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from nmrf.web.routes.api_common import Gate, ItemOut, item_out
from nmrf.web.routes.console.common import Console


class StateLineOut(BaseModel):
    code: str
    name: str
    today: date = Field(description="the State's own today, in its time zone")
    late: int
    due_this_week: int
    most_late: int = Field(description="days late of its latest deadline")


class RegionItemOut(ItemOut):
    state: str = Field(description="the State's code")


class RegionOut(BaseModel):
    states: list[StateLineOut]
    chosen: str | None = Field(None, description="the State filtered on, if any")
    late: list[RegionItemOut]
    due_this_week: list[RegionItemOut]


def add_routes(router: APIRouter, c: Console, gate: Gate) -> None:
    @router.get("/region", response_model=RegionOut)
    def api_region(request: Request, state: str | None = None):  # type: ignore[no-untyped-def]
        """Every State the holder covers with what is late and due this week; the items of one State with
        `state` (its code), else the latest across all."""
        from nmrf.services.console_region import covered_states, region_view

        with c.session(readonly=True) as s:
            who = gate.reader(request, s)
            if who is None:
                return gate.unauthorised
            states = covered_states(session=s, person=who.person)
            v = region_view(session=s, states=states, now=c.now(), state_code=(state or "").upper() or None)

        def items(pairs):  # type: ignore[no-untyped-def]
            return [RegionItemOut(**item_out(i).model_dump(), state=st.code) for st, i in pairs]

        return RegionOut(states=[StateLineOut(code=ln.state.code, name=ln.state.name, today=ln.today, late=ln.late,
                                              due_this_week=ln.due_this_week, most_late=ln.most_late)
                                 for ln in v.lines],
                         chosen=v.chosen.code if v.chosen else None, late=items(v.late),
                         due_this_week=items(v.due_this_week))
