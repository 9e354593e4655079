"""The console's regional view: the day across every State the signed-in person's role covers, one line per
State, and one State's items when filtered (`?state=CL`, a link like every console filter)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from nmrf.web.routes.console.common import Console, page, to_sign_in


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/console/region")
    def region(request: Request, state: str | None = None) -> Response:
        from nmrf.services.console_region import covered_states, region_view

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            states = covered_states(session=s, person=who.person)
            view = region_view(session=s, states=states, now=c.now(), state_code=(state or "").upper() or None)
        return page("console/region.html", who=who, view=view, chosen=(state or "").upper(),
                    sign_out_csrf=c.form_token(str(who.session_id), "sign-out"))

    return router
