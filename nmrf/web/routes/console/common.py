"""What every console route shares: the signed-in person, the clock, CSRF, rendering, refusals.

A console page is for a person with a console role; without a live session the
browser is sent to the sign-in page. Every POST carries a form token signed for
this session and this form (CSRF). An act the person's roles do not allow is
answered 403 and written to the audit history under their name.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import HTMLResponse, RedirectResponse, Response

from nmrf.services.console_auth import SignedIn
from nmrf.settings import Settings, get_settings
from nmrf.web.templating import render

SESSION_COOKIE = "nmrf_console"
BROWSER_COOKIE = "nmrf_browser"
FORM_MAX_AGE = 8 * 3600
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # Scripts only from this site's files (htmx), requests only back to it: no inline script, no eval.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
}


class Denied(Exception):
    """The signed-in person's roles do not allow this act (answered 403, on the record)."""


@dataclass
class Console:
    """The console's wiring: settings, engine, clock, signing key. Built once per app."""

    settings: Settings | None
    engine_: Any
    clock: Callable[[], datetime] | None
    _key: bytes | None = None
    _rp: Any = None

    def relying_party(self):  # type: ignore[no-untyped-def]
        """The OpenID Connect client of this app (it keeps each provider's metadata and keys an hour)."""
        if self._rp is None:
            from nmrf.web.oidc import RelyingParty

            self._rp = RelyingParty()
        return self._rp

    def conf(self) -> Settings:
        return self.settings or get_settings()

    def engine(self):  # type: ignore[no-untyped-def]
        if self.engine_ is None:
            from nmrf.models.db import make_engine

            self.engine_ = make_engine(self.conf().effective_database_url)
        return self.engine_

    def now(self) -> datetime:
        return (self.clock or (lambda: datetime.now(UTC)))()

    def key(self) -> bytes:
        if self._key is None:
            from nmrf.notifications.tokens import signing_key

            self._key = signing_key(self.conf())
        return self._key

    def deliver_now(self, message_id: int) -> None:
        """Send one message of the outbox now (someone is waiting for it); a failure stays in the outbox."""
        from nmrf.notifications.delivery import deliver_due

        deliver_due(engine=self.engine(), now=self.now(), settings=self.conf(), only=[message_id])

    def session(self, *, actor: str = "console", readonly: bool = False):  # type: ignore[no-untyped-def]
        from nmrf.models.db import session_scope

        return session_scope(self.engine(), actor=actor, readonly=readonly)

    def who(self, request: Request, s) -> SignedIn | None:  # type: ignore[no-untyped-def]
        from nmrf.services.console_auth import signed_in

        return signed_in(session=s, token=request.cookies.get(SESSION_COOKIE), now=self.now())

    # ---- CSRF: a token signed for this session (or, before sign-in, this browser) and this form
    def _signer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.key(), salt="nmrf-console-form")

    def form_token(self, bound: str, form: str) -> str:
        return self._signer().dumps({"b": bound, "f": form})

    def check_form(self, token: str | None, bound: str, form: str) -> bool:
        if not token:
            return False
        try:
            data = self._signer().loads(token, max_age=FORM_MAX_AGE)
        except BadSignature:
            return False
        return isinstance(data, dict) and data.get("b") == bound and data.get("f") == form


def today_of(state, now: datetime) -> date:  # type: ignore[no-untyped-def]
    return now.astimezone(ZoneInfo(state.timezone)).date()


def secure_cookie(request: Request) -> bool:
    # Secure everywhere but a server on the loopback (the tests and the demo speak plain HTTP there).
    return request.url.hostname not in ("127.0.0.1", "localhost", "::1")


def browser_id(request: Request) -> tuple[str, bool]:
    """The random id this browser carries (nmrf_browser), and whether it is new: what binds a sign-in to it."""
    got = request.cookies.get(BROWSER_COOKIE)
    if got and 20 <= len(got) <= 64:
        return got, False
    return secrets.token_urlsafe(32), True


def set_browser_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(BROWSER_COOKIE, value, max_age=24 * 3600, httponly=True, samesite="lax",
                        secure=secure_cookie(request), path="/console")


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    """The console's session cookie, whichever way the person signed in: HTTP-only, SameSite=Lax, 8 hours."""
    from nmrf.services.console_auth import SESSION_VALID

    response.set_cookie(SESSION_COOKIE, secret, max_age=int(SESSION_VALID.total_seconds()), httponly=True,
                        samesite="lax", secure=secure_cookie(request), path="/")


def browser_language(request: Request) -> str:
    """Before sign-in, the page speaks the browser's language (Accept-Language), if we have it; else English."""
    from nmrf.domain.i18n import SUPPORTED

    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in SUPPORTED:
            return base
    return "en"


def render_page(name: str, *, who: SignedIn | None, language: str | None = None, fallback: str | None = None,
                **context: Any) -> str:
    """A console page's HTML in the reader's language (the signed-in person's, else `language`)."""
    from nmrf.domain import wording
    from nmrf.domain.i18n import translator

    lang = language or (who.person.language if who else "en")
    fb = fallback or (who.state.language if who else None)
    t = translator(lang, fallback=fb)

    def tt(text: str | None) -> str:
        """A catalogue title in the reader's language (a typed one as typed); plain text, escaped."""
        return str(wording.title(t, text))

    def ct(cycle) -> str:  # type: ignore[no-untyped-def]
        """A cycle's title in the reader's language while it is still the catalogue's."""
        if who is None:
            return cycle.title
        return wording.cycle_title(t, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                                   reference=cycle.reference, state_name=who.state.name,
                                   state_names=who.state.names)

    return render(name, language=lang, fallback=fb, who=who, tt=tt, ct=ct, **context)


def page(name: str, *, who: SignedIn | None, status: int = 200, language: str | None = None,
         fallback: str | None = None, **context: Any) -> HTMLResponse:
    return HTMLResponse(render_page(name, who=who, language=language, fallback=fallback, **context),
                        status_code=status, headers=HEADERS)


def to_sign_in() -> Response:
    return RedirectResponse("/console/sign-in", status_code=303, headers=HEADERS)


def forbidden(who: SignedIn, *, act: str) -> HTMLResponse:
    return page("console/forbidden.html", who=who, status=403, act=act)
