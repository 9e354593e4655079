"""Acknowledgement pages: the link in a message opens a page; only its form's POST records.

Corporate mail scanners open every link in incoming mail, so `GET /ack/{token}`
changes nothing: it shows what the escalation is about and a form. The form's
POST carries the token (signed, expiring, for acknowledgements only, usable
once) with the promised date and a note.

Mount with `app.include_router(make_router(settings))` (or the module's `router`, which
reads the settings from the environment on each request).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from nmrf.errors import NmrfError
from nmrf.settings import Settings, get_settings

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
.muted{{color:#555}} label{{display:block;margin-top:1rem}} input,textarea{{font:inherit;width:100%}}
button{{font:inherit;margin-top:1rem;padding:.5rem 1rem}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body), status_code=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _e(value: object) -> str:
    return html.escape(str(value))


def make_router(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None) -> APIRouter:
    """The acknowledgement routes. `clock` (the real one by default) lets a test or a
    demo act on another day."""
    router = APIRouter()
    now = clock or (lambda: datetime.now(UTC))
    state: dict[str, object] = {}

    def conf() -> Settings:
        return settings or get_settings()

    def engine():  # type: ignore[no-untyped-def]
        if "engine" not in state:
            from nmrf.models.db import make_engine

            state["engine"] = make_engine(conf().effective_database_url)
        return state["engine"]

    def read(token: str) -> dict:
        from nmrf.notifications.tokens import read_token, signing_key

        return read_token(signing_key(conf()), token, purpose="ack", now=now())

    def refused(exc: Exception) -> HTMLResponse:
        from nmrf.notifications.tokens import TokenError

        status = 410 if isinstance(exc, TokenError) and exc.reason == "expired" else 400
        return _page("Link not usable", f"<p>{_e(exc)}</p>", status)

    @router.get("/ack/{token}", response_class=HTMLResponse)
    def ack_page(token: str) -> HTMLResponse:
        """The confirmation page. Reads only."""
        from nmrf.models import Cycle, Institution, Milestone, Person
        from nmrf.models.db import session_scope
        from nmrf.notifications.acks import chain_sequence, list_acks
        from nmrf.notifications.tokens import TokenError

        try:
            data = read(token)
        except TokenError as exc:
            return refused(exc)
        with session_scope(engine(), readonly=True) as s:
            m = s.get(Milestone, data["m"])
            person = s.get(Person, data["u"])
            if m is None or person is None:
                return _page("Link not usable", "<p>This item no longer exists.</p>", 404)
            cycle = s.get(Cycle, m.cycle_id)
            inst = s.get(Institution, m.institution_id) if m.institution_id else None
            seq = chain_sequence(session=s, milestone=m)
            today = now().date()
            acks = [a for a in list_acks(session=s, today=today, cycle_id=m.cycle_id)
                    if a.milestone_key == m.key]
            what = f"{_e(m.title)}" + (f" ({_e(inst.name)})" if inst else "")
            head = (f"<p><strong>{what}</strong><br><span class='muted'>{_e(cycle.title)} (cycle #{cycle.id})"
                    f"</span></p><p>Due {_e(m.due_date)}. You: {_e(person.name)}.</p>")
            closed, status = m.is_closed, m.status
        if closed:
            return _page("Nothing to acknowledge", head + f"<p>It is already recorded {_e(status)}.</p>")
        if seq != data["s"]:
            return _page("Link out of date", head + "<p>The deadline was re-dated after this message; "
                         "a newer message carries a new link.</p>", 410)
        shown = "".join(f"<li>{_e(a.by)} on {a.at:%Y-%m-%d}: promised by {_e(a.promised_by or '-')}"
                        f"{(' &mdash; ' + _e(a.note)) if a.note else ''} ({_e(a.status)})</li>" for a in acks)
        friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
        # Relative, so the page works wherever the router is mounted.
        form = ("<form method='post' action='../ack'>"
                f"<input type='hidden' name='token' value='{_e(token)}'>"
                f"<label>By when will it be done?<input type='date' name='promised_by' value='{friday}' required>"
                "</label><label>Note (optional)<textarea name='note' rows='2' maxlength='1000'"
                " placeholder='seen, input by Friday'></textarea></label>"
                "<button type='submit'>Acknowledge</button></form>"
                "<p class='muted'>Nothing is recorded until you press the button. If it is not done by then, "
                "the escalation resumes.</p>")
        earlier = f"<p>Acknowledged before:</p><ul>{shown}</ul>" if shown else ""
        return _page("Acknowledge this escalation", head + earlier + form)

    @router.post("/ack", response_class=HTMLResponse)
    async def ack_submit(request: Request) -> HTMLResponse:
        """Record the acknowledgement the form carries (once per link)."""
        from sqlalchemy.exc import IntegrityError

        from nmrf.models import Milestone, Person
        from nmrf.models.db import session_scope
        from nmrf.notifications.acks import record_ack
        from nmrf.notifications.tokens import TokenError, token_digest

        # The form is urlencoded; parsing it here avoids a multipart dependency.
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        token = form.get("token", "")
        try:
            data = read(token)
        except TokenError as exc:
            return refused(exc)
        from nmrf.domain.dates import parse_day
        from nmrf.domain.text import text_problem

        try:
            promised = parse_day(form["promised_by"], what="date") if form.get("promised_by") else None
        except NmrfError:
            return _page("Not recorded", "<p>The date is not a date (expected YYYY-MM-DD, 1945 to 2200).</p>", 400)
        note_problem = text_problem(form.get("note", "")) if len(form.get("note", "")) <= 4000 else "is too long"
        if note_problem:
            return _page("Not recorded", f"<p>The note {_e(note_problem)}.</p>", 400)
        try:
            with session_scope(engine(), actor="web") as s:
                m = s.get(Milestone, data["m"])
                person = s.get(Person, data["u"])
                if m is None or person is None:
                    return _page("Not recorded", "<p>This item no longer exists.</p>", 404)
                ack = record_ack(session=s, milestone=m, person=person, now=now(),
                                 actor=f"{person.key} (web)", promised_by=promised, note=form.get("note", ""),
                                 via="web", token_digest=token_digest(token), expected_sequence=data["s"])
                title, when = m.title, ack.promised_by
        except IntegrityError:
            return _page("Already recorded", "<p>This link was already used to acknowledge; "
                         "use the newest message's link to give a new date.</p>", 409)
        except NmrfError as exc:
            return _page("Not recorded", f"<p>{_e(exc)}</p>", 409)
        return _page("Acknowledged", f"<p>Recorded: {_e(title)}, promised by {_e(when or 'the policy default')}."
                     "</p><p>The escalation waits until then.</p>")

    return router


router = make_router()
