"""Acknowledgement pages: the link in a message opens a page; only its form's POST records.

Corporate mail scanners open every link in incoming mail, so `GET /ack/{token}`
changes nothing: it shows what the escalation is about and a form. The form's
POST carries the token (signed, expiring, for acknowledgements only, usable
once) with the promised date and a note.

Mount with `app.include_router(make_router(settings))` (or the module's `router`, which
reads the settings from the environment on each request).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from babel import negotiate_locale
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import FileSystemLoader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nmrf.calendars.text import STATUS_WORDS
from nmrf.domain import wording
from nmrf.domain.dates import parse_day
from nmrf.domain.text import text_problem
from nmrf.domain.i18n import (
    SUPPORTED,
    Translator,
    date_pattern_hint,
    jinja_environment,
    translator,
)
from nmrf.errors import NmrfError
from nmrf.models import Acknowledgement, Cycle, Institution, Milestone, Person, State
from nmrf.models.db import make_engine, session_scope
from nmrf.notifications.acks import MAX_PROMISE, chain_sequence, list_acks, record_ack
from nmrf.notifications.tokens import TokenError, read_token, signing_key, token_digest
from nmrf.settings import Settings, get_settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# The reader's language: the person's the link was made for; without a readable link, the browser's
# Accept-Language among the languages nmrf speaks.


@lru_cache(maxsize=32)
def _env(lang: str, fallback: str | None):  # type: ignore[no-untyped-def]

    return jinja_environment(lang, fallback=fallback, loader=FileSystemLoader(TEMPLATES), autoescape=True)


def _page(t: Translator, title: str, *, status: int = 200, **context: object) -> HTMLResponse:
    body = _env(t.tag, t.lang).get_template("ack.html").render(title=title, **{
        "item": None, "lines": [], "earlier": [], "form": None, **context})
    return HTMLResponse(body, status_code=status, headers={
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Language": t.tag})


def _browser_language(request: Request) -> str:
    wanted = [part.split(";")[0].strip().replace("-", "_")
              for part in request.headers.get("accept-language", "").split(",") if part.strip()]
    return negotiate_locale(wanted, list(SUPPORTED), sep="_") or "en"


def _token_problem(t: Translator, exc: Exception) -> str:
    if isinstance(exc, TokenError) and exc.reason == "expired":
        return t.gettext("This link has expired; a newer message carries a new one.")
    return t.gettext("This link is not valid (it may have been cut or changed).")


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
            state["engine"] = make_engine(conf().effective_database_url)
        return state["engine"]

    def read(token: str) -> dict:
        return read_token(signing_key(conf()), token, purpose="ack", now=now())

    def refused(t: Translator, exc: Exception) -> HTMLResponse:
        status = 410 if isinstance(exc, TokenError) and exc.reason == "expired" else 400
        return _page(t, t.gettext("Link not usable"), status=status, lines=[_token_problem(t, exc)])

    def reader(s, person) -> Translator:  # type: ignore[no-untyped-def]
        state = s.get(State, person.state_id)
        return translator(person.language, fallback=state.language if state else None)

    def facts(s, m, person, t: Translator) -> dict:  # type: ignore[no-untyped-def]
        cycle = s.get(Cycle, m.cycle_id)
        state = s.get(State, cycle.state_id)
        inst = s.get(Institution, m.institution_id) if m.institution_id else None
        what = wording.title(t, m.title)
        if inst is not None:
            what += f" ({wording.name(t, inst.names, inst.name)})"
        title = wording.cycle_title(t, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                                    reference=cycle.reference, state_name=state.name, state_names=state.names)
        return {"what": what, "cycle": title, "cycle_id": cycle.id, "person": person.name,
                "due": wording.long_date(t, m.due_date) if m.due_date else "-"}

    @router.get("/ack/{token}", response_class=HTMLResponse)
    def ack_page(token: str, request: Request) -> HTMLResponse:
        """The confirmation page, in the language of the person the link was made for. Reads only."""
        try:
            data = read(token)
        except TokenError as exc:
            return refused(translator(_browser_language(request)), exc)
        with session_scope(engine(), readonly=True) as s:
            m = s.get(Milestone, data["m"])
            person = s.get(Person, data["u"])
            if m is None or person is None:
                t = translator(_browser_language(request))
                return _page(t, t.gettext("Link not usable"), status=404,
                             lines=[t.gettext("This item no longer exists.")])
            t = reader(s, person)
            item = facts(s, m, person, t)
            seq = chain_sequence(session=s, milestone=m)
            today = now().date()
            acks = [a for a in list_acks(session=s, today=today, cycle_id=m.cycle_id)
                    if a.milestone_key == m.key]
            closed, status = m.is_closed, m.status
            used = s.execute(select(Acknowledgement.id).where(
                Acknowledgement.token_digest == token_digest(token))).scalar()

        def shown(a) -> dict:  # type: ignore[no-untyped-def]
            return {"by": a.by, "on": wording.long_date(t, a.at.date()),
                    "promised": wording.long_date(t, a.promised_by) if a.promised_by else "-",
                    "note": a.note, "status": a.status}

        if used is not None:
            # A used link (opened again, or the same link in a second message) shows what it recorded,
            # by whom and when: no form that would only fail on submit.
            mine = next(a for a in acks if a.id == used) if any(a.id == used for a in acks) else None
            promised = (f"{wording.long_date(t, mine.promised_by)} ({mine.promised_by.isoformat()})"
                        if mine is not None and mine.promised_by else t.gettext("the policy default"))
            lines = [t.gettext("Recorded: %(what)s, promised by %(date)s.") % {"what": item["what"],
                                                                               "date": promised}]
            if closed:
                word = t.gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status
                lines.append(t.gettext("It is already recorded %(status)s.") % {"status": word})
            else:
                lines.append(t.gettext("This link was already used to acknowledge; use the newest message's "
                                       "link to give a new date."))
            return _page(t, t.gettext("Acknowledged"), item=item, lines=lines,
                         earlier=[shown(a) for a in acks if a.id == used] or [shown(a) for a in acks])
        if closed:
            word = t.gettext(STATUS_WORDS[status]) if status in STATUS_WORDS else status
            return _page(t, t.gettext("Nothing to acknowledge"), item=item,
                         lines=[t.gettext("It is already recorded %(status)s.") % {"status": word}])
        if seq != data["s"]:
            return _page(t, t.gettext("Link out of date"), status=410, item=item, lines=[t.gettext(
                "The deadline was re-dated after this message; a newer message carries a new link.")])
        earlier = [shown(a) for a in acks]
        friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
        # A text field with the pattern said in the reader's words: a browser's date picker shows the
        # browser's locale (a minister read 12/04/2026), whatever the page's language.
        form = {"token": token, "default": friday.isoformat(), "default_long": wording.long_date(t, friday),
                "pattern": date_pattern_hint(t.tag)}
        return _page(t, t.gettext("Acknowledge this escalation"), item=item, earlier=earlier, form=form)

    @router.post("/ack", response_class=HTMLResponse)
    async def ack_submit(request: Request) -> HTMLResponse:
        """Record the acknowledgement the form carries (once per link)."""

        # The form is urlencoded; parsing it here avoids a multipart dependency.
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        token = form.get("token", "")
        try:
            data = read(token)
        except TokenError as exc:
            return refused(translator(form.get("lang") or _browser_language(request)), exc)
        t = translator(form.get("lang") or _browser_language(request))
        try:
            # One parser for typed dates (nmrf.domain.dates): 2024-02-30, 9999-01-01 and '' are not dates.
            promised = parse_day(form["promised_by"], what="promised_by") if form.get("promised_by") else None
        except NmrfError:
            return _page(t, t.gettext("Not recorded"), status=400, lines=[
                t.gettext("%(value)s is not a date: write it as %(pattern)s (for example %(example)s).")
                % {"value": form["promised_by"], "pattern": date_pattern_hint(t.tag),
                   "example": now().date().isoformat()}])
        note = form.get("note", "")
        # The one rule for text from outside (nmrf.domain.text), and the form's own length.
        # Whole sentences in the reader's language: text_problem's own words are English, for logs and the CLI.
        if len(note) > 4000:
            return _page(t, t.gettext("Not recorded"), status=400,
                         lines=[t.gettext("The note is too long: at most %(n)s characters.") % {"n": 4000}])
        if text_problem(note):
            return _page(t, t.gettext("Not recorded"), status=400, lines=[
                t.gettext("The note holds a control character (an invisible character such as a null byte): "
                          "remove it and send the form again.")])
        try:
            with session_scope(engine(), actor="web") as s:
                m = s.get(Milestone, data["m"])
                person = s.get(Person, data["u"])
                if m is None or person is None:
                    return _page(t, t.gettext("Not recorded"), status=404,
                                 lines=[t.gettext("This item no longer exists.")])
                t = reader(s, person)
                today = now().date()
                # Said in the reader's language before the service refuses it in the log's.
                if m.is_closed or m.due_date is None:
                    return _page(t, t.gettext("Not recorded"), status=409, lines=[
                        t.gettext("It is already recorded or has no due date: nothing to acknowledge.")])
                if promised is not None and promised < today:
                    return _page(t, t.gettext("Not recorded"), status=409, lines=[
                        t.gettext("The promised date %(date)s has already passed (today is %(today)s).")
                        % {"date": wording.long_date(t, promised), "today": wording.long_date(t, today)}])
                if promised is not None and promised - today > MAX_PROMISE:
                    return _page(t, t.gettext("Not recorded"), status=409, lines=[
                        t.gettext("The promised date %(date)s is more than a year away: ask the secretariat to "
                                  "re-date the deadline instead.") % {"date": wording.long_date(t, promised)}])
                ack = record_ack(session=s, milestone=m, person=person, now=now(),
                                 actor=f"{person.key} (web)", promised_by=promised, note=form.get("note", ""),
                                 via="web", token_digest=token_digest(token), expected_sequence=data["s"])
                what, when = facts(s, m, person, t)["what"], ack.promised_by
        except IntegrityError:
            return _page(t, t.gettext("Already recorded"), status=409, lines=[t.gettext(
                "This link was already used to acknowledge; use the newest message's link to give a new date.")])
        except NmrfError as exc:  # each refusal in the person's language
            return _page(t, t.gettext("Not recorded"), status=409,
                         lines=[str(p.translated(t.gettext)) for p in exc.problems])
        promised_text = (f"{wording.long_date(t, when)} ({when.isoformat()})" if when
                         else t.gettext("the policy default"))
        return _page(t, t.gettext("Acknowledged"), lines=[
            t.gettext("Recorded: %(what)s, promised by %(date)s.") % {"what": what, "date": promised_text},
            t.gettext("The escalation waits until then.")])

    return router


router = make_router()
