"""The recommendations table answers in place (htmx) and works the same without JavaScript, in a real headless
Chromium checked by axe-core: typing a word narrows the rows without loading the page again, the address follows
the filter (a link to share, the back button), the count is announced from a status region, and a browser with
JavaScript off gets the same rows from the plain form."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import expect
from tests.support.console_browser import T, signed_in
from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses
from sqlmodel import select

from tests.e2e.web.test_console_recs_filters import recs  # noqa: F401  (the fixture: more to filter on)

from nmrf.domain.taxonomy import load_taxonomy
from nmrf.models import Institution, Recommendation
from nmrf.models.db import session_scope
from nmrf.services.people import get_state
from nmrf.services.recommendation_table import STATUS_LABELS, read_filters, recommendations_table, status_expression


def _count(text: str) -> int:
    return int(re.search(r"\d[\d.\s ]*", text).group(0).replace(".", "").replace(" ", "").replace(" ", ""))


def _ids(rows) -> list[int]:  # type: ignore[no-untyped-def]
    """Each row's number (its first link), read in one round trip to the browser rather than two a row."""
    return [int(t) for t in rows.evaluate_all("rows => rows.map(r => r.querySelector('td a').innerText)")]


def _matching(engine, word: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The first page of recommendations whose text, body or document holds the word, read from the database."""
    with session_scope(engine, readonly=True) as s:
        recs = s.exec(select(Recommendation).order_by(Recommendation.id)).all()
        return [r.id for r in recs if any(word in (f or "").lower() for f in (r.text, r.body, r.document))][:50]


def test_typing_a_word_narrows_the_recommendations_in_place_and_the_address_follows(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
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
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
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


def _shown(engine, page: int = 1, **asked) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """A page's ids and the count the service gives for these filters (checked against the database in
    test_console_recs_filters)."""
    filters, _ = read_filters(asked)
    with session_scope(engine, readonly=True) as s:
        t = recommendations_table(session=s, state=get_state(session=s), filters=filters, page=page,
                                  choices=False)
        return [r.rec.id for r in t.rows], t.total


def _status_of(engine, rec_id: int) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(status_expression()).where(Recommendation.id == rec_id)).one()


def _name(engine, key: str) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        i = s.exec(select(Institution).where(Institution.key == key)).one()
        return (i.names or {}).get("es", i.name)


def test_each_filter_is_a_labelled_field_whose_choice_answers_in_place_and_the_pages_keep_it(
        server, recs, smtp, browser, tmp_path):  # type: ignore[no-untyped-def]
    point_addresses(recs, smtp, None)
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.goto(server + "/console/recommendations")
    page.evaluate("window.nmrfMarker = 'still the same page'")
    for label in ("Search the text", "Mechanism", "Theme", "Status", "Position", "Cluster", "Goal",
                  "Where the goal comes from", "Institution", "Responsibility", "Possible without a budget",
                  "A national priority", "About disadvantaged or marginalised groups"):
        assert page.get_by_label(T(label), exact=True).count() == 1, label

    before = page.locator("#recs-count").inner_text()
    page.get_by_label(T("Theme"), exact=True).select_option("women")
    page.wait_for_url(re.compile(r"theme=women"))
    page.wait_for_function("t => document.querySelector('#recs-count').innerText !== t", arg=before)
    ids, total = _shown(recs, theme="women")
    assert _count(page.locator("#recs-count").inner_text()) == total
    assert _ids(page.locator("#recs-results tbody tr")) == ids

    before = page.locator("#recs-count").inner_text()
    page.get_by_label(T("Institution"), exact=True).select_option("women")
    page.wait_for_url(re.compile(r"institution=women"))
    page.wait_for_function("t => document.querySelector('#recs-count').innerText !== t", arg=before)
    ids, total = _shown(recs, theme="women", institution="women")
    assert _count(page.locator("#recs-count").inner_text()) == total and _ids(
        page.locator("#recs-results tbody tr")) == ids
    assert page.evaluate("window.nmrfMarker") == "still the same page"
    # Why each row matched: its themes (in Spanish), who answers for it, its status.
    cells = page.locator("#recs-results tbody tr").first.locator("td")
    assert T(load_taxonomy().themes["women"].name) in cells.nth(3).inner_text()
    assert cells.nth(4).inner_text().startswith(_name(recs, "women"))
    assert cells.nth(5).inner_text() == T(STATUS_LABELS[_status_of(recs, ids[0])]) == T("implemented")
    page.screenshot(path="/tmp/recfilter-shot.png", full_page=True)
    assert_no_violations(page)

    # A goal with many rows: the next page keeps the filters, in place.
    page.goto(server + "/console/recommendations?sdg=16&sdg_basis=any")
    ids, total = _shown(recs, sdg="16")
    assert total > 50
    page.evaluate("window.nmrfMarker = 'still the same page'")
    page.get_by_role("link", name=T("Next page")).click()
    page.wait_for_url(re.compile(r"sdg=16.*page=2"))
    page.locator("a[rel=prev]").wait_for()
    assert page.evaluate("window.nmrfMarker") == "still the same page"
    assert _ids(page.locator("#recs-results tbody tr")) == _shown(recs, page=2, sdg="16")[0]
    assert _count(page.locator("#recs-count").inner_text()) == total


def test_a_filter_that_cannot_be_read_is_named_beside_its_field_and_not_applied(server, recs, smtp, browser
                                                                                ):  # type: ignore[no-untyped-def]
    point_addresses(recs, smtp, None)
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.goto(server + "/console/recommendations?theme=women&sdg=99")
    said = T("Choose a goal from 1 to 17.")
    notice = page.locator("#recs-results .problems")
    assert said in notice.inner_text()
    assert page.locator("#f-sdg-error").inner_text() == said
    assert page.get_by_label(T("Goal"), exact=True).get_attribute("aria-invalid") == "true"
    ids, total = _shown(recs, theme="women")  # the theme applies, the goal does not
    assert _count(page.locator("#recs-count").inner_text()) == total and _ids(
        page.locator("#recs-results tbody tr")) == ids
    assert_no_violations(page)
    # Choosing a goal answers in place: the notice and the problem beside the field go.
    page.get_by_label(T("Goal"), exact=True).select_option("5")
    page.wait_for_url(re.compile(r"sdg=5"))
    notice.wait_for(state="detached")
    assert page.locator("#f-sdg-error").inner_text() == ""
    # ... and the field is no longer marked invalid; a problem that arrives in place marks its own field.
    expect(page.locator("#f-sdg")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label(T("Search the text"), exact=True).fill("a\x00b")
    expect(page.locator("#q")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#f-q-error").inner_text() != ""
    ids, total = _shown(recs, theme="women", sdg="5")
    assert _count(page.locator("#recs-count").inner_text()) == total
    assert _ids(page.locator("#recs-results tbody tr")) == ids


def test_without_javascript_the_new_filters_give_the_same_rows(server, recs, smtp, browser
                                                               ):  # type: ignore[no-untyped-def]
    point_addresses(recs, smtp, None)
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    plain = browser.new_context(locale="es-CL", java_script_enabled=False)
    plain.add_cookies(page.context.cookies())
    p = plain.new_page()
    p.goto(server + "/console/recommendations")
    p.get_by_label(T("Status"), exact=True).select_option("in_progress")
    p.get_by_label(T("Possible without a budget"), exact=True).select_option("unassessed")
    p.get_by_role("button", name=T("Filter")).click()
    p.wait_for_url(re.compile(r"status=in_progress"))
    ids, total = _shown(recs, status="in_progress", no_budget="unassessed")
    assert total > 0 and _count(p.locator("#recs-count").inner_text()) == total
    assert _ids(p.locator("#recs-results tbody tr")) == ids
    assert T("Priority factors") in p.locator("#recs-results thead").inner_text()
    plain.close()
