"""The recommendations table answers in place (htmx) and works the same without JavaScript, in a real headless
Chromium checked by axe-core: typing a word narrows the rows without loading the page again, the address follows
the filter (a link to share, the back button), the count is announced from a status region, and a browser with
JavaScript off gets the same rows from the plain form."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx
from tests.e2e.web.test_console_browser import T, _sign_in
from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses
from sqlmodel import select

from nmrf.models import Recommendation
from nmrf.models.db import session_scope


def _count(text: str) -> int:
    return int(re.search(r"\d[\d.\s ]*", text).group(0).replace(".", "").replace(" ", "").replace(" ", ""))


def _ids(rows) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(r.locator("td a").first.inner_text()) for r in rows.all()]


def _matching(engine, word: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The first page of recommendations whose text, body or document holds the word, read from the database."""
    with session_scope(engine, readonly=True) as s:
        recs = s.exec(select(Recommendation).order_by(Recommendation.id)).all()
        return [r.id for r in recs if any(word in (f or "").lower() for f in (r.text, r.body, r.document))][:50]


def test_typing_a_word_narrows_the_recommendations_in_place_and_the_address_follows(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    page = _sign_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.goto(server + "/console/recommendations")
    before = page.locator("#recs-count").inner_text()
    everything = _count(before)
    assert everything > 20
    page.evaluate("window.nmrfMarker = 'still the same page'")  # gone if the browser loads the page again

    page.get_by_label(T("Search the text"), exact=True).fill("torture")
    page.wait_for_url(re.compile(r"/console/recommendations\?.*q=torture"))
    # The count is swapped in with the rows: wait until it no longer reads the whole table's.
    page.wait_for_function("t => document.querySelector('#recs-count').innerText !== t", arg=before)
    found = _count(page.locator("#recs-count").inner_text())
    rows = page.locator("#recs-results tbody tr")
    assert 0 < found < everything
    assert page.evaluate("window.nmrfMarker") == "still the same page", "answered in place, not reloaded"
    assert _ids(rows) == _matching(world, "torture")
    assert page.locator("#recs-count").get_attribute("role") == "status"
    assert_no_violations(page)

    # The address is the filter: opened afresh (a link shared with a colleague), it shows the same rows.
    shared = page.url
    assert parse_qs(urlparse(shared).query)["q"] == ["torture"]
    again = page.context.new_page()
    again.goto(shared)
    assert _count(again.locator("#recs-count").inner_text()) == found
    assert again.get_by_label(T("Search the text"), exact=True).input_value() == "torture"
    again.close()

    # A choice in a list answers in place too.
    page.get_by_label(T("Position"), exact=True).select_option("none")
    page.wait_for_url(re.compile(r"position=none"))
    assert page.evaluate("window.nmrfMarker") == "still the same page"


def test_without_javascript_the_filter_form_gives_the_same_rows(server, world, smtp, browser
                                                                 ):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    page = _sign_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    cookies = page.context.cookies()
    plain = browser.new_context(locale="es-CL", java_script_enabled=False)
    plain.add_cookies(cookies)
    p = plain.new_page()
    p.goto(server + "/console/recommendations")
    p.get_by_label(T("Search the text"), exact=True).fill("torture")
    p.get_by_role("button", name=T("Filter")).click()
    p.wait_for_url(re.compile(r"q=torture"))
    found = _count(p.locator("#recs-count").inner_text())
    assert found > 0
    assert _ids(p.locator("#recs-results tbody tr")) == _matching(world, "torture")
    # (axe-core is a script: it checks this page in the test above, with JavaScript on.)
    plain.close()


def test_the_console_loads_scripts_only_from_its_own_site(server, world):  # type: ignore[no-untyped-def]
    got = httpx.get(server + "/console/sign-in")
    csp = got.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    js = httpx.get(server + "/static/nmrf/htmx.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert httpx.get(server + "/static/nmrf/../app.py").status_code == 404
    assert httpx.get(server + "/static/nmrf/templating.py").status_code == 404
