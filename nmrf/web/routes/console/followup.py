"""The console's follow-up acts on a recommendation: assign lead and supporting institutions, add an action,
update an action's status. CSRF, the role, the whole form checked before anything is saved (problems beside
their fields); the work is nmrf.services.console_followup's (the same services as the command line).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from nmrf.errors import NmrfError, Problem
from nmrf.web.routes.console.common import Console, forbidden, page, to_sign_in, today_of
from nmrf.web.routes.console.views import show_recommendation


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def gate(request: Request, form: str, csrf: str | None, act: str):  # type: ignore[no-untyped-def]
        from nmrf.services.console_auth import record_refusal

        with c.session(actor="console") as s:
            who = c.who(request, s)
            if who is None:
                return None, to_sign_in()
            # The role first: an observer is shown no form, and a hand-made POST is refused on record.
            if not who.can_act:
                record_refusal(session=s, who=who, act=act, now=c.now())
                return who, forbidden(who, act=act)
            if not c.check_form(csrf, str(who.session_id), form):
                return who, page("console/expired.html", who=who, status=400)
        return who, None

    async def act(request: Request, rec_id: int, form_name: str, what: str, work, field: str):  # type: ignore[no-untyped-def]
        from nmrf.models import Recommendation

        raw = await request.form()
        form = {k: str(v) for k, v in raw.items()}
        form["supporting"] = [str(v) for v in raw.getlist("supporting")]  # type: ignore[assignment]
        who, refused = gate(request, f"{form_name}:{rec_id}", form.get("csrf"), f"{what} (recommendation {rec_id})")
        if refused is not None:
            return refused
        try:
            with c.session(actor=who.actor) as s:
                rec = s.get(Recommendation, rec_id)
                if rec is None or rec.state_id != who.state.id:
                    return page("console/not_found.html", who=who, status=404)
                work(s, who, rec, form)
        except NmrfError as exc:
            return show_recommendation(c, request, rec_id, status=400, fvalues=form,
                                       problems=[Problem(p.message, field=p.field or field) for p in exc.problems])
        return show_recommendation(c, request, rec_id, fsaved=form_name)

    @router.post("/console/recommendations/{rec_id}/assign")
    async def assign(request: Request, rec_id: int) -> Response:
        from nmrf.services.console_followup import assign as do

        def work(s, who, rec, f):  # type: ignore[no-untyped-def]
            do(session=s, state=who.state, recommendation=rec, lead=f.get("lead", ""),
               supporting=f.get("supporting", []), now=c.now(), actor=who.actor)

        return await act(request, rec_id, "assign", "assign institutions", work, "assign-lead")

    @router.post("/console/recommendations/{rec_id}/actions")
    async def add(request: Request, rec_id: int) -> Response:
        from nmrf.services.console_followup import add_action

        def work(s, who, rec, f):  # type: ignore[no-untyped-def]
            add_action(session=s, state=who.state, recommendation=rec, title=f.get("title", ""),
                       due=f.get("due", ""), indicator=f.get("indicator", ""), indicator_kind=f.get("kind", ""),
                       institution=f.get("institution", ""), today=today_of(who.state, c.now()), now=c.now(),
                       actor=who.actor)

        return await act(request, rec_id, "action", "add an action", work, "action-title")

    @router.post("/console/recommendations/{rec_id}/actions/{action_id}")
    async def update(request: Request, rec_id: int, action_id: int) -> Response:
        from nmrf.services.console_followup import update_action

        def work(s, who, rec, f):  # type: ignore[no-untyped-def]
            update_action(session=s, state=who.state, action_id=action_id, status=f.get("status", ""),
                          due=f.get("due", ""), note=f.get("note", ""), now=c.now(), actor=who.actor)

        return await act(request, rec_id, "update", "update an action", work, f"status-{action_id}")

    return router
