"""The demo's last act: the secretariat's console, served by the same app as the feeds.

The head of the secretariat signs in with a link printed at the terminal (as
`nmrf console link ana-rojas` does), over real HTTP on 127.0.0.1, and the
demo prints what her first page says. With `--keep-serving` the server stays
up, its clock on the demo's last day, and the demo ends by printing the
console's address and a fresh sign-in link, until Ctrl-C.
"""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

from rich.console import Console

TODAY = date(2027, 10, 1)


def _sign_in(client: Any, link: str) -> str:
    """Open the link, press its button as a browser would; the console's first page."""
    page = client.get(link)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(link, data={"csrf": csrf}, follow_redirects=False)
    return client.get("/console").text


def act_console(demo: Any, console: Console, *, step, keep_serving: bool = False) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from nmrf.domain.clock import moment
    from nmrf.flows.runtime import engine
    from nmrf.models.db import session_scope
    from nmrf.web.app import create_app, fixed_clock
    from nmrf.web.run import BackgroundServer
    from nmrf.services.console import today_view
    from nmrf.services.console_auth import issue_terminal_link
    from nmrf.services.people import get_person, get_state
    from nmrf.settings import get_settings

    step(f"10. The secretariat's console on {TODAY}")
    _, now = moment(TODAY, "America/Santiago")
    eng = engine()
    app = create_app(get_settings(), engine=eng, clock=fixed_clock(now))
    server = BackgroundServer(app).__enter__()
    try:
        with session_scope(eng, actor="demo") as s:
            state = get_state(session=s)
            ana = get_person(session=s, state=state, key="ana-rojas")
            link = issue_terminal_link(session=s, person=ana, now=now, base_url=server.url)
            view = today_view(session=s, state=state, today=TODAY, inventory=False)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            html = _sign_in(client, link)
        signed = "Ana Rojas" in html
        console.print(f"Ana Rojas (head of the secretariat) signs in with a one-time link: "
                      f"{'her console opens' if signed else 'REFUSED'}; it lists {len(view.late)} late "
                      f"item(s) across all cycles and {len(view.due_this_week)} due this week.")
        for item in view.late[:5]:
            console.print(f"  {item.days_late:>3} days late: {item.title}"
                          + (f" ({item.institution})" if item.institution else "")
                          + (f", escalation {item.level}" if item.level else ""), soft_wrap=True)
        if not keep_serving:
            console.print("`nmrf demo --keep-serving` keeps the console open on 127.0.0.1 and prints a sign-in link.")
            return
        with session_scope(eng, actor="demo") as s:
            ana = get_person(session=s, state=get_state(session=s), key="ana-rojas")
            link = issue_terminal_link(session=s, person=ana, now=now, base_url=server.url)
        console.print(f"The console: {server.url}/console (its clock stays on {TODAY}; Ctrl-C stops it)")
        console.print("Sign in as Ana Rojas, head of the secretariat (once, within 15 minutes of the demo's "
                      "clock):")
        console.print(f"  {link}", soft_wrap=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("Console stopped.")
    finally:
        server.__exit__(None, None, None)
