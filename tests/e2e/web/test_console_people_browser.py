"""The console's people page in a real headless Chromium, checked by axe-core: who holds which role, their
addresses with every secret masked, the roles nobody holds, and a personal-page link issued to a focal point
(it reaches her through the local SMTP sink and opens her page), rotated and revoked (a revoke without a
reason is refused beside its field)."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlmodel import select
from tests.support.console_browser import T, signed_in
from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses

from nmrf.models import Address, AuditEntry, PageLink
from nmrf.models.db import session_scope
from nmrf.services.people import get_person, get_state

# A whole journey in Chromium (10-30 s each): `make test-rest` runs it; `make test` keeps the recommendations'
# and the personal pages' browser tests.
pytestmark = pytest.mark.slow

SECRET = "S3cret-Pa55word"


def _mail_to(smtp, address: str, after: int) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        mine = [m for m in smtp.mails if m.recipients == [address]]
        if len(mine) > after:
            return mine[-1].text
        time.sleep(0.1)
    raise AssertionError(f"no message to {address}")


def test_the_secretariat_sees_roles_masked_addresses_and_missing_roles_and_issues_rotates_and_revokes_a_link(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    with session_scope(world, actor="test") as s:
        state = get_state(session=s)
        tomas = get_person(session=s, state=state, key="tomas-silva")
        s.add(Address(person_id=tomas.id, label="alerts", url=f"json://alerts:{SECRET}@127.0.0.1:9/hook"))
        # The Ministry of Health's only focal point has left: the check must name the ministry and the role.
        get_person(session=s, state=state, key="jorge-nunez").active = False
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.get_by_role("link", name=T("People"), exact=True).click()
    page.wait_for_url(server + "/console/people")
    assert_no_violations(page)
    html = page.content()
    assert SECRET not in html and "alerts" in html  # the address is listed, its password masked
    row = page.locator("#person-paula-herrera")
    assert T("focal point") in row.inner_text()
    missing = page.locator("ul[aria-labelledby=missing-title]").inner_text()
    assert missing.strip() == f"Ministry of Health: {T('focal point')}"  # nothing else is unheld
    assert "Jorge" not in page.locator("table").inner_text()  # who left is no longer listed

    page.locator("summary", has_text="Paula Herrera").click()
    page.locator("#kind-paula-herrera").select_option("page")
    page.locator("#action-paula-herrera").select_option("issue")
    page.locator("form[action='/console/people/paula-herrera/links'] button").click()
    assert page.locator(".notice").inner_text().strip()
    body = _mail_to(smtp, "paula.herrera@example.gob.cl", 0)
    link = re.search(r"(http://127\.0\.0\.1:\d+/p/[A-Za-z0-9_-]{43})", body).group(1)
    assert link not in page.content()  # the page never shows the new link
    assert httpx.get(link).status_code == 200
    assert_no_violations(page)

    page.locator("summary", has_text="Paula Herrera").click()
    page.locator("#action-paula-herrera").select_option("revoke")
    page.locator("form[action='/console/people/paula-herrera/links'] button").click()
    error = page.locator("#reason-paula-herrera-error")
    assert error.inner_text() == T("Say why the link is revoked (kept in the history).")
    assert page.locator("#reason-paula-herrera").get_attribute("aria-invalid") == "true"
    assert_no_violations(page)
    assert httpx.get(link).status_code == 200  # nothing changed
    page.locator("#reason-paula-herrera").fill("left the ministry")
    page.locator("form[action='/console/people/paula-herrera/links'] button").click()
    page.locator(".notice").wait_for()
    assert httpx.get(link).status_code == 404
    with session_scope(world, readonly=True) as s:
        acts = s.exec(select(AuditEntry).where(AuditEntry.table_name == "page_link")).all()
    assert {e.actor for e in acts} == {"ana-rojas"}


def test_an_observer_sees_people_without_forms_and_a_hand_made_link_act_is_refused_on_record(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    from nmrf.models import RoleAssignment

    point_addresses(world, smtp, None)
    with session_scope(world, actor="test") as s:
        p = get_person(session=s, state=get_state(session=s), key="tomas-silva")
        for r in s.exec(select(RoleAssignment).where(RoleAssignment.person_id == p.id)):
            s.delete(r)
        s.add(RoleAssignment(person_id=p.id, role="observer"))
    page = signed_in(browser, server, smtp, "tomas.silva@example.gob.cl")
    page.goto(server + "/console/people")
    assert page.locator("form[action$='/links']").count() == 0
    assert_no_violations(page)
    got = page.request.post(server + "/console/people/paula-herrera/links",
                            form={"kind": "page", "action": "issue", "csrf": "x"})
    assert got.status == 403
    with session_scope(world, readonly=True) as s:
        refused = s.exec(select(AuditEntry).where(AuditEntry.op == "refused")).all()
        assert [(e.actor, e.changes["act"]) for e in refused] == [("tomas-silva", "change the links of paula-herrera")]
        assert not s.exec(select(PageLink)).all()
