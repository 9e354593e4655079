"""Sign-in through the State's identity provider: off to the provider, and back with a code.

`GET /console/oidc/{code}` sends the browser to the provider of the State `code`
with a fresh `state`, `nonce` and PKCE verifier, kept in a signed cookie bound to
this browser for 10 minutes. The way back (`.../callback`) is accepted only with
that cookie, from the same browser, with the same `state`; the cookie is spent
whatever the answer. Only then is the code exchanged and the ID token checked
(nmrf.web.oidc), and the profile asked who that is (nmrf.services.console_oidc).
Nothing before the last step writes a session: a refused or broken sign-in
leaves the browser signed out.
"""

from __future__ import annotations

import hmac
import logging
import re
import time

from fastapi import APIRouter, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import HTMLResponse, RedirectResponse, Response

from nmrf.calendars.links import token_hash
from nmrf.web.routes.console.common import (
    BROWSER_COOKIE,
    HEADERS,
    Console,
    browser_id,
    browser_language,
    page,
    secure_cookie,
    set_browser_cookie,
    set_session_cookie,
)

FLOW_COOKIE = "nmrf_oidc"
FLOW_MAX_AGE = 600  # seconds between leaving for the provider and coming back
log = logging.getLogger("nmrf.server")


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def signer() -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(c.key(), salt="nmrf-console-oidc")

    def refused(request: Request, problem: str, status: int, **context: object) -> HTMLResponse:
        resp = page("console/sign_in_oidc.html", who=None, language=browser_language(request), status=status,
                    problem=problem, **context)
        resp.delete_cookie(FLOW_COOKIE, path="/console/oidc")
        return resp

    def redirect_uri(code: str) -> str:
        from nmrf.web.oidc import CALLBACK_PATH

        return c.conf().public_url.rstrip("/") + CALLBACK_PATH.format(code=code)

    def provider(code: str):  # type: ignore[no-untyped-def]
        from nmrf.services.console_oidc import provider_of

        with c.session(readonly=True) as s:
            return provider_of(session=s, code=code)

    @router.get("/console/oidc/{code}")
    def start(request: Request, code: str) -> Response:
        from nmrf.web.oidc import ProviderError
        from nmrf.web.oidc import Request as FlowRequest

        found = provider(code) if re.fullmatch(r"[A-Z]{2}", code) else None
        if found is None:
            return page("console/not_found.html", who=None, language=browser_language(request), status=404)
        _, prov = found
        browser, new = browser_id(request)
        flow = FlowRequest.new()
        language = browser_language(request)
        try:
            url = c.relying_party().authorization_url(prov, flow, redirect_uri=redirect_uri(code), language=language)
        except ProviderError as exc:
            log.warning("sign-in with %s (%s) cannot start: %s", prov.name, code, exc)
            return refused(request, "unavailable", 502, provider=prov.name)
        resp = RedirectResponse(url, status_code=303, headers=HEADERS)
        value = signer().dumps({"c": code, "s": flow.state, "n": flow.nonce, "v": flow.verifier,
                                "b": token_hash(browser)})
        resp.set_cookie(FLOW_COOKIE, value, max_age=FLOW_MAX_AGE, httponly=True, samesite="lax",
                        secure=secure_cookie(request), path="/console/oidc")
        if new:
            set_browser_cookie(request, resp, browser)
        return resp

    @router.get("/console/oidc/{code}/callback")
    def callback(request: Request, code: str) -> Response:
        from nmrf.services.console_oidc import Refused, sign_in_with_provider
        from nmrf.web.oidc import ProviderError
        from nmrf.web.oidc import Request as FlowRequest

        found = provider(code) if re.fullmatch(r"[A-Z]{2}", code) else None
        if found is None:
            return refused(request, "tampered", 400)
        state, prov = found
        try:
            flow = signer().loads(request.cookies.get(FLOW_COOKIE) or "", max_age=FLOW_MAX_AGE)
        except BadSignature:
            flow = None
        browser = request.cookies.get(BROWSER_COOKIE) or ""
        params = request.query_params
        if (not isinstance(flow, dict) or flow.get("c") != code or not browser
                or not hmac.compare_digest(str(flow.get("b", "")), token_hash(browser))
                or not hmac.compare_digest(str(flow.get("s", "")), params.get("state", ""))):
            # No cookie (expired, another browser, a replay), or a state that is not the one we sent.
            return refused(request, "tampered", 400, provider=prov.name)
        if params.get("error"):
            error = params["error"] if re.fullmatch(r"[a-z_]{1,40}", params["error"]) else "error"
            log.info("sign-in with %s (%s): the provider answered %s", prov.name, code, error)
            return refused(request, "denied", 400, provider=prov.name, error=error)
        if not params.get("code"):
            return refused(request, "tampered", 400, provider=prov.name)
        try:
            claims = c.relying_party().claims(
                prov, FlowRequest(state=flow["s"], nonce=flow["n"], verifier=flow["v"]), code=params["code"],
                redirect_uri=redirect_uri(code), now=int(time.time()))
        except ProviderError as exc:
            log.warning("sign-in with %s (%s) refused: %s", prov.name, code, exc)
            return refused(request, "unavailable", 502, provider=prov.name)
        with c.session(actor="sign-in") as s:
            got = sign_in_with_provider(session=s, state=s.merge(state), provider=prov, claims=claims, now=c.now())
        if isinstance(got, Refused):
            return refused(request, got.reason, 403, provider=prov.name)
        _, secret = got
        resp = RedirectResponse("/console", status_code=303, headers=HEADERS)
        set_session_cookie(request, resp, secret)
        resp.delete_cookie(FLOW_COOKIE, path="/console/oidc")
        return resp

    return router

