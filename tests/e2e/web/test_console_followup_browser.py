"""A recommendation's follow-up in the console, in a real headless Chromium checked by axe-core: the head of
the secretariat assigns a lead, adds an action (a form without its date is refused beside the field) and
records its progress; the page shows the status and its history."""

from __future__ import annotations


import pytest
from sqlmodel import select
from tests.support.console_browser import T, signed_in
from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses

from nmrf.models import FollowUpAction, Recommendation
from nmrf.models.db import session_scope

# A whole journey in Chromium (10-30 s each): `make test-rest` runs it; `make test` keeps the recommendations'
# and the personal pages' browser tests.
pytestmark = pytest.mark.slow



def test_the_head_of_secretariat_assigns_a_lead_adds_an_action_and_records_its_progress(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    with session_scope(world, readonly=True) as s:
        rec_id = s.exec(select(Recommendation.id).where(Recommendation.cluster_id.is_not(None))  # type: ignore[union-attr]
                        .order_by(Recommendation.id)).first()
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.goto(f"{server}/console/recommendations/{rec_id}")
    assert_no_violations(page)
    page.locator("#assign-lead").select_option("health")
    page.locator("#support-education").check()
    page.get_by_role("button", name=T("Assign")).click()
    facts = page.locator("ul.responsibility").inner_text()
    assert "Ministry of Health" in facts and "Ministry of Education" in facts

    page.locator("#action-title").fill("Draft the bill on mental health")
    page.get_by_role("button", name=T("Add the action")).click()
    assert page.locator("#action-due-error").inner_text() == T("Enter the date as YYYY-MM-DD.")
    assert page.locator("#action-title").input_value() == "Draft the bill on mental health"  # kept
    assert_no_violations(page)
    with session_scope(world, readonly=True) as s:
        assert not s.exec(select(FollowUpAction)).all()
    page.locator("#action-due").fill("2028-03-31")
    page.locator("#action-kind").select_option("structural")
    page.get_by_role("button", name=T("Add the action")).click()
    with session_scope(world, readonly=True) as s:
        action = s.exec(select(FollowUpAction)).one()
    assert page.locator(f"#action-{action.id}-title").inner_text() == "Draft the bill on mental health"
    page.locator(f"#status-{action.id}").select_option("in_progress")
    page.locator(f"#note-{action.id}").fill("first draft circulated")
    page.get_by_role("button", name=T("Record the update")).click()
    section = page.locator(f"section[aria-labelledby=action-{action.id}-title]")
    assert section.locator(".action-status").inner_text() == "in_progress"
    assert "first draft circulated" in section.locator("ol.updates").inner_text()
    assert_no_violations(page)
