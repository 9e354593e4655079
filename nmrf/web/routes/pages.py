"""Personal pages: GET /p/{token} shows what the person owes; each act is a form's POST.

A wrong, revoked or rotated link gets the same 404 page, which tells nothing.
GETs change nothing a person recorded (mail scanners open every link; the one
write a GET may cause is the first information request of a workbook, which
the same request again reuses). Every POST carries a signed form token (CSRF).
Every page works without JavaScript.

Mount with `app.include_router(make_router(settings, clock=clock))`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, Response

from nmrf.domain.i18n import N_, translator
from nmrf.errors import AlreadyClosed, NmrfError, Problem
from nmrf.settings import Settings, get_settings
from nmrf.web.csrf import check_form_token, form_token
from nmrf.web.templating import SHIPPED, STATIC, render
from nmrf.web.uploads import UploadRefused, check_workbook, read_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = {
    "Cache-Control": "no-store",
    # The secret is in the URL: never sent on to another site.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
}


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def localised(view, t):  # type: ignore[no-untyped-def]
    """The page's names in the reader's language: catalogue titles, cycle titles, names given per language."""
    from dataclasses import replace

    from nmrf.domain import wording

    state = view.state
    owed = [replace(o, title=wording.title(t, o.title), holds_up=tuple(wording.title(t, h) for h in o.holds_up),
                    institution=wording.name(t, o.institution_names, o.institution) if o.institution else None,
                    cycle_title=wording.cycle_title(t, stored=o.cycle_title, template=o.template,
                                                    mechanism=o.mechanism, reference=o.reference,
                                                    state_name=state.name, state_names=state.names))
            for o in view.owed]
    out = replace(view, owed=owed)
    out.state_name = wording.name(t, (state.names or {}).get("name"), state.name)
    out.secretariat = wording.name(t, (state.names or {}).get("secretariat"), state.secretariat)
    out.institution_name = (wording.name(t, view.institution.names, view.institution.name)
                            if view.institution else None)
    return out


def not_found() -> HTMLResponse:
    return _html(render("gone.html"), 404)


def make_router(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
                engine=None) -> APIRouter:  # type: ignore[no-untyped-def]
    router = APIRouter()
    now_of = clock or (lambda: datetime.now(UTC))
    cache: dict[str, object] = {}

    def conf() -> Settings:
        return settings or get_settings()

    def eng():  # type: ignore[no-untyped-def]
        if engine is not None:
            return engine
        if "engine" not in cache:
            from nmrf.models.db import make_engine

            cache["engine"] = make_engine(conf().effective_database_url)
        return cache["engine"]

    def key() -> bytes:
        if "key" not in cache:
            from nmrf.notifications.tokens import signing_key

            cache["key"] = signing_key(conf())
        return cache["key"]  # type: ignore[return-value]

    def today_of(state, now: datetime):  # type: ignore[no-untyped-def]
        return now.astimezone(ZoneInfo(state.timezone)).date()

    def show(token: str, *, status: int = 200, problems: list[Problem] | None = None, problems_title: str = "",
             notice: str = "", notice_title: str = "", calendar: dict | None = None,
             upload_problems: bool = False, values: dict | None = None) -> HTMLResponse:
        """The person's page, with what the last act said (English msgids, translated here for the reader)."""
        from nmrf.models.db import session_scope
        from nmrf.services.pages import page_view

        now = now_of()
        with session_scope(eng(), readonly=True) as s:
            found = open_link(s, token)
            if found is None:
                return not_found()
            link, person = found
            view = page_view(session=s, person=person, today=_today(s, person, now))
        csrf = {"calendar": form_token(key(), link_id=link.id, form="calendar")}  # type: ignore[arg-type]
        for o in view.open_items:
            for form in ("input", "document", "signoff"):
                csrf[f"{form}:{o.milestone_id}"] = form_token(key(), link_id=link.id,  # type: ignore[arg-type]
                                                               form=f"{form}:{o.milestone_id}")
        t = translator(person.language, fallback=view.state.language)
        view = localised(view, t)
        # A problem raised with its values (NmrfError.said) is said with them; a bare msgid through the catalog.
        said = [p.translated(t.gettext) if p.msgid or getattr(p.message, "msgid", None)
                else Problem(t.gettext(p.message), file=p.file, line=p.line, field=p.field) for p in problems or []]
        return _html(render("page.html", language=person.language, fallback=view.state.language, view=view,
                            token=token, csrf=csrf, problems=said,
                            problems_title=t.gettext(problems_title) if problems_title else "",
                            notice=t.gettext(notice) % _names(t, values or {}) if notice else "",
                            notice_title=t.gettext(notice_title) if notice_title else "", calendar=calendar,
                            upload_problems=upload_problems), status)

    def _today(s, person, now):  # type: ignore[no-untyped-def]
        from nmrf.models import State

        return today_of(s.get(State, person.state_id), now)

    def open_link(s, token: str):  # type: ignore[no-untyped-def]
        """(link, person) for the person's secret link, or for the signed link of a message (which names the
        person's page link: revoked or rotated, it opens nothing); None otherwise."""
        from nmrf.calendars.links import well_formed
        from nmrf.models import PageLink, Person
        from nmrf.notifications.tokens import TokenError, read_token
        from nmrf.services.pages import find_page_link

        if well_formed(token):
            return find_page_link(session=s, token=token)
        if len(token) > 300 or not token.isascii():
            return None
        try:
            data = read_token(key(), token, purpose="page", now=now_of())
        except TokenError:
            return None
        link = s.get(PageLink, data.get("l"))
        person = s.get(Person, data.get("u"))
        if link is None or person is None or link.revoked_at is not None or link.person_id != person.id \
                or not person.active:
            return None
        return link, person

    @router.get("/static/nmrf/{name}", include_in_schema=False)
    def static_file(name: str) -> Response:
        media_type = SHIPPED.get(name)
        if media_type is None:  # only what the pages ship: never a path into the package
            return Response(status_code=404)
        return FileResponse(STATIC / name, media_type=media_type,
                            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})

    @router.get("/p/{token}", include_in_schema=False)
    def page(token: str) -> Response:
        return show(token)

    @router.post("/p/{token}/calendar", include_in_schema=False)
    async def calendar(token: str, request: Request) -> Response:
        try:
            posted = await read_form(request, cap=64 * 1024)
        except UploadRefused:
            return not_found()

        def act():  # type: ignore[no-untyped-def]
            from nmrf.calendars.links import feed_urls
            from nmrf.models.db import session_scope
            from nmrf.services.pages import calendar_link

            with session_scope(eng(), actor="page") as s:
                found = open_link(s, token)
                if found is None:
                    return None
                link, person = found
                if not check_form_token(key(), posted.fields.get("csrf"), link_id=link.id, form="calendar"):  # type: ignore[arg-type]
                    return False
                feed = calendar_link(session=s, person=person, now=now_of())
                webcal, web = feed_urls(conf().public_url, feed)
                return {"webcal": webcal, "web": web,
                        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
                        "outlook": "https://outlook.office.com/calendar/0/addfromweb?url=" + quote(web, safe="")
                                   + "&name=" + quote(f"NMRF: {person.name}", safe="")}

        got = await run_in_threadpool(act)
        if got is None:
            return not_found()
        if got is False:
            return show(token, status=400, problems=[Problem(_expired())], problems_title=_not_done())
        return show(token, calendar=got, notice=_calendar_notice(), notice_title=_calendar_title())

    @router.get("/p/{token}/workbook/{milestone_id}", include_in_schema=False)
    def workbook(token: str, milestone_id: int) -> Response:
        from nmrf.models.db import session_scope
        from nmrf.services.pages import owed_milestone, request_workbook

        now = now_of()
        try:
            with session_scope(eng(), actor="page") as s:
                found = open_link(s, token)
                if found is None:
                    return not_found()
                _, person = found
                m = owed_milestone(session=s, person=person, milestone_id=milestone_id, today=_today(s, person, now))
                name, data = request_workbook(session=s, person=person, milestone=m, now=now)
        except NmrfError as exc:
            return show(token, status=409, problems=exc.problems, problems_title=_not_done())
        return Response(data, media_type=XLSX, headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    @router.get("/p/{token}/draft/{milestone_id}", include_in_schema=False)
    def draft(token: str, milestone_id: int) -> Response:
        """The draft sent with the item's message (to comment, to sign off), the very bytes: the link a
        channel that carries no file gets instead of the attachment."""
        from nmrf.models.db import session_scope
        from nmrf.services.pages import owed_milestone, sent_draft

        now = now_of()
        try:
            with session_scope(eng(), readonly=True) as s:
                found = open_link(s, token)
                if found is None:
                    return not_found()
                _, person = found
                m = owed_milestone(session=s, person=person, milestone_id=milestone_id, today=_today(s, person, now))
                name, media_type, data = sent_draft(session=s, milestone=m)
        except NmrfError as exc:
            return show(token, status=404, problems=exc.problems, problems_title=_not_done())
        return Response(data, media_type=media_type,
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    async def posted_file(token: str, request: Request, *, workbook: bool):  # type: ignore[no-untyped-def]
        """(the posted file, None), or (None, the page saying why it was refused: nothing recorded)."""
        try:
            posted = await read_form(request)
            if posted.data is None:
                raise UploadRefused(_no_file())
            if workbook:
                check_workbook(posted.data)
        except UploadRefused as exc:
            status, problem = exc.status, Problem(str(exc))
        else:
            return posted, None
        return None, await run_in_threadpool(lambda: show(token, status=status, problems=[problem],
                                                          problems_title=_refused(), upload_problems=True))

    def owed_item(s, token: str, posted, form: str, milestone_id: int, now: datetime):  # type: ignore[no-untyped-def]
        """(person, milestone locked) for an upload or a sign-off; None when the link is unknown, False when the
        form is stale."""
        from nmrf.services.pages import owed_milestone

        found = open_link(s, token)
        if found is None:
            return None
        link, person = found
        if not check_form_token(key(), posted.fields.get("csrf"), link_id=link.id,  # type: ignore[arg-type]
                                form=f"{form}:{milestone_id}"):
            return False
        return person, owed_milestone(session=s, person=person, milestone_id=milestone_id,
                                      today=_today(s, person, now), lock=True)

    async def recorded(token: str, act):  # type: ignore[no-untyped-def]
        """(what `act` recorded, None), or (None, the page that says why nothing was)."""
        try:
            got = await run_in_threadpool(act)
        except NmrfError as exc:
            already = isinstance(exc, AlreadyClosed)
            return None, show(token, status=409 if already else 400, problems=exc.problems,
                              problems_title=_refused(), upload_problems=not already)
        if got is None:
            return None, not_found()
        if got is False:
            return None, show(token, status=400, problems=[Problem(_expired())], problems_title=_not_done())
        return got, None

    @router.post("/p/{token}/input/{milestone_id}", include_in_schema=False)
    async def hand_in(token: str, milestone_id: int, request: Request) -> Response:
        posted, refusal = await posted_file(token, request, workbook=True)
        if refusal is not None:
            return refusal

        def act():  # type: ignore[no-untyped-def]
            from nmrf.models.db import session_scope
            from nmrf.services.pages import hand_in_workbook

            now = now_of()
            with session_scope(eng(), actor="page") as s:
                owed = owed_item(s, token, posted, "input", milestone_id, now)
                if not owed:
                    return owed
                person, m = owed
                return hand_in_workbook(session=s, person=person, milestone=m, data=posted.data,
                                        file_name=posted.file_name or "workbook.xlsx", now=now)

        got, refusal = await recorded(token, act)
        if refusal is not None:
            return refusal
        values = {"answered": got.answered, "rows": got.rows, "institution": got.institution.name,
                  "n": got.rows - got.answered}
        if got.milestone_done:
            text = N_("%(answered)s answer(s) of %(rows)s recorded for %(institution)s. Your input is recorded as "
                      "handed in.")
        elif got.answered < got.rows:
            text = N_("%(answered)s answer(s) of %(rows)s recorded for %(institution)s. %(n)s row(s) have no answer "
                      "yet: the input stays open until every row is answered.")
        else:
            text = N_("%(answered)s answer(s) of %(rows)s recorded for %(institution)s.")
        return show(token, notice=text, values=values, notice_title=N_("Workbook accepted"))

    @router.post("/p/{token}/document/{milestone_id}", include_in_schema=False)
    async def document(token: str, milestone_id: int, request: Request) -> Response:
        posted, refusal = await posted_file(token, request, workbook=False)
        if refusal is not None:
            return refusal

        def act():  # type: ignore[no-untyped-def]
            from nmrf.models import Cycle
            from nmrf.models.db import session_scope
            from nmrf.services.documents import hand_in_document

            now = now_of()
            with session_scope(eng(), actor="page") as s:
                owed = owed_item(s, token, posted, "document", milestone_id, now)
                if not owed:
                    return owed
                person, m = owed
                got = hand_in_document(session=s, cycle=s.get(Cycle, m.cycle_id), milestone=m, data=posted.data,
                                       file_name=posted.file_name or "document", recorded_by=person.key,
                                       on_behalf_of=None, via="page", now=now, by=person.key)
                return got.document.file_name, got.document.kind

        got, refusal = await recorded(token, act)
        if refusal is not None:
            return refusal
        return show(token, notice=N_("%(file)s (%(kind)s) is recorded as your institution's input."),
                    values={"file": got[0], "kind": got[1].upper()}, notice_title=N_("Document accepted"))

    @router.post("/p/{token}/signoff/{milestone_id}", include_in_schema=False)
    async def signoff(token: str, milestone_id: int, request: Request) -> Response:
        try:
            posted = await read_form(request, cap=64 * 1024)
        except UploadRefused:
            return not_found()

        def act():  # type: ignore[no-untyped-def]
            from nmrf.models.db import session_scope
            from nmrf.services.pages import done_of, sign_off

            now = now_of()
            with session_scope(eng(), actor="page") as s:
                found = owed_item(s, token, posted, "signoff", milestone_id, now)
                if not found:
                    return found  # None: the link is unknown; False: the form is stale
                person, m = found
                if m.is_closed:
                    d = done_of(session=s, milestone=m)
                    if d is None:
                        raise AlreadyClosed.said(N_("Already signed off."))
                    raise AlreadyClosed.said(N_("Already signed off: recorded on %(when)s UTC by %(who)s."),
                                             when=f"{d.at:%Y-%m-%d %H:%M}", who=d.recorded_by)
                if posted.fields.get("confirm") != "yes":
                    raise NmrfError(N_("Tick the box to confirm that you sign off."))
                sign_off(session=s, person=person, milestone=m, now=now, note=posted.fields.get("note", "")[:1000])
                return m.title

        try:
            got = await run_in_threadpool(act)
        except NmrfError as exc:
            already = isinstance(exc, AlreadyClosed)
            return show(token, status=409 if already else 400, problems=exc.problems, problems_title=_not_done())
        if got is None:
            return not_found()
        if got is False:
            return show(token, status=400, problems=[Problem(_expired())], problems_title=_not_done())
        return show(token, notice=N_("Recorded: %(what)s, signed off by you."), values={"what": got},
                    notice_title=N_("Signed off"))

    return router


def _names(t, values: dict) -> dict:  # type: ignore[no-untyped-def]
    """A milestone's title ("what") is the catalogue's English: said in the reader's language."""
    from nmrf.domain import wording

    return {k: wording.title(t, v) if k == "what" else v for k, v in values.items()}


# Strings shown by the routes, marked for the catalogs and translated where shown.
def _expired() -> str:
    return N_("This form is out of date (it was opened long ago or elsewhere). Reload the page and try again.")


def _not_done() -> str:
    return N_("Not recorded")


def _refused() -> str:
    return N_("The file was refused")


def _no_file() -> str:
    return N_("Choose a file to upload.")


def _calendar_notice() -> str:
    return N_("Your calendar link is below. Any link you had before no longer works.")


def _calendar_title() -> str:
    return N_("Calendar link ready")
