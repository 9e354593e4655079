"""Sign-in and sign-out of the console: the link by message, bound to this browser; the session cookie.

GET never spends a link (mail scanners open links): the link's page shows a
button, and the POST from the same browser signs in. The answer to a request
never says whether the address is known.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Form, Request
from starlette.responses import RedirectResponse, Response

from nmrf.calendars.links import token_hash
from nmrf.errors import NmrfError
from nmrf.web.routes.console.common import (
    BROWSER_COOKIE,
    HEADERS,
    SESSION_COOKIE,
    Console,
    browser_id,
    browser_language,
    page,
    set_browser_cookie,
    set_session_cookie,
)


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/console/sign-in")
    def sign_in_form(request: Request) -> Response:
        browser, new = browser_id(request)
        resp = page("console/sign_in.html", who=None, language=browser_language(request),
                    csrf=c.form_token(token_hash(browser), "sign-in"), providers=_providers(c))
        if new:
            set_browser_cookie(request, resp, browser)
        return resp

    @router.post("/console/sign-in")
    def ask(request: Request, background: BackgroundTasks, address: str = Form(""), csrf: str = Form("")) -> Response:
        from nmrf.services.console_auth import RateLimited, request_sign_in

        browser = request.cookies.get(BROWSER_COOKIE)
        if not browser or not c.check_form(csrf, token_hash(browser), "sign-in"):
            return page("console/sign_in.html", who=None, language=browser_language(request), status=400,
                        expired=True, csrf=c.form_token(token_hash(browser or ""), "sign-in"), providers=_providers(c))
        if "@" not in address or len(address) > 320:
            return page("console/sign_in.html", who=None, language=browser_language(request), status=400,
                        bad_address=True, address=address, csrf=csrf, providers=_providers(c))
        ip = request.client.host if request.client else "?"
        try:
            with c.session(actor="sign-in") as s:
                message = request_sign_in(session=s, address=address, ip=ip, browser=browser, now=c.now(),
                                          base_url=c.conf().public_url)
        except RateLimited:
            return page("console/sign_in.html", who=None, language=browser_language(request), status=429,
                        limited=True, csrf=csrf, providers=_providers(c))
        if message is not None:
            background.add_task(c.deliver_now, message)
        return page("console/sign_in_sent.html", who=None, language=browser_language(request))

    @router.get("/console/sign-in/{token}")
    def link(request: Request, token: str) -> Response:
        browser, new = browser_id(request)
        resp = page("console/sign_in_link.html", who=None, language=browser_language(request), token=token,
                    csrf=c.form_token(token_hash(browser), "use-link"))
        if new:  # a link printed at the terminal opened in a fresh browser: the POST needs a browser cookie
            set_browser_cookie(request, resp, browser)
        return resp

    @router.post("/console/sign-in/{token}")
    def use(request: Request, token: str, csrf: str = Form("")) -> Response:
        from nmrf.services.console_auth import use_sign_in_link

        browser = request.cookies.get(BROWSER_COOKIE)
        if not browser or not c.check_form(csrf, token_hash(browser), "use-link"):
            return page("console/sign_in_link.html", who=None, language=browser_language(request), status=400, refused=True, token=token, csrf="")
        try:
            with c.session(actor="sign-in") as s:
                who, secret = use_sign_in_link(session=s, token=token, browser=browser, now=c.now())
        except NmrfError:
            return page("console/sign_in_link.html", who=None, language=browser_language(request), status=400, refused=True, token=token, csrf="")
        resp = RedirectResponse("/console", status_code=303, headers=HEADERS)
        set_session_cookie(request, resp, secret)
        return resp

    @router.post("/console/sign-out")
    def sign_out(request: Request, csrf: str = Form("")) -> Response:
        from nmrf.services.console_auth import end_session

        with c.session(actor="sign-in") as s:
            who = c.who(request, s)
            if who is not None and c.check_form(csrf, str(who.session_id), "sign-out"):
                end_session(session=s, session_id=who.session_id, now=c.now())  # type: ignore[arg-type]
        resp = RedirectResponse("/console/sign-in", status_code=303, headers=HEADERS)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    return router


def _providers(c: Console) -> list:  # type: ignore[type-arg]
    """The identity providers the sign-in page offers beside the link (one per State that has one)."""
    from nmrf.services.console_oidc import providers

    with c.session(readonly=True) as s:
        return providers(session=s)
