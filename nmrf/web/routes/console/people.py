"""The console's people and institutions: who holds which role, their addresses (secrets masked), their
feed and personal-page links (issue, rotate, revoke: each an act with CSRF, on the record), and the roles
nobody holds.

The routes only read the form, call nmrf.services.console_people and render; a new link goes to its holder
through the outbox and is sent at once, never shown on the page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from nmrf.errors import NmrfError, Problem
from nmrf.web.routes.console.common import Console, forbidden, page, to_sign_in


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def show(request: Request, *, status: int = 200, **extra) -> Response:  # type: ignore[no-untyped-def]
        from nmrf.domain import wording
        from nmrf.domain.i18n import translator
        from nmrf.services.console_people import people_view, unheld_roles

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            rows = people_view(session=s, state=who.state)
            missing = unheld_roles(session=s, state=who.state)
        t = translator(who.person.language, fallback=who.state.language)
        csrf = {r.person.key: c.form_token(str(who.session_id), f"links:{r.person.key}") for r in rows}
        return page("console/people.html", who=who, status=status, rows=rows, missing=missing, csrf=csrf,
                    role=lambda role: wording.role_label(t, role),
                    inst_name=lambda inst: wording.name(t, inst.names, inst.name),
                    sign_out_csrf=c.form_token(str(who.session_id), "sign-out"), **extra)

    @router.get("/console/people")
    def people(request: Request) -> Response:
        return show(request)

    @router.post("/console/people/{person_key}/links")
    async def links(request: Request, person_key: str) -> Response:
        from nmrf.services.console_auth import record_refusal
        from nmrf.services.console_people import change_link, link_problems

        form = {k: str(v) for k, v in (await request.form()).items()}
        with c.session(actor="console") as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            # The role first: an observer is shown no form, and a hand-made POST is refused on record.
            if not who.can_act:
                act = f"change the links of {person_key}"
                record_refusal(session=s, who=who, act=act, now=c.now())
                return forbidden(who, act=act)
            if not c.check_form(form.get("csrf"), str(who.session_id), f"links:{person_key}"):
                return page("console/expired.html", who=who, status=400)
        kind, action, reason = form.get("kind", ""), form.get("action", ""), form.get("reason", "")
        problems = [_here(p, person_key) for p in link_problems(kind=kind, action=action, reason=reason)]
        if problems:
            return show(request, status=400, problems=problems, person_key=person_key, values=form)

        def act() -> int | None:
            with c.session(actor=who.actor) as s:
                return change_link(session=s, state=who.state, person_key=person_key, kind=kind, action=action,
                                   reason=reason, now=c.now(), actor=who.actor, public_url=c.conf().public_url)

        try:
            message_id = await run_in_threadpool(act)
        except NmrfError as exc:
            return show(request, status=400, person_key=person_key, values=form,
                        problems=[Problem(p.message, field=f"action-{person_key}") for p in exc.problems])
        if message_id is not None:
            await run_in_threadpool(c.deliver_now, message_id)
        return show(request, done={"person": person_key, "kind": kind, "action": action})

    return router


def _here(problem: Problem, person_key: str) -> Problem:
    """A problem pointed at the field of this person's form (each person's form has its own ids)."""
    field = {"link-action": "action", "link-reason": "reason"}.get(problem.field or "", "action")
    return Problem(problem.message, field=f"{field}-{person_key}")
