"""The console's changes to a running cycle: remove an institution or a member, and edit the cycle's lead
times (the page first shows what moves, then saves). CSRF, the role, a stale form refused (409) with the
cycle as it is now; the work is in nmrf.services.cycle_changes.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError, Problem
from nmrf.web.routes.console.common import Console, forbidden, page, to_sign_in
from nmrf.web.routes.console.views import show_cycle

STALE = N_("This cycle changed since you opened the form: look at it again.")


def _stale(cycle, version: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        seen = datetime.fromisoformat(version)
    except ValueError:
        return True
    return abs((cycle.updated_at - seen).total_seconds()) > 0.001


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def gate(request: Request, form: str, csrf: str | None, act: str):  # type: ignore[no-untyped-def]
        from nmrf.services.console_auth import record_refusal

        with c.session(actor="console") as s:
            who = c.who(request, s)
            if who is None:
                return None, to_sign_in()
            if not c.check_form(csrf, str(who.session_id), form):
                return who, page("console/expired.html", who=who, status=400)
            if not who.can_act:
                record_refusal(session=s, who=who, act=act, now=c.now())
                return who, forbidden(who, act=act)
        return who, None

    @router.post("/console/cycles/{cycle_id}/remove")
    async def remove(request: Request, cycle_id: int) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        who, refused = gate(request, f"remove:{cycle_id}", form.get("csrf"),
                            f"remove an institution or a member from cycle {cycle_id}")
        if refused is not None:
            return refused
        target, reason = form.get("who", ""), form.get("reason", "")
        problems = []
        if ":" not in target:
            problems.append(Problem(N_("Choose who leaves the cycle."), field="remove-who"))
        if not reason.strip():
            problems.append(Problem(N_("Say why they leave the cycle."), field="remove-reason"))
        if problems:
            return show_cycle(c, request, cycle_id, status=400, problems=problems, lead_values=form)
        kind, key = target.split(":", 1)
        from nmrf.services.cycle_changes import remove_institution, remove_member
        from nmrf.services.cycles import get_cycle
        from nmrf.services.people import get_institution, get_person

        stale, unowned = False, []
        try:
            with c.session(actor=who.actor) as s:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
                if _stale(cycle, form.get("version", "")):
                    stale = True
                elif kind == "institution":
                    left = len(remove_institution(session=s, cycle=cycle, reason=reason, now=c.now(),
                                                  institution=get_institution(session=s, state=who.state, key=key),
                                                  actor=who.actor, person_id=who.person.id))
                else:
                    removal = remove_member(session=s, cycle=cycle, reason=reason, now=c.now(), actor=who.actor,
                                            person=get_person(session=s, state=who.state, key=key),
                                            person_id=who.person.id)
                    left, unowned = 0, [(m.key, m.title) for m in removal.unowned]
        except NmrfError as exc:
            return show_cycle(c, request, cycle_id, status=400, lead_values=form,
                              problems=[Problem(p.message, field=p.field or "remove-who") for p in exc.problems])
        if stale:
            return show_cycle(c, request, cycle_id, status=409, stale=STALE, lead_values=form)
        return show_cycle(c, request, cycle_id, left=left, unowned=unowned)

    @router.post("/console/cycles/{cycle_id}/lead-times")
    async def leads(request: Request, cycle_id: int) -> Response:
        from nmrf.services.cycle_changes import parse_lead_times, preview_lead_times, set_lead_times
        from nmrf.services.cycles import get_cycle

        form = {k: str(v) for k, v in (await request.form()).items()}
        who, refused = gate(request, f"lead-times:{cycle_id}", form.get("csrf"),
                            f"change the lead times of cycle {cycle_id}")
        if refused is not None:
            return refused
        # Each answer is chosen inside the session and rendered after it ends (the preview's writes are
        # rolled back by then; no page is drawn while a write transaction is open).
        try:
            with c.session(actor=who.actor) as s:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
                offsets, problems = parse_lead_times(cycle=cycle, form=form)
                if problems:
                    answer = {"status": 400, "problems": problems}
                elif _stale(cycle, form.get("version", "")):
                    answer = {"status": 409, "stale": STALE}
                elif not form.get("confirm"):
                    answer = {"lead_preview": preview_lead_times(session=s, cycle=cycle, offsets=offsets,
                                                                 now=c.now(), actor=who.actor)}
                else:
                    moved = set_lead_times(session=s, cycle=cycle, offsets=offsets, now=c.now(), actor=who.actor)
                    answer = {"lead_saved": len(moved)}
        except NmrfError as exc:
            answer = {"status": 400, "problems": [Problem(p.message, field=p.field) for p in exc.problems]}
        if "lead_saved" in answer:
            return show_cycle(c, request, cycle_id, **answer)
        return show_cycle(c, request, cycle_id, lead_values=form, **answer)

    return router
