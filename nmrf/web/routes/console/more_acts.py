"""The console's other acts on cycles: record an act on someone's behalf (with a document as evidence or as
the input itself), add an institution to a running cycle, launch a cycle from a line of the inventory.

Same rules as every console form: CSRF, the role, the whole form valid or nothing saved, problems beside
their fields, a stale form refused.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError, Problem
from nmrf.web.routes.console.common import HEADERS, Console, forbidden, page, to_sign_in, today_of
from nmrf.web.routes.console.views import show_cycle
from nmrf.web.uploads import UploadRefused, read_form


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

    @router.post("/console/cycles/{cycle_id}/record")
    async def record(request: Request, cycle_id: int) -> Response:
        try:
            posted = await read_form(request)
        except UploadRefused:
            return show_cycle(c, request, cycle_id, status=413,
                              problems=[Problem(N_("The file is too large."), field="evidence")])
        f = posted.fields
        who, refused = gate(request, f"record:{cycle_id}", f.get("csrf"), f"record an act in cycle {cycle_id}")
        if refused is not None:
            return refused
        values = {"key": f.get("key", ""), "by": f.get("by", ""), "note": f.get("note", "")}
        problems = []
        if not values["key"]:
            problems.append(Problem(N_("Choose what was done."), field="record-key"))
        if not values["by"]:
            problems.append(Problem(N_("Choose on whose behalf you record it."), field="record-by"))
        if problems:
            return show_cycle(c, request, cycle_id, status=400, problems=problems, record_values=values)

        def act():  # type: ignore[no-untyped-def]
            from nmrf.services.cycles import advance_cycle, get_cycle, get_milestone, record_action
            from nmrf.services.documents import hand_in_document, store_document

            with c.session(actor=who.actor) as s:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
                m = get_milestone(session=s, cycle=cycle, key=values["key"])
                data = {"via": "console", "recorded_by": who.actor, "on_behalf_of": values["by"]}
                if posted.data and m.stage == "inputs" and m.institution_id is not None:
                    hand_in_document(session=s, cycle=cycle, milestone=m, data=posted.data,
                                     file_name=posted.file_name or "document", recorded_by=who.actor,
                                     on_behalf_of=values["by"], via="console", now=c.now(), by=values["by"],
                                     note=values["note"])
                else:
                    if posted.data:
                        doc = store_document(session=s, cycle=cycle, milestone=m, data=posted.data,
                                             file_name=posted.file_name or "evidence", role="evidence",
                                             recorded_by=who.actor, on_behalf_of=values["by"], via="console",
                                             now=c.now())
                        data |= {"evidence_id": doc.id, "evidence_sha256": doc.sha256}
                    record_action(session=s, cycle=cycle, key=m.key, kind="done", by=values["by"],
                                  note=values["note"], now=c.now(), actor=who.actor, data=data)
                advance_cycle(session=s, cycle=cycle, today=today_of(who.state, c.now()), now=c.now())
                return m.title

        try:
            title = await run_in_threadpool(act)
        except NmrfError as exc:
            return show_cycle(c, request, cycle_id, status=400, record_values=values,
                              problems=[Problem(p.message, field="record-key") for p in exc.problems])
        return show_cycle(c, request, cycle_id, recorded=title)

    @router.post("/console/cycles/{cycle_id}/institutions")
    async def join(request: Request, cycle_id: int) -> Response:
        form = await request.form()
        key, csrf = str(form.get("institution", "")), str(form.get("csrf", ""))
        who, refused = gate(request, f"join:{cycle_id}", csrf, f"add an institution to cycle {cycle_id}")
        if refused is not None:
            return refused
        if not key:
            return show_cycle(c, request, cycle_id, status=400,
                              problems=[Problem(N_("Choose the institution."), field="join-institution")])

        def act():  # type: ignore[no-untyped-def]
            from nmrf.services.cycles import add_institution, get_cycle
            from nmrf.services.people import get_institution

            with c.session(actor=who.actor) as s:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
                added = add_institution(session=s, cycle=cycle,
                                        institution=get_institution(session=s, state=who.state, key=key),
                                        today=today_of(who.state, c.now()), now=c.now(), actor=who.actor)
                return [(m.key, m.title, m.due_date) for m in added]

        try:
            added = await run_in_threadpool(act)
        except NmrfError as exc:
            return show_cycle(c, request, cycle_id, status=400,
                              problems=[Problem(p.message, field="join-institution") for p in exc.problems])
        return show_cycle(c, request, cycle_id, joined=added)

    @router.get("/console/launch")
    def launch_form(request: Request, line: int | None = None) -> Response:
        return _launch_page(request, line)

    def _launch_page(request: Request, line: int | None, *, status: int = 200, **extra) -> Response:  # type: ignore[no-untyped-def]
        from nmrf.services.console import launchable

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            lines = launchable(session=s, state=who.state, today=today_of(who.state, c.now()))
        chosen = lines[line] if line is not None and 0 <= line < len(lines) else None
        return page("console/launch.html", who=who, status=status, lines=lines, chosen=chosen, line=line,
                    csrf=c.form_token(str(who.session_id), "launch"),
                    sign_out_csrf=c.form_token(str(who.session_id), "sign-out"), **extra)

    @router.post("/console/launch")
    async def launch(request: Request) -> Response:
        from nmrf.services.console import launchable

        form = {k: str(v) for k, v in (await request.form()).items()}
        who, refused = gate(request, "launch", form.get("csrf"), "launch a cycle")
        if refused is not None:
            return refused
        line = int(form["line"]) if form.get("line", "").isdigit() else None
        with c.session(readonly=True) as s:
            lines = launchable(session=s, state=who.state, today=today_of(who.state, c.now()))
        if line is None or not 0 <= line < len(lines):
            return _launch_page(request, None, status=400,
                                problems=[Problem(N_("Choose a line of the inventory."), field="line")])
        chosen = lines[line]
        dates, sources, problems = {}, {}, []
        for anchor in chosen["anchors"]:
            raw = form.get(f"date-{anchor}", "").strip()
            try:
                dates[anchor] = date.fromisoformat(raw)
            except ValueError:
                problems.append(Problem(N_("Enter the date as YYYY-MM-DD."), field=f"date-{anchor}"))
            source = form.get(f"source-{anchor}", "").strip()
            if not source:
                problems.append(Problem(N_("Name the document or notice that set this date."),
                                        field=f"source-{anchor}"))
            sources[anchor] = source
        if problems:
            return _launch_page(request, line, status=400, problems=problems, values=form)

        def act():  # type: ignore[no-untyped-def]
            from nmrf.services.cycles import launch_cycle

            with c.session(actor=who.actor) as s:
                got = launch_cycle(session=s, state=who.state, template=chosen["template"],
                                   mechanism=chosen["mechanism"], dates=dates, sources=sources, now=c.now(),
                                   actor=who.actor, reason=form.get("reason") or None)
                return got.cycle.id

        try:
            cycle_id = await run_in_threadpool(act)
        except NmrfError as exc:
            return _launch_page(request, line, status=400, values=form,
                                problems=[Problem(p.message, field="reason") for p in exc.problems])
        return RedirectResponse(f"/console/cycles/{cycle_id}", status_code=303, headers=HEADERS)

    return router
