"""The annual workplan in the console (issue 14's "the console shows it"): the same rows and totals as the
service behind `nmrf workplan`, in the reader's language, with the workbook and the Word document to download."""

from __future__ import annotations

import io
import re

import docx
import httpx
from openpyxl import load_workbook
from tests.e2e.web.conftest import NOW

from nmrf.domain.i18n import translator
from nmrf.documents.workplan_files import row_cells, title_of
from nmrf.models.db import session_scope
from nmrf.services import console_auth as auth
from nmrf.services.people import get_state
from nmrf.services.workplan import state_workplan
from nmrf.web.routes.console.common import SESSION_COOKIE

BROWSER = "w" * 43


def _signed_in(engine, address: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="sign-in") as s:
        message = auth.request_sign_in(session=s, address=address, ip="10.0.0.9", browser=BROWSER, now=NOW,
                                       base_url="https://nmrf.example.gob.cl")
    with session_scope(engine, readonly=True) as s:
        from nmrf.models import Notification

        token = s.get(Notification, message).body.split("/console/sign-in/")[1].split()[0]
    with session_scope(engine, actor="sign-in") as s:
        _, secret = auth.use_sign_in_link(session=s, token=token, browser=BROWSER, now=NOW)
    return {SESSION_COOKIE: secret}


def test_the_console_shows_the_years_workplan_with_its_rows_and_totals_and_offers_its_files(server, world):  # type: ignore[no-untyped-def]
    cookies = _signed_in(world, "ana.rojas@example.gob.cl")  # head of the secretariat; reads Spanish
    with session_scope(world, readonly=True) as s:
        state = get_state(session=s)
        wp = state_workplan(session=s, state=state, year=2027, today=NOW.date())
    t = translator("es", fallback="es")
    got = httpx.get(server + "/console/workplan", params={"year": "2027"}, cookies=cookies)
    assert got.status_code == 200
    html = got.text
    assert '<html lang="es"' in html and title_of(wp, t) in html.replace("&#39;", "'")
    rows = [cells for quarter in wp.quarters for cells in (row_cells(r, t) for r in quarter)]
    assert rows, "the example's UPR cycle has deadlines in 2027"
    assert len(re.findall(r"<tbody>.*?</tbody>", html, re.S)) == sum(1 for q in wp.quarters if q)
    assert html.count("<tr><td>") == len(rows)
    for cells in rows[:5]:
        assert f"<td>{cells[0]}</td>" in html  # the date of each row
    # The files are the same workplan: a sheet per quarter with its rows, and the Word document's title.
    book = load_workbook(io.BytesIO(httpx.get(server + "/console/workplan/2027.xlsx", cookies=cookies).content))
    assert [book[f"Q{n}"].max_row - 2 for n in range(1, 5)] == [len(q) for q in wp.quarters]
    document = docx.Document(io.BytesIO(httpx.get(server + "/console/workplan/2027.docx", cookies=cookies).content))
    assert any(title_of(wp, t) in p.text for p in document.paragraphs)


def test_a_bad_year_is_refused_beside_its_field_and_nobody_signed_out_sees_the_workplan(server, world):  # type: ignore[no-untyped-def]
    cookies = _signed_in(world, "ana.rojas@example.gob.cl")
    bad = httpx.get(server + "/console/workplan", params={"year": "20x7"}, cookies=cookies)
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text and "<table>" not in bad.text
    assert httpx.get(server + "/console/workplan/1800.xlsx", cookies=cookies).status_code == 404
    anonymous = httpx.get(server + "/console/workplan", params={"year": "2027"}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/console/sign-in"
    assert httpx.get(server + "/console/workplan/2027.xlsx", follow_redirects=False).status_code == 303
