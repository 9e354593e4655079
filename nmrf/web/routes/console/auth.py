"""Sign-in and sign-out of the console: the link by message, bound to this browser; the session cookie.

GET never spends a link (mail scanners open links): the link's page shows a
button, and the POST from the same browser signs in. The answer to a request
never says whether the address is known.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, BackgroundTasks, Form, Request
from starlette.responses import RedirectResponse, Response

from nmrf.calendars.links import token_hash
from nmrf.errors import NmrfError
from nmrf.web.routes.console.common import (
    BROWSER_COOKIE,
    HEADERS,
    SESSION_COOKIE,
    Console,
    browser_language,
    page,
    secure_cookie,
)


def _browser(request: Request) -> tuple[str, bool]:
    got = request.cookies.get(BROWSER_COOKIE)
    if got and 20 <= len(got) <= 64:
        return got, False
    return secrets.token_urlsafe(32), True


def _set_browser(request: Request, response: Response, value: str) -> None:
    response.set_cookie(BROWSER_COOKIE, value, max_age=24 * 3600, httponly=True, samesite="lax",
                        secure=secure_cookie(request), path="/console")


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/console/sign-in")
    def sign_in_form(request: Request) -> Response:
        browser, new = _browser(request)
        resp = page("console/sign_in.html", who=None, language=browser_language(request),
                    csrf=c.form_token(token_hash(browser), "sign-in"))
        if new:
            _set_browser(request, resp, browser)
        return resp

    @router.post("/console/sign-in")
    def ask(request: Request, background: BackgroundTasks, address: str = Form(""), csrf: str = Form("")) -> Response:
        from nmrf.services.console_auth import RateLimited, request_sign_in

        browser = request.cookies.get(BROWSER_COOKIE)
        if not browser or not c.check_form(csrf, token_hash(browser), "sign-in"):
            return page("console/sign_in.html", who=None, language=browser_language(request), status=400,
                        expired=True, csrf=c.form_token(token_hash(browser or ""), "sign-in"))
        if "@" not in address or len(address) > 320:
            return page("console/sign_in.html", who=None, language=browser_language(request), status=400,
                        bad_address=True, address=address, csrf=csrf)
        ip = request.client.host if request.client else "?"
        try:
            with c.session(actor="sign-in") as s:
                message = request_sign_in(session=s, address=address, ip=ip, browser=browser, now=c.now(),
                                          base_url=c.conf().public_url)
        except RateLimited:
            return page("console/sign_in.html", who=None, language=browser_language(request), status=429,
                        limited=True, csrf=csrf)
        if message is not None:
            background.add_task(c.deliver_now, message)
        return page("console/sign_in_sent.html", who=None, language=browser_language(request))

    @router.get("/console/sign-in/{token}")
    def link(request: Request, token: str) -> Response:
        browser, new = _browser(request)
        resp = page("console/sign_in_link.html", who=None, language=browser_language(request), token=token,
                    csrf=c.form_token(token_hash(browser), "use-link"))
        if new:  # a link printed at the terminal opened in a fresh browser: the POST needs a browser cookie
            _set_browser(request, resp, browser)
        return resp

    @router.post("/console/sign-in/{token}")
    def use(request: Request, token: str, csrf: str = Form("")) -> Response:
        from nmrf.services.console_auth import SESSION_VALID, use_sign_in_link

        browser = request.cookies.get(BROWSER_COOKIE)
        if not browser or not c.check_form(csrf, token_hash(browser), "use-link"):
            return page("console/sign_in_link.html", who=None, language=browser_language(request), status=400, refused=True, token=token, csrf="")
        try:
            with c.session(actor="sign-in") as s:
                who, secret = use_sign_in_link(session=s, token=token, browser=browser, now=c.now())
        except NmrfError:
            return page("console/sign_in_link.html", who=None, language=browser_language(request), status=400, refused=True, token=token, csrf="")
        resp = RedirectResponse("/console", status_code=303, headers=HEADERS)
        resp.set_cookie(SESSION_COOKIE, secret, max_age=int(SESSION_VALID.total_seconds()), httponly=True,
                        samesite="lax", secure=secure_cookie(request), path="/")
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

