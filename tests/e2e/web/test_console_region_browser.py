"""A regional office's view in a real headless Chromium checked by axe-core: Ana Rojas holds a console role in
Chile's and Uruguay's profiles; "Your States" shows a line for each and, filtered on Uruguay, only its items."""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from tests.support.console_browser import T, signed_in
from tests.support.browser import assert_no_violations
from tests.support.notify import point_addresses, write_profile

from nmrf.domain.clock import moment
from nmrf.models import State
from nmrf.models.db import session_scope
from nmrf.profile import load_profile
from nmrf.services.cycles import launch_cycle
from nmrf.services.profiles import apply_profile



def test_a_regional_office_sees_a_line_per_state_and_filters_on_one(server, world, smtp, browser, tmp_path):  # type: ignore[no-untyped-def]
    def uruguay(data):  # type: ignore[no-untyped-def]
        data["state"].update(code="UY", name="Uruguay", timezone="America/Montevideo")
        data["state"]["holidays"] = {"country": "UY"}

    _, now = moment(date(2027, 3, 1), "America/Montevideo")
    with session_scope(world, actor="test") as s:
        apply_profile(session=s, profile=load_profile(write_profile(tmp_path, edit=uruguay)), now=now)
    with session_scope(world, actor="test") as s:
        uy = s.exec(select(State).where(State.code == "UY")).one()
        launch_cycle(session=s, state=uy, template="upr_review", mechanism="UPR", dates={"review": date(2028, 1, 20)},
                     sources={"review": "HRC UPR calendar"}, now=now, actor="test")
    point_addresses(world, smtp, None)
    page = signed_in(browser, server, smtp, "ana.rojas@example.gob.cl")
    page.get_by_role("link", name=T("Your States"), exact=True).click()
    assert_no_violations(page)
    rows = page.locator("table:has(#states-caption) tbody tr")
    assert sorted(r.locator("th").inner_text() for r in rows.all()) == ["Chile", "Uruguay"]
    assert all(int(r.locator(".late-count").inner_text()) > 0 for r in rows.all())
    page.locator("#state").select_option("UY")
    page.get_by_role("button", name=T("Filter")).click()
    page.wait_for_url("**/console/region?state=UY")  # a filtered view is a link
    late = page.locator("table:has(#region-late-caption) tbody tr")
    assert late.count() > 0 and {r.locator("td").first.inner_text() for r in late.all()} == {"Uruguay"}
    assert_no_violations(page)
