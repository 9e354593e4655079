"""The demo's personal pages: a focal point hands in her workbook, another a Word document, a minister signs
off, each from their own page, through real HTTP requests to the app of `nmrf serve` on 127.0.0.1."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from rich.console import Console


def _csrf(page: str, form: str, milestone_id: int) -> str:
    found = re.search(rf'action="/p/[^"]+/{form}/{milestone_id}".*?name="csrf" value="([^"]+)"', page, re.S)
    assert found, f"no {form} form for milestone {milestone_id} on the page"
    return found.group(1)


def _notice(page: str) -> str:
    found = re.search(r'<div class="notice"[^>]*><h2>(.*?)</h2><p>(.*?)</p>', page, re.S)
    return f"{found.group(1)}: {found.group(2)}" if found else "(no notice)"


def act_pages(demo: Any, console: Console, *, step, cycle_of, fill_workbook) -> None:  # type: ignore[no-untyped-def]
    import docx
    import httpx
    from sqlmodel import select

    from nmrf.domain.draft import texts, to_markdown
    from nmrf.domain.clock import moment
    from nmrf.flows.runtime import engine
    from nmrf.models import Milestone
    from nmrf.web import create_app
    from nmrf.web.app import fixed_clock
    from nmrf.web.run import BackgroundServer
    from nmrf.services.drafts import compile_draft
    from nmrf.services.pages import issue_page_link
    from nmrf.services.people import get_person, get_state
    from nmrf.settings import get_settings

    day = date(2027, 7, 26)
    today, now = moment(day, "America/Santiago")
    step(f"6b. {day}: three people act from their personal pages (no command line)")
    tokens: dict[str, str] = {}
    with demo.session() as s:
        state = get_state(session=s)
        for key in ("paula-herrera", "camila-reyes", "minister-women"):
            _, tokens[key] = issue_page_link(session=s, person=get_person(session=s, state=state, key=key), now=now,
                                             actor="demo")
        upr = cycle_of(s, demo, "upr")
        ids = {m.key: m.id for m in s.exec(select(Milestone).where(Milestone.cycle_id == upr.id))}
    app = create_app(get_settings(), engine=engine(), clock=fixed_clock(now))
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as web:
        console.print("`nmrf people link PERSON --send` mails each person their page (here, links to 127.0.0.1).")
        # Paula Herrera (Justice): the workbook down, filled in, back up.
        page = f"/p/{tokens['paula-herrera']}"
        mid = ids["input:justice"]
        blank = web.get(f"{page}/workbook/{mid}")
        path = demo.home / "justice-from-page.xlsx"
        path.write_bytes(blank.content)
        filled = demo.home / "justice-returned-from-page.xlsx"
        fill_workbook(path, filled, lambda ref: f"The Ministry of Justice trained the police on the use of force "
                                                f"in 2027 (ref. {ref}).")
        got = web.post(f"{page}/input/{mid}", data={"csrf": _csrf(web.get(page).text, "input", mid)},
                       files={"file": (filled.name, filled.read_bytes())})
        console.print(f"Paula Herrera (Justice) downloads her workbook ({len(blank.content):,} bytes), fills it in "
                      f"and uploads it: {got.status_code} {_notice(got.text)}", soft_wrap=True)
        # Camila Reyes answers for the Ministry of the Interior with a Word document.
        page = f"/p/{tokens['camila-reyes']}"
        mid = ids["input:interior"]
        document = docx.Document()
        document.add_paragraph("The Ministry of the Interior adopted a protocol on the use of force by the police "
                               "(Decree 12/2027) and publishes the complaints received every quarter.")
        out = io.BytesIO()
        document.save(out)
        got = web.post(f"{page}/document/{mid}", data={"csrf": _csrf(web.get(page).text, "document", mid)},
                       files={"file": ("aporte-interior.docx", out.getvalue())})
        console.print(f"Camila Reyes (Interior) hands in a Word document: {got.status_code} {_notice(got.text)}",
                      soft_wrap=True)
        # The Minister of Women signs off, ticking the confirmation.
        page = f"/p/{tokens['minister-women']}"
        mid = ids["signoff:women"]
        csrf = _csrf(web.get(page).text, "signoff", mid)
        unticked = web.post(f"{page}/signoff/{mid}", data={"csrf": csrf})
        got = web.post(f"{page}/signoff/{mid}", data={"csrf": csrf, "confirm": "yes",
                                                      "note": "Firmado tras el consejo de gabinete"})
        console.print(f"The Minister of Women presses Sign off without ticking the box: {unticked.status_code}; "
                      f"with it ticked: {got.status_code} {_notice(got.text)}", soft_wrap=True)
        again = web.post(f"{page}/signoff/{mid}", data={"csrf": csrf, "confirm": "yes"})
        recorded = re.search(r'<ul class="recorded">(.*?)</ul>', web.get(page).text, re.S)
        shown = " ".join(re.sub(r"<[^>]+>", " ", recorded.group(1)).split()) if recorded else ""
        console.print(f"The same form again answers {again.status_code}; her page now shows: {shown}",
                      soft_wrap=True, markup=False)
    with demo.session() as s:
        d = compile_draft(session=s, state=get_state(session=s), cycle=cycle_of(s, demo, "upr"), today=today)
    md = to_markdown(d)
    from_page = md.count("The Ministry of Justice trained the police")
    source = texts("en")["source"].format(institution="Ministry of the Interior", date=now.date().isoformat())
    marked = f"publishes the complaints received every quarter. ({source})" in md
    console.print(f"The draft now has {d.limit_text()}: the Justice answers from the page ({from_page} shown) and, "
                  "under 'Inputs received as documents', the Interior's text "
                  + ("marked as the Ministry of the Interior's." if marked else "(NOT FOUND: a bug)."),
                  soft_wrap=True, markup=False)
