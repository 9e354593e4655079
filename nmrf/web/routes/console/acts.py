"""The console's acts, each a form's POST: set an official date (preview, then save), cancel or close a
cycle, record the State's position on a recommendation.

Each form is validated whole on the server, problems shown beside their fields,
nothing saved until it is valid; a form opened before the record changed
(its version field) is refused and the page shows what is there now. A person
without the role gets 403 and the attempt goes on the audit history.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from nmrf.errors import NmrfError, Problem
from nmrf.web.routes.console.common import HEADERS, Console, forbidden, page, to_sign_in
from nmrf.web.routes.console.views import show_cycle, show_recommendation


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _version(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def gate(request: Request, form: str, csrf: str, act: str):  # type: ignore[no-untyped-def]
        """(who, refusal response or None): signed in, form token valid, role allows acting."""
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

    @router.post("/console/cycles/{cycle_id}/official-date")
    def official_date(request: Request, cycle_id: int, key: str = Form(""), day: str = Form(""),
                      source: str = Form(""), version: str = Form(""), confirm: str = Form(""),
                      csrf: str = Form("")) -> Response:
        from nmrf.services.console import StaleForm, preview_official_date
        from nmrf.services.cycles import get_cycle, get_milestone, set_official_date

        who, refused = gate(request, f"official-date:{cycle_id}", csrf, f"set an official date in cycle {cycle_id}")
        if refused is not None:
            return refused
        values = {"key": key, "day": day, "source": source}
        problems = []
        parsed = _day(day)
        if parsed is None:
            problems.append(Problem("Enter the date as YYYY-MM-DD.", field="day"))
        if not source.strip():
            problems.append(Problem("Name the document or notice that set this date.", field="source"))
        if not key:
            problems.append(Problem("Choose the deadline whose date is official.", field="key"))
        try:
            with c.session(actor=who.actor) as s:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
                if key and not problems:
                    get_milestone(session=s, cycle=cycle, key=key)
                if problems:
                    raise _Invalid()
                seen = _version(version)
                if seen is None or abs((cycle.updated_at - seen).total_seconds()) > 0.001:
                    raise StaleForm("This cycle changed since you opened the form: look at its dates now, "
                                    "then enter the official date again.")
                if not confirm:
                    moved = preview_official_date(session=s, cycle=cycle, key=key, day=parsed, source=source,  # type: ignore[arg-type]
                                                  now=c.now(), actor=who.actor)
                    preview = {"moved": moved, **values}
                    raise _Preview(preview)
                moved = set_official_date(session=s, cycle=cycle, key=key, day=parsed, source=source,  # type: ignore[arg-type]
                                          now=c.now(), actor=who.actor)
                saved = [(m.key, m.title, m.due_date) for m in moved]
        except _Invalid:
            return show_cycle(c, request, cycle_id, status=400, problems=problems, values=values)
        except _Preview as p:
            return show_cycle(c, request, cycle_id, preview=p.preview, values=values)
        except StaleForm as exc:
            return show_cycle(c, request, cycle_id, status=409, stale=str(exc), values=values)
        except NmrfError as exc:
            return show_cycle(c, request, cycle_id, status=400, problems=[Problem(str(exc), field="day")],
                              values=values)
        return show_cycle(c, request, cycle_id, saved=saved)

    @router.post("/console/cycles/{cycle_id}/cancel")
    def cancel(request: Request, cycle_id: int, reason: str = Form(""), outcome: str = Form("cancel"),
               version: str = Form(""), csrf: str = Form("")) -> Response:
        from nmrf.services.console import cancel_cycle
        from nmrf.services.cycles import get_cycle

        who, refused = gate(request, f"cancel:{cycle_id}", csrf, f"cancel or close cycle {cycle_id}")
        if refused is not None:
            return refused
        if not reason.strip():
            return show_cycle(c, request, cycle_id, status=400, cancel_values={"reason": reason},
                              problems=[Problem("Say why the cycle ends.", field="reason")])
        try:
            with c.session(actor=who.actor) as s:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
                seen = _version(version)
                if seen is None or abs((cycle.updated_at - seen).total_seconds()) > 0.001:
                    return show_cycle(c, request, cycle_id, status=409, cancel_values={"reason": reason},
                                      stale="This cycle changed since you opened the form: look at it again.")
                cancel_cycle(session=s, cycle=cycle, reason=reason, now=c.now(), actor=who.actor,
                             person_id=who.person.id, close=outcome == "close")
        except NmrfError as exc:
            return show_cycle(c, request, cycle_id, status=400, cancel_values={"reason": reason},
                              problems=[Problem(str(exc), field="reason")])
        return RedirectResponse(f"/console/cycles/{cycle_id}", status_code=303, headers=HEADERS)

    @router.post("/console/recommendations/{rec_id}/position")
    def position(request: Request, rec_id: int, position: str = Form(""), source: str = Form(""),
                 version: str = Form(""), csrf: str = Form("")) -> Response:
        from nmrf.models import Recommendation
        from nmrf.services.console import StaleForm, position_problems, record_position

        who, refused = gate(request, f"position:{rec_id}", csrf, f"record the position on recommendation {rec_id}")
        if refused is not None:
            return refused
        values = {"position": position, "source": source}
        problems = position_problems(position=position, source=source)
        if problems:
            return show_recommendation(c, request, rec_id, status=400, problems=problems, values=values)
        try:
            with c.session(actor=who.actor) as s:
                rec = s.get(Recommendation, rec_id)
                if rec is None or rec.state_id != who.state.id:
                    return page("console/not_found.html", who=who, status=404)
                record_position(session=s, recommendation=rec, position=position, source=source, now=c.now(),
                                actor=who.actor, expected_updated_at=_version(version) or datetime.min)
        except StaleForm as exc:
            return show_recommendation(c, request, rec_id, status=409, stale=str(exc), values=values)
        return show_recommendation(c, request, rec_id, saved=True)

    return router


class _Invalid(Exception):
    pass


class _Preview(Exception):
    def __init__(self, preview: dict) -> None:
        self.preview = preview
