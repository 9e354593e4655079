"""Personal pages in a real headless Chromium (Debian's package, driven by Playwright), checked by axe-core.

A focal point opens the link from the message the local SMTP sink received, downloads her ministry's
workbook, uploads a bad one and sees each problem with its sheet and cell, uploads it filled in and sees it
accepted; a minister signs off with an explicit confirmation; a used link shows what was recorded, by whom
and when. Every page has no WCAG 2.2 A/AA violation.
"""

from __future__ import annotations

import re

from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.domain.i18n import translator
from nmrf.models import InputAnswer, Milestone, Record
from nmrf.models.db import session_scope


# Valentina Díaz and the Minister of Women read Spanish: the page speaks it (English where a string has no
# translation yet), so the test looks for what the catalog says.
T = translator("es", fallback="es").gettext
INPUT = T("Information for the national report")  # the catalogue's titles, in her language
SIGNOFF = T("Ministerial sign-off of the draft national report")






def _link_from_mail(smtp, person: str, address: str) -> str:  # type: ignore[no-untyped-def]
    got = CliRunner().invoke(cli, ["people", "link", person, "--send", "--as-of", "2027-09-20"])
    assert got.exit_code == 0, got.output
    assert "/p/" not in got.output, "the link is sent, never printed, with --send"
    mail = next(m for m in smtp.mails if m.recipients == [address])
    assert "nmrf " not in mail.text, "a message to someone outside the secretariat names no command"
    return re.search(r"(http://127\.0\.0\.1:\d+/p/[A-Za-z0-9_-]{43})", mail.text).group(1)


def test_a_focal_point_hands_in_her_workbook_from_the_link_in_her_mail_and_sees_each_problem_of_a_bad_one(
        server, world, smtp, browser, tmp_path):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    url = _link_from_mail(smtp, "valentina-diaz", "valentina.diaz@example.gob.cl")
    page = browser.new_page()
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "es"
    item = page.locator("section.item", has_text=INPUT)
    assert "late" in item.get_attribute("class") and "4" in item.locator("strong").inner_text()
    assert T("Draft national report compiled from the inputs") in item.inner_text()  # what it holds up
    assert_no_violations(page)

    with page.expect_download() as dl:
        item.get_by_role("link", name=T("Download the workbook of questions")).click()
    blank = tmp_path / "request.xlsx"
    dl.value.save_as(blank)
    wb = load_workbook(blank)
    ws = wb.worksheets[0]  # named in her ministry's working language
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) > 3

    # A bad one: a recommendation's text edited, a status not in the list, an answer that is a number.
    for row in rows:
        row[11].value, row[12].value = "A national plan covers it.", "in_progress"
    rows[0][6].value = "Something else entirely"
    rows[1][12].value = "almost"
    rows[2][11].value = 42
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    item.locator("input[type=file][accept^=\".xlsx\"]").set_input_files(str(bad))
    item.get_by_role("button", name=T("Hand in the workbook")).click()
    problems = page.locator("#problems")
    text = problems.inner_text()
    assert T("The file was refused") in text
    # Each problem with its sheet and cell (the sheet named in the workbook's language).
    assert f"!G{rows[0][0].row}" in text and "text was changed" in text
    assert f"{ws.title}!M{rows[1][0].row}" in text and "'almost'" in text
    assert f"{ws.title}!L{rows[2][0].row}" in text and "(42)" in text
    assert_no_violations(page)
    with session_scope(world, readonly=True) as s:
        assert s.exec(select(InputAnswer)).first() is None, "nothing recorded from a bad workbook"

    # Not a workbook at all.
    fake = tmp_path / "report.xlsx"
    fake.write_bytes(b"%PDF-1.7 not a workbook")
    page.locator("section.item", has_text=INPUT).locator(
        "input[type=file][accept^=\".xlsx\"]").set_input_files(str(fake))
    page.locator("section.item", has_text=INPUT).get_by_role(
        "button", name=T("Hand in the workbook")).click()
    assert T("This is not an Excel workbook (.xlsx): its content is of another kind.") in page.locator(
        "#problems").inner_text()

    # Filled in properly.
    wb = load_workbook(blank)
    for row in list(wb.worksheets[0].iter_rows(min_row=2)):
        row[11].value, row[12].value = f"The national plan covers it (ref. {row[0].value}).", "in_progress"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    item = page.locator("section.item", has_text=INPUT)
    item.locator("input[type=file][accept^=\".xlsx\"]").set_input_files(str(good))
    item.get_by_role("button", name=T("Hand in the workbook")).click()
    notice = page.locator("#notice").inner_text()
    assert T("Workbook accepted") in notice
    assert T("%(answered)s answer(s) of %(rows)s recorded for %(institution)s. Your input is recorded as handed in.") % {
        "answered": len(rows), "rows": len(rows), "institution": "Ministry of Women and Gender Equity"} in notice
    recorded = page.locator("ul.recorded").inner_text()
    assert INPUT in recorded and "valentina-diaz" in recorded
    said = T("Recorded on %(at)s UTC for %(by)s by %(recorder)s, through this page.") % {
        "at": "2027-09-20 15:00", "by": "Valentina Díaz", "recorder": "valentina-diaz"}
    assert said in recorded
    assert_no_violations(page)
    with session_scope(world, readonly=True) as s:
        m = s.exec(select(Milestone).where(Milestone.key == "input:women")).one()
        assert m.status == "done"
        assert len(list(s.exec(select(InputAnswer)))) == len(rows)

    # The used page shows the record, not a live form, also when opened again later.
    page.goto(url)
    assert page.locator("section.item", has_text=INPUT).count() == 0
    assert INPUT in page.locator("ul.recorded").inner_text()
    page.close()


def test_a_minister_signs_off_only_with_the_box_ticked_and_the_used_link_shows_who_recorded_it(
        server, world, smtp, browser):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    with session_scope(world, readonly=True) as s:
        from nmrf.models import Address, Person

        person = s.exec(select(Person).where(Person.key == "minister-women")).one()
        address = s.exec(select(Address).where(Address.person_id == person.id)).first()
        to = address.url.split("to=")[1].split("&")[0]
    url = _link_from_mail(smtp, "minister-women", to)
    page = browser.new_page()
    page.goto(url)
    item = page.locator("section.item", has_text=SIGNOFF)
    assert_no_violations(page)
    # The browser refuses to submit without the box (required); the server refuses it too.
    item.get_by_role("button", name=T("Sign off")).click()
    assert page.locator("#notice").count() == 0
    with session_scope(world, readonly=True) as s:
        assert s.exec(select(Milestone).where(Milestone.key == "signoff:women")).one().status != "done"

    second = browser.new_page()  # the same page, left open in another window
    second.goto(url)
    item.get_by_label(T("I have read the draft and I sign it off.")).check()
    item.get_by_label(T("Note (optional)")).fill("Signed after the cabinet meeting")
    item.get_by_role("button", name=T("Sign off")).click()
    assert T("Signed off") in page.locator("#notice").inner_text()
    assert_no_violations(page)
    with session_scope(world, readonly=True) as s:
        m = s.exec(select(Milestone).where(Milestone.key == "signoff:women")).one()
        assert m.status == "done" and m.completed_actor == "Minister of Women and Gender Equity"
        rec = s.exec(select(Record).where(Record.milestone_id == m.id)).one()
        assert rec.data["via"] == "page" and rec.data["confirmed"] is True

    # Signing off again from the other tab records nothing and says, in her language, when and by whom it was.
    other = second.locator("section.item", has_text=SIGNOFF)
    other.get_by_label(T("I have read the draft and I sign it off.")).check()
    other.get_by_role("button", name=T("Sign off")).click()
    told = T("Already signed off: recorded on %(when)s UTC by %(who)s.") % {
        "when": f"{rec.at:%Y-%m-%d %H:%M}", "who": rec.data.get("recorded_by") or rec.actor}
    assert told in second.locator("body").inner_text()
    second.close()
    with session_scope(world, readonly=True) as s:
        assert len(s.exec(select(Record).where(Record.milestone_id == m.id)).all()) == 1

    page.goto(url)
    assert page.locator("section.item", has_text=SIGNOFF).count() == 0
    shown = page.locator("ul.recorded").inner_text()
    assert SIGNOFF in shown and "minister-women" in shown and "2027-09-20" in shown
    assert "Signed after the cabinet meeting" in shown
    assert_no_violations(page)
    page.close()


def test_a_wrong_rotated_or_revoked_link_gets_the_same_page_that_tells_nothing(server, world, browser):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    got = runner.invoke(cli, ["people", "link", "valentina-diaz"])
    old = re.search(r"(http://\S+/p/\S+)", got.output).group(1)
    got = runner.invoke(cli, ["people", "rotate", "valentina-diaz"])
    new = re.search(r"(http://\S+/p/\S+)", got.output).group(1)
    page = browser.new_page()
    bodies = []
    for url in (old, new[:-3] + "AAA", server + "/p/short"):
        r = page.goto(url)
        assert r.status == 404
        bodies.append(page.content())
    assert len(set(bodies)) == 1 and "Valentina" not in bodies[0]
    assert_no_violations(page)
    assert page.goto(new).status == 200
    got = runner.invoke(cli, ["people", "revoke", "valentina-diaz", "--note", "left the ministry"])
    assert got.exit_code == 0, got.output
    assert page.goto(new).status == 404
    page.close()
