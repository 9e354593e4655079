"""Changing a running cycle in the console, in a real headless Chromium checked by axe-core: the Ministry of
Health is removed (its deadlines CANCELLED in the secretariat's feed), a lead time is lengthened (the page
shows what moves, nothing saved until confirmed), and a form opened before the change is refused."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import select
from tests.support.console_browser import T, signed_in
from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.models import Milestone
from nmrf.models.db import session_scope
from nmrf.services.people import get_institution, get_state

# A whole journey in Chromium (10-30 s each): `make test-rest` runs it; `make test` keeps the recommendations'
# and the personal pages' browser tests.
pytestmark = pytest.mark.slow



def _dues(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        return {m.key: m.due_date for m in s.exec(select(Milestone).where(Milestone.cycle_id == 1))}


def test_the_secretariat_removes_a_ministry_and_lengthens_a_lead_time_after_seeing_what_moves(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    from icalendar import Calendar

    point_addresses(world, smtp, None)
    got = CliRunner().invoke(cli, ["feeds", "url", "ana-rojas", "--secretariat"])
    assert got.exit_code == 0, got.output
    feed = re.search(r"(https?://\S+/feeds/\S+)", got.output).group(1)
    with session_scope(world, readonly=True) as s:
        health = get_institution(session=s, state=get_state(session=s), key="health").id
        own = {m.key for m in s.exec(select(Milestone).where(Milestone.cycle_id == 1,
                                                             Milestone.institution_id == health))}
    assert own

    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.goto(server + "/console/cycles/1")
    stale = browser.contexts[-1].new_page()  # the same cycle opened in another tab, before the change
    stale.goto(server + "/console/cycles/1")

    page.get_by_role("button", name=T("Remove from the cycle")).click()  # nothing chosen: refused
    assert page.locator("#remove-who-error").inner_text() == T("Choose who leaves the cycle.")
    assert page.locator("#remove-reason-error").inner_text() == T("Say why they leave the cycle.")
    assert_no_violations(page)
    page.locator("#remove-who").select_option("institution:health")
    page.locator("#remove-reason").fill("Merged into the Ministry of Social Development")
    page.get_by_role("button", name=T("Remove from the cycle")).click()
    assert page.locator(".notice").first.inner_text() == T("Removed. Deadlines cancelled: %(count)s.") % {
        "count": len(own)}
    events = Calendar.from_ical(httpx.get(feed).content).walk("VEVENT")
    cancelled = {str(e.get("SUMMARY")) for e in events if str(e.get("STATUS")) == "CANCELLED"}
    assert cancelled and all("Health" in s or "Salud" in s for s in cancelled)  # only the ministry's own
    with session_scope(world, readonly=True) as s:
        assert {m.key for m in s.exec(select(Milestone).where(Milestone.cycle_id == 1,
                                                              Milestone.status == "cancelled"))} == own

    # The other tab's form was opened before: refused, nothing changed.
    before = _dues(world)
    stale.get_by_role("button", name=T("Show what these lead times move")).click()
    assert stale.locator(".problems").inner_text().strip() == T(
        "This cycle changed since you opened the form: look at it again.")
    assert _dues(world) == before

    page.goto(server + "/console/cycles/1")
    amount = page.locator("input[id^=amount-]").first
    key = amount.get_attribute("id").removeprefix("amount-")
    unit = page.locator(f"#unit-{key}").input_value()
    amount.fill(str(int(amount.input_value()) - (14 if unit == "days" else 2)))
    page.get_by_role("button", name=T("Show what these lead times move")).click()
    # count() does not wait: the preview's page must have arrived before its lines are counted.
    page.get_by_role("heading", name=T("What moves if you save")).wait_for()
    moved = page.locator("#lead-times ~ .notice li")
    shown = moved.count()
    assert shown >= 1 and "→" in moved.first.inner_text()
    assert _dues(world) == before  # a preview saves nothing
    assert_no_violations(page)
    page.get_by_role("button", name=T("Save the lead times")).click()
    assert page.locator(".notice").first.inner_text() == T(
        "Lead times saved. Deadlines moved: %(count)s.") % {"count": shown}
    after = _dues(world)
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) == shown and all(after[k] < before[k] for k in changed)


def test_removing_the_only_holder_of_a_role_names_the_deadlines_now_owned_by_nobody(server, world, smtp, browser):  # type: ignore[no-untyped-def]
    from nmrf.models import CycleMember
    from nmrf.services.people import get_person

    point_addresses(world, smtp, None)
    with session_scope(world, actor="test") as s:
        s.add(CycleMember(cycle_id=1, person_id=get_person(session=s, state=get_state(session=s),
                                                           key="valentina-diaz").id))
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.goto(server + "/console/cycles/1")
    page.locator("#remove-who").select_option("member:valentina-diaz")
    page.locator("#remove-reason").fill("Moved to another post")
    page.get_by_role("button", name=T("Remove from the cycle")).click()
    notice = page.locator(".notice").first
    notice.wait_for()
    assert T("Nobody left in the cycle holds the role for these deadlines: name someone in the profile.") in (
        notice.inner_text())
    # She was the Ministry of Women's only focal point: its deadlines are listed by key.
    assert notice.locator("li").count() >= 1 and all(":women)" in t for t in notice.locator("li").all_inner_texts())
    assert_no_violations(page)
    assert "Valentina" not in page.locator("#remove-who").inner_text()  # no longer a member to remove
