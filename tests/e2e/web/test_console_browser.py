"""The console in a real headless Chromium (Debian's package, driven by Playwright), checked by axe-core.

The head of the secretariat asks for a sign-in link, opens it from the local SMTP sink in the same browser,
sees the example State's late items, sets an official date and sees what moves before saving, records the
State's position on a UPR recommendation (a form without its source is refused beside the field), cancels a
cycle and sees its events CANCELLED in the secretariat's feed. An observer reads and cannot change anything:
403, and the attempt is in the history. No page has a WCAG 2.2 A/AA violation.
"""

from __future__ import annotations

import re
import time
from datetime import date

import httpx
import pytest
from tests.support.browser import assert_no_violations
from tests.support.console_browser import ES, T, ask_for_link, mailed_sign_in_link
from tests.support.notify import point_addresses
from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.domain.i18n import translator
from nmrf.models import AuditEntry, Milestone, RoleAssignment
from nmrf.models.db import session_scope
from nmrf.services.people import get_person, get_state

# A whole journey in Chromium (10-30 s each): `make test-rest` runs it; `make test` keeps the recommendations'
# and the personal pages' browser tests.
pytestmark = pytest.mark.slow


def _sign_in(browser, server: str, smtp, address: str):  # type: ignore[no-untyped-def]
    page = ask_for_link(browser, server, address)
    assert_no_violations(page)
    link = mailed_sign_in_link(smtp, address)
    # The same link in another browser (no cookie of the request) signs nobody in.
    other = browser.new_context(locale="es-CL").new_page()
    other.goto(link)
    other.get_by_role("button", name=T("Sign in")).click()
    assert T("This sign-in link does not work: it was used, it expired, or it was opened in another browser.") in other.locator(".problems").inner_text()
    other.context.close()
    page.goto(link)
    assert_no_violations(page)
    page.get_by_role("button", name=T("Sign in")).click()
    page.wait_for_url(server + "/console")
    cookie = next(c for c in page.context.cookies() if c["name"] == "nmrf_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > time.time() + 7 * 3600
    return page


def test_the_head_of_secretariat_signs_in_sees_the_late_items_sets_a_date_records_positions_and_cancels(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    page = _sign_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    late = page.locator("table:has(#late-table)")
    assert "Valentina Díaz" in late.inner_text() and ES.ngettext("%(num)d day late", "%(num)d days late", 4) % {"num": 4} in late.inner_text()
    assert_no_violations(page)
    page.get_by_label(T("Institution"), exact=True).select_option("women")
    page.get_by_role("button", name=T("Filter")).click()
    page.wait_for_url("**institution=women*")
    assert "Valentina Díaz" in page.locator("table:has(#late-table)").inner_text()

    page.goto(server + "/console/cycles")
    assert_no_violations(page)
    page.locator("a[href=\"/console/cycles/1\"]").first.click()
    page.wait_for_url("**/console/cycles/1")  # the click returns before the new page is read (a busy machine)
    assert page.locator("svg.timeline").count() == 1
    assert_no_violations(page)
    page.get_by_label(T("Deadline"), exact=True).select_option("review")
    page.get_by_label(re.compile("^" + re.escape(T("Official date")))).fill("15/05/2028")
    page.get_by_role("button", name=T("Show what moves")).click()
    assert page.locator("#day-error").inner_text() == T("Enter the date as YYYY-MM-DD.")
    assert_no_violations(page)
    page.get_by_label(re.compile("^" + re.escape(T("Official date")))).fill("2028-05-15")
    page.get_by_label(re.compile("^" + re.escape(T("Source (document or notice that set the date)")))).fill("HRC UPR calendar, session 49")
    page.get_by_role("button", name=T("Show what moves")).click()
    preview = page.locator(".notice", has_text=T("What moves if you save"))
    assert ES.format_date(date(2028, 5, 15)) in preview.inner_text()
    assert_no_violations(page)
    page.get_by_role("button", name=T("Save the official date")).click()
    saved = page.locator(".notice", has_text=T("Saved")).inner_text()
    assert T("These dates moved:") in saved

    page.goto(server + "/console/recommendations?position=none")
    assert_no_violations(page)
    page.goto(server + "/console/recommendations")
    page.locator("table tbody tr a").first.click()
    page.get_by_label(T("Document the position comes from"), exact=True).fill("")
    page.get_by_label(T("Noted"), exact=True).check()
    page.get_by_role("button", name=T("Record the position")).click()
    assert page.locator("#source-error").inner_text() == T("Name the document the position comes from (e.g. the addendum, A/HRC/…/Add.1).")
    assert_no_violations(page)
    page.get_by_label(T("Document the position comes from"), exact=True).fill("A/HRC/41/6/Add.1")
    page.get_by_role("button", name=T("Record the position")).click()
    assert T("The State's position is recorded.") in page.locator(".notice").inner_text()
    assert "noted (A/HRC/41/6/Add.1, ana-rojas)" in page.locator("dl").inner_text()

    got = CliRunner().invoke(cli, ["feeds", "url", "ana-rojas", "--secretariat"])
    assert got.exit_code == 0, got.output
    feed = re.search(r"(https?://\S+/feeds/\S+)", got.output).group(1)
    assert "STATUS:CANCELLED" not in httpx.get(feed).text
    page.goto(server + "/console/cycles/1")
    page.get_by_label(T("Reason"), exact=True).fill("The Council postponed the review")
    page.get_by_role("button", name=T("End the cycle")).click()
    assert "cancelled" in page.locator("h1 + p").inner_text()
    from icalendar import Calendar

    events = Calendar.from_ical(httpx.get(feed).content).walk("VEVENT")
    cancelled = [e for e in events if str(e.get("STATUS")) == "CANCELLED"]
    assert cancelled, "the cancelled cycle's deadlines stay in the feed as CANCELLED"
    with session_scope(world, readonly=True) as s:
        ended = s.exec(select(Milestone).where(Milestone.cycle_id == 1, Milestone.status == "cancelled")).all()
    assert {str(e.get("UID")) for e in cancelled} <= {str(e.get("UID")) for e in events}
    assert len(cancelled) <= len(ended)

    page.goto(server + "/console/outbox")
    assert_no_violations(page)
    page.goto(server + "/console/history")
    said = ES.gettext("%(who)s changed %(what)s (#%(id)s): %(changes)s") % {
        "who": "Ana Rojas Muñoz", "what": T("a recommendation"), "id": "", "changes": ""}
    history = page.locator("ol.history").inner_text()
    assert said.split("(")[0] in history and "A/HRC/41/6/Add.1" in history  # in her language, with the source
    with page.expect_download() as dl:
        page.get_by_role("link", name=T("Download this history (CSV)")).click()
    exported = open(dl.value.path(), encoding="utf-8-sig").read()
    assert exported.startswith("at_utc,who,table,what") and "A/HRC/41/6/Add.1" in exported
    assert_no_violations(page)


def test_an_observer_sees_the_console_but_cannot_change_anything_and_the_attempt_is_on_record(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    with session_scope(world, actor="test") as s:
        p = get_person(session=s, state=get_state(session=s), key="tomas-silva")
        for r in s.exec(select(RoleAssignment).where(RoleAssignment.person_id == p.id)):
            s.delete(r)
        s.add(RoleAssignment(person_id=p.id, role="observer"))
    page = _sign_in(browser, server, smtp, "tomas.silva@example.gob.cl")
    assert T("read only") in page.locator("nav").inner_text()
    page.goto(server + "/console/cycles/1")
    page.get_by_label(T("Reason"), exact=True).fill("I should not be able to")
    with page.expect_response(lambda r: r.url.endswith("/cancel")) as resp:
        page.get_by_role("button", name=T("End the cycle")).click()
    assert resp.value.status == 403
    assert_no_violations(page)
    page.goto(server + "/console/cycles/1")
    assert "active" in page.locator("h1 + p").inner_text()
    with session_scope(world, readonly=True) as s:
        refused = s.exec(select(AuditEntry).where(AuditEntry.op == "refused")).all()
    assert [(e.actor, e.changes["act"]) for e in refused] == [("tomas-silva", "cancel or close cycle 1")]


def _docx(path, text: str):  # type: ignore[no-untyped-def]
    from docx import Document

    d = Document()
    d.add_paragraph(text)
    d.save(str(path))
    return path


def test_the_secretariat_launches_from_the_inventory_records_an_input_with_a_document_and_adds_a_ministry(
        server, world, smtp, browser, tmp_path):  # type: ignore[no-untyped-def]
    from tests.support.notify import write_profile

    from nmrf.domain.clock import moment
    from nmrf.profile import load_profile
    from nmrf.services.profiles import apply_profile

    def culture(data):  # type: ignore[no-untyped-def]
        # A ministry added to the profile after the UPR cycle was launched.
        data["institutions"].append({"key": "culture", "name": "Ministry of Cultures", "kind": "ministry"})
        data["people"].append({"key": "rosa-pinto", "name": "Rosa Pinto", "institution": "culture",
                               "roles": ["focal_point"], "language": "es", "timezone": "America/Santiago",
                               "addresses": [{"label": "email", "url": "mailto://x@example.gob.cl?to=rosa.pinto@example.gob.cl"}]})

    with session_scope(world, actor="test") as s:
        apply_profile(session=s, profile=load_profile(write_profile(tmp_path, edit=culture)),
                      now=moment(date(2027, 9, 1), "America/Santiago")[1])
    point_addresses(world, smtp, None)
    page = _sign_in(browser, server, smtp, "ana.rojas@example.gob.cl")

    page.get_by_role("link", name=T("Launch a cycle from the inventory")).click()
    assert_no_violations(page)
    page.get_by_role("link", name=re.compile("^CEDAW")).first.click()
    assert_no_violations(page)
    for field in page.locator("input[id^=source-]").all():
        field.fill("CEDAW/C/CHL/CO/7, para. 60")
    page.get_by_role("button", name=T("Launch the cycle")).click()
    page.wait_for_url(re.compile(r"/console/cycles/\d+$"))
    assert "CEDAW" in page.locator("h1").inner_text()
    cedaw = page.url

    page.goto(server + "/console/cycles/1")
    page.get_by_label(T("What was done"), exact=True).select_option("input:women")
    page.get_by_label(T("On behalf of"), exact=True).select_option("valentina-diaz")
    page.get_by_label(T("Note (how it reached you)"), exact=True).fill("sent by post, scanned")
    page.get_by_label(T("Document (the input itself, or evidence: DOCX, ODT or PDF)"), exact=True).set_input_files(
        str(_docx(tmp_path / "women.docx", "The Ministry of Women reports on the femicide law.")))
    page.get_by_role("button", name=T("Record it")).click()
    assert page.locator(".notice").first.inner_text() == T("Recorded: %(what)s.") % {
        "what": ES.gettext("Information for the national report")}
    assert_no_violations(page)
    records = page.locator("h2", has_text=T("Records")).locator("xpath=following-sibling::ul[1]").inner_text()
    assert "sent by post, scanned" in records

    page.get_by_label(T("Institution"), exact=True).select_option("culture")
    page.get_by_role("button", name=T("Add the institution")).click()
    joined = page.locator(".notice").first.inner_text()
    assert ":culture" in joined
    taking = page.locator("h2", has_text=T("Institutions in this cycle")).locator("xpath=following-sibling::p[1]")
    assert "Ministry of Cultures" in taking.inner_text()
    assert_no_violations(page)
    page.goto(cedaw)
    assert page.locator("svg.timeline").count() == 1
