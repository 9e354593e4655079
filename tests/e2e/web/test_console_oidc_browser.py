"""OpenID Connect sign-in to the console, in headless Chromium, against a real provider on 127.0.0.1.

The provider (tests/support/oidc_provider.py) is built from Authlib's server classes: it requires PKCE and a
nonce, checks the client secret and the redirect URI, and signs its ID tokens with a key it publishes. The
example State's profile names it (console.openid_connect, the secret in an environment variable). The head of
the secretariat signs in there and comes back signed in as herself, with her role; a person the profile does
not know, a focal point without a console role, and an e-mail the provider has not verified are refused (403,
in Spanish) with the attempt on record; a callback whose `state` was altered, and a declined sign-in, are
refused; nobody is half signed in. axe-core finds no WCAG 2.2 A/AA violation on the new pages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlmodel import select
from tests.support.browser import assert_no_violations
from tests.support.notify import write_profile
from tests.support.oidc_provider import Provider, running_provider

from nmrf.domain.clock import moment
from nmrf.domain.i18n import translator
from nmrf.models import AuditEntry, ConsoleSession
from nmrf.models.db import session_scope
from nmrf.profile import load_profile
from nmrf.services.profiles import apply_profile

ES = translator("es", fallback="es")
T = ES.gettext
PROVIDER = "ClaveÚnica de prueba"
USERS = {
    "ana": {"email": "Ana.Rojas@example.gob.cl", "email_verified": True, "name": "Ana Rojas"},
    "stranger": {"email": "stranger@example.org", "email_verified": True},
    "valentina": {"email": "valentina.diaz@example.gob.cl", "email_verified": True},  # a focal point
    "unverified": {"email": "ana.rojas@example.gob.cl", "email_verified": False},
}


@pytest.fixture
def idp(server, world, tmp_path, monkeypatch) -> Iterator[Provider]:  # type: ignore[no-untyped-def]
    """The provider running, and the example profile naming it (loaded again, as a secretariat would)."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider's own check: plain HTTP on 127.0.0.1
    with running_provider(redirect_uri=server + "/console/oidc/CL/callback", users=USERS) as provider:
        monkeypatch.setenv("NMRF_TEST_OIDC_SECRET", provider.client_secret)

        def oidc(data):  # type: ignore[no-untyped-def]
            data["console"] = {"openid_connect": {
                "name": PROVIDER, "issuer": provider.issuer, "client_id": provider.client_id,
                "client_secret_env": "NMRF_TEST_OIDC_SECRET", "scopes": ["openid", "email", "profile"]}}

        with session_scope(world, actor="test") as s:
            apply_profile(session=s, profile=load_profile(write_profile(tmp_path, edit=oidc)),
                          now=moment(date(2027, 9, 1), "America/Santiago")[1])
        yield provider


def _at_provider(browser, server: str, user: str | None):  # type: ignore[no-untyped-def]
    """A new browser on the sign-in page, through the button to the provider; signs in there as `user`."""
    page = browser.new_context(locale="es-CL").new_page()
    page.goto(server + "/console")
    page.get_by_role("link", name=T("Sign in with %(provider)s") % {"provider": PROVIDER}).click()
    page.get_by_role("heading", name="Test identity provider").wait_for()
    if user is not None:
        page.get_by_label("User name").fill(user)
    return page


def _sessions(world) -> list[ConsoleSession]:  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        return list(s.exec(select(ConsoleSession)))


def _refusals(world) -> list[dict]:  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        return [dict(e.changes, actor=e.actor) for e in s.exec(select(AuditEntry).where(AuditEntry.op == "refused"))]


def test_the_head_of_secretariat_signs_in_with_the_provider_and_has_her_role(server, world, idp, browser):  # type: ignore[no-untyped-def]
    page = browser.new_context(locale="es-CL").new_page()
    page.goto(server + "/console/sign-in")
    assert_no_violations(page)  # the sign-in page with its new button
    page.get_by_role("link", name=T("Sign in with %(provider)s") % {"provider": PROVIDER}).click()
    page.get_by_role("heading", name="Test identity provider").wait_for()
    asked = idp.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["nonce"] and asked["state"] and asked["nonce"] != asked["state"]
    assert asked["redirect_uri"] == server + "/console/oidc/CL/callback" and asked["ui_locales"] == "es"
    page.get_by_label("User name").fill("ana")
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_url(server + "/console")
    assert T("Signed in as %(name)s") % {"name": "Ana Rojas Muñoz"} in page.locator("nav").inner_text()
    assert T("read only") not in page.locator("nav").inner_text()
    assert idp.token_requests[-1]["code_verifier"], "the code was spent with its PKCE verifier"
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["nmrf_console"]
    assert session["httpOnly"] and session["sameSite"] == "Lax" and session["expires"] > time.time() + 7 * 3600
    assert "nmrf_oidc" not in cookies, "the flow's cookie is spent on the way back"
    [opened] = _sessions(world)
    assert opened.via == "oidc"
    page.goto(server + "/console/history")
    said = T("%(who)s signed in to the console with %(provider)s") % {"who": "Ana Rojas Muñoz", "provider": PROVIDER}
    assert said in page.locator("ol.history").inner_text()


@pytest.mark.parametrize(("user", "why", "says"), [
    ("stranger", "unknown", "%(provider)s signed you in, but the secretariat's profile has nobody with this "
                            "identity. Ask the secretariat to add your address to the profile."),
    ("valentina", "no_role", "%(provider)s signed you in, but you hold no role in the console (secretariat, head of "
                             "secretariat or observer). Ask the head of the secretariat."),
    ("unverified", "unverified", "%(provider)s has not verified your e-mail address, so it cannot say who you are. "
                                 "Verify it there, then sign in again."),
])
def test_a_person_the_profile_does_not_allow_is_refused_in_their_language_and_on_record(
        server, world, idp, browser, user, why, says):  # type: ignore[no-untyped-def]
    page = _at_provider(browser, server, user)
    with page.expect_response(re.compile(r"/console/oidc/CL/callback\?")) as answer:
        page.get_by_role("button", name="Sign in at the provider").click()
    assert answer.value.status == 403
    assert T(says) % {"provider": PROVIDER} in page.locator(".problems").inner_text()
    assert_no_violations(page)
    assert "nmrf_console" not in {c["name"] for c in page.context.cookies()}
    assert _sessions(world) == []
    page.goto(server + "/console")
    assert page.url.endswith("/console/sign-in"), "nobody is half signed in"
    [refusal] = _refusals(world)
    assert refusal["why"] == why and refusal["via"] == "oidc" and refusal["provider"] == PROVIDER
    assert refusal["actor"] == {"stranger": "stranger@example.org", "valentina": "valentina-diaz",
                                "unverified": "ana.rojas@example.gob.cl"}[user]


def _held_callback(page) -> str:  # type: ignore[no-untyped-def]
    """Sign in at the provider, but keep the browser from following its redirect back: the callback's address.

    (Playwright routes the first request of a redirect chain only, so the provider's answer is held, not
    the callback.)"""
    seen: list[str] = []

    def hold(route):  # type: ignore[no-untyped-def]
        answer = route.fetch(max_redirects=0)
        seen.append(answer.headers["location"])
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><html lang='en'><title>held</title><main><h1>held</h1></main></html>")

    page.route(re.compile(r".*/authorize\?.*"), hold)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.get_by_role("heading", name="held").wait_for()
    page.unroute(re.compile(r".*/authorize\?.*"))
    assert "/console/oidc/CL/callback?" in seen[0]
    return seen[0]


def test_a_callback_with_an_altered_state_is_refused_and_signs_nobody_in(server, world, idp, browser):  # type: ignore[no-untyped-def]
    page = _at_provider(browser, server, "ana")
    url = urlsplit(_held_callback(page))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    query["state"] = query["state"][:-4] + "AAAA"
    answer = page.goto(url._replace(query=urlencode(query)).geturl())
    assert answer.status == 400
    assert T("This sign-in did not come back as it started: it expired, it was opened in another browser, or it "
             "was altered on the way. Nobody was signed in. Start again.") in page.locator(".problems").inner_text()
    assert_no_violations(page)
    assert idp.token_requests == [], "the code was never spent"
    assert _sessions(world) == [] and "nmrf_console" not in {c["name"] for c in page.context.cookies()}
    page.goto(server + "/console")
    assert page.url.endswith("/console/sign-in")


def test_the_callback_in_another_browser_or_a_second_time_is_refused(server, world, idp, browser):  # type: ignore[no-untyped-def]
    page = _at_provider(browser, server, "ana")
    callback = _held_callback(page)
    other = browser.new_context(locale="es-CL").new_page()
    answer = other.goto(callback)
    assert answer.status == 400 and _sessions(world) == []
    page.goto(callback)
    page.wait_for_url(server + "/console")
    assert page.goto(callback).status == 400, "the same answer again: the flow's cookie is spent"
    assert len(_sessions(world)) == 1


def test_a_sign_in_declined_at_the_provider_is_refused_clearly(server, world, idp, browser):  # type: ignore[no-untyped-def]
    page = _at_provider(browser, server, None)
    with page.expect_response(re.compile(r"/console/oidc/CL/callback\?")) as answer:
        page.get_by_role("button", name="Cancel").click()
    assert answer.value.status == 400
    assert T("%(provider)s did not sign you in (it answered: %(error)s). You can try again.") % {
        "provider": PROVIDER, "error": "access_denied"} in page.locator(".problems").inner_text()
    assert_no_violations(page)
    assert _sessions(world) == []


def test_a_provider_that_cannot_be_used_is_said_plainly_and_the_log_names_no_secret(
        server, world, idp, browser, monkeypatch, caplog):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NMRF_TEST_OIDC_SECRET")  # the server lost its secret: a misconfiguration, not a person's fault
    page = browser.new_context(locale="es-CL").new_page()
    page.goto(server + "/console/sign-in")
    with page.expect_response(re.compile(r"/console/oidc/CL$")) as answer:
        page.get_by_role("link", name=T("Sign in with %(provider)s") % {"provider": PROVIDER}).click()
    assert answer.value.status == 502
    assert T("The sign-in with %(provider)s could not be completed. Try again in a moment, or ask for a link by "
             "e-mail.") % {"provider": PROVIDER} in page.locator(".problems").inner_text()
    assert_no_violations(page)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "nmrf.server")
    assert "NMRF_TEST_OIDC_SECRET" in logged and idp.client_secret not in logged
    assert idp.authorize_requests == [] and _sessions(world) == []
