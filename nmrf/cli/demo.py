"""`nmrf demo`: a complete run from nothing, on fixed dates so that it prints the same story every time.

The example profile (Chile's NMRF, fictional people) is loaded into a fresh
SQLite file; a CEDAW periodic report and a UPR review are launched; time then
advances through the CEDAW cycle: the request for information goes out, eight
institutions send their input and one ministry is late, the draft is compiled,
civil society is consulted, the NHRI comments, the ministers sign off and the
report is submitted. Each step runs the cycles' Prefect flows. Reminders and
escalations go out along the way, to a local SMTP server and HTTP endpoint the
demo starts: the Ministry of Labour's late input climbs to its minister. Last,
a focal point's private calendar link is issued and the feed server answers it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from sqlmodel import select

from nmrf.calendars.build import Window
from nmrf.calendars.links import Subject, feed_urls, issue_link
from nmrf.calendars.reading import read_events
from nmrf.cli.common import console
from nmrf.cli.cycles import print_plan
from nmrf.cli.demo_messages import prepare, summary
from nmrf.cli.demo_plan import act_institutional_work
from nmrf.documents.draft_docx import write_docx
from nmrf.domain.clock import moment
from nmrf.domain.packaged import UHRI_CHILE_CSV, UPR_INFO_CSV
from nmrf.flows.runs import run_cycle_flows
from nmrf.flows.runtime import engine, session
from nmrf.models import Cycle, Recommendation
from nmrf.models.db import upgrade_schema
from nmrf.models.types import utcnow
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services.clustering import cluster_recommendations, why
from nmrf.services.cycles import active_cycles, launch_cycle, record_action
from nmrf.services.drafts import compile_draft, report_language
from nmrf.services.followup import add_action, assign, assign_theme
from nmrf.services.inputs import import_workbook, request_workbooks
from nmrf.services.inventory import state_inventory
from nmrf.services.people import get_person, get_state
from nmrf.services.plan_rows import cycle_rows
from nmrf.services.profiles import apply_profile
from nmrf.services.publication import public_site, write_site
from nmrf.services.recommendation_rows import cluster_rows, recommendation_rows
from nmrf.services.recommendations import (
    get_cluster,
    import_recommendations,
    record_factors,
)
from nmrf.settings import get_settings
from nmrf.web import create_app
from nmrf.web.app import fixed_clock
from nmrf.web.run import BackgroundServer

CEDAW_DUE = date(2027, 10, 1)
UPR_REVIEW = date(2028, 5, 1)
ON_TIME = ("foreign-affairs", "justice", "health", "education", "women", "social-development", "statistics", "judiciary")
LATE = "labour"


@dataclass
class Demo:
    home: Path
    cycles: dict[str, int] = field(default_factory=dict)
    # Extra days on the timeline, and what runs after each day's flows (the sweep).
    extra_days: list[tuple[date, str, Callable[[], None] | None]] = field(default_factory=list)
    after_day: list[Callable[[date], None]] = field(default_factory=list)
    # Days on which the sweep alone advances the cycles (it runs advance_cycle itself).
    sweep_only: set[date] = field(default_factory=set)
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    mails: Any = None  # the SMTP sink's mails, once the messages act started it

    def session(self):  # type: ignore[no-untyped-def]
        return session(actor="demo")


def _step(title: str) -> None:
    console.rule(f"[bold]{title}")


def _advance(demo: Demo, day: date) -> None:
    with demo.session() as s:
        targets = [(c.id, c.flow, c.title) for c in active_cycles(session=s)]
    # The demo shows the flows running: Prefect flow runs, as on a server.
    for cycle_id, title, lines in run_cycle_flows(get_settings(), targets, day, as_flow_runs=True):
        for line in lines:
            console.print(f"  [cyan]#{cycle_id}[/cyan] {line}")


def _record(demo: Demo, day: date, cycle: str, key: str, kind: str = "done", by: str | None = None,
            note: str = "") -> None:
    with demo.session() as s:
        c = s.get(Cycle, demo.cycles[cycle])
        _, now = moment(day, "America/Santiago")
        record_action(session=s, cycle=c, key=key, kind=kind, by=by, note=note, now=now, actor="demo")
    who = f" by {by}" if by else ""
    console.print(f"  [green]recorded[/green] {key}{who}" + (f": {note}" if note else ""))


def act_profile(demo: Demo) -> None:

    _step("1. The NMRF: the example profile")
    upgrade_schema(engine())
    profile = load_profile(EXAMPLE_PROFILE)
    with demo.session() as s:
        apply_profile(session=s, profile=profile, now=utcnow())
    console.print(f"{profile.state.name}: {len(profile.institutions)} institutions, {len(profile.people)} people "
                  f"loaded from {EXAMPLE_PROFILE.name} into {demo.home / 'nmrf.db'}")


def act_inventory(demo: Demo) -> None:
    today = date(2027, 3, 1)
    _step(f"2. The inventory as of {today}: what Chile owes over the next 3 years")
    with demo.session() as s:
        rows = state_inventory(session=s, state=get_state(session=s), today=today, years=3)
    table = Table()
    for col in ("due", "mechanism", "obligation", "status", "date rests on"):
        table.add_column(col)
    for ob, _ in rows:
        if ob.due is not None:
            table.add_row(ob.due.isoformat(), ob.mechanism, ob.title, ob.status, ob.basis)
    console.print(table)
    on_receipt = sorted({ob.mechanism for ob, _ in rows if ob.due is None})
    console.print(f"On receipt (communications, visit reports, what a committee asks for): {', '.join(on_receipt)}")


def act_launch(demo: Demo) -> None:
    _step("3. Two cycles launched")
    _, now = moment(date(2027, 3, 1), "America/Santiago")
    with demo.session() as s:
        state = get_state(session=s)
        cedaw = launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                             dates={"submission": CEDAW_DUE},
                             sources={"submission": state.reporting["CEDAW"]["source"]}, now=now, actor="demo")
        upr = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                           dates={"review": UPR_REVIEW}, sources={"review": state.reporting["UPR"]["source"]},
                           now=now, actor="demo")
        demo.cycles = {"cedaw": cedaw.cycle.id, "upr": upr.cycle.id}
        for c in (cedaw.cycle, upr.cycle):
            console.print(f"#{c.id} {c.title}")
    _show(demo, "cedaw", date(2027, 3, 1))


def _show(demo: Demo, cycle: str, today: date) -> None:
    with demo.session() as s:
        c = s.get(Cycle, demo.cycles[cycle])
        rows = cycle_rows(session=s, cycle=c, today=today)
    print_plan(c.title, c.status, rows, today)


def act_time_passes(demo: Demo) -> None:
    _step("4. Time passes: each date runs the cycles' flows")
    timeline: list[tuple[date, str, Callable[[], None] | None]] = [
        (date(2027, 3, 1), "the cycles start", None),
        (date(2027, 4, 1), "six months before the CEDAW deadline", None),
        (date(2027, 5, 20), "eight institutions send their input",
         lambda: [_record(demo, date(2027, 5, 20), "cedaw", f"input:{i}") for i in ON_TIME]),
        (date(2027, 6, 2), "the input deadline has passed: the Ministry of Labour is late", None),
        (date(2027, 6, 18), "the Ministry of Labour's input arrives, 17 days late",
         lambda: _record(demo, date(2027, 6, 18), "cedaw", f"input:{LATE}", by="rodrigo-vera",
                         note="sent after a reminder")),
        (date(2027, 7, 20), "the secretariat finishes the draft",
         lambda: _record(demo, date(2027, 7, 20), "cedaw", "draft", by="tomas-silva")),
        (date(2027, 8, 9), "civil society has been consulted; the NHRI comments",
         lambda: _record(demo, date(2027, 8, 9), "cedaw", "nhri_comment", by="lucia-ortega",
                         note="asks for data on femicide to be disaggregated by region")),
        (date(2027, 9, 6), "the ministers sign off",
         lambda: [_record(demo, date(2027, 9, 6), "cedaw", f"signoff:{i}", by=f"minister-{i}")
                  for i in ("foreign-affairs", "justice", "health", "education", "women", "labour",
                            "social-development")]),
        (date(2027, 9, 28), "the report is submitted to CEDAW",
         lambda: _record(demo, date(2027, 9, 28), "cedaw", "submission", by="ana-rojas",
                         note="sent to the CEDAW secretariat, receipt acknowledged")),
    ]
    for day, what, action in sorted(timeline + demo.extra_days, key=lambda t: t[0]):
        console.print(f"[bold]{day}[/bold]: {what}")
        if action is not None:
            action()
        if day not in demo.sweep_only:
            _advance(demo, day)
        for hook in demo.after_day:
            hook(day)


def act_result(demo: Demo) -> None:
    _step("5. Where the cycles stand")
    _show(demo, "cedaw", date(2027, 10, 1))
    console.print("The UPR cycle runs on: its request for information went out in July "
                  f"({UPR_REVIEW} review); `nmrf cycle show {demo.cycles['upr']}` shows who owes what.")


def act_messages(demo: Demo) -> None:
    """Reminders and escalation, woven into the timeline: the example people's addresses are
    pointed at local sinks (a real SMTP server and an HTTP endpoint on 127.0.0.1) and the
    sweep runs after each day's flows; what the sinks receive is printed."""
    prepare(demo, console)


def act_outbox(demo: Demo) -> None:
    summary(demo, console)


def fill_workbook(path: Path, out: Path, answer: Callable[[int], str]) -> None:
    """What a ministry does with its workbook: an answer and a status on every row."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]  # "Recomendaciones": the workbook speaks the ministry's working language
    for row in ws.iter_rows(min_row=2):
        row[11].value = answer(int(row[0].value))
        row[12].value = "en curso"  # the drop-down's Spanish choice (in_progress)
    wb.save(out)


def act_known_recommendations(demo: Demo) -> None:
    """The recommendations the reports answer, known before the request for information goes out: imported,
    clustered and given their responsible institutions, so that each ministry's workbook goes with the request."""
    day = date(2027, 3, 1)
    today, now = moment(day, "America/Santiago")
    uhri = UHRI_CHILE_CSV
    fr_es = uhri.with_name("uhri-chile-fr-es.csv")
    console.print(f"[bold]{day}[/bold]: the recommendations the reports answer, clustered and assigned")
    with demo.session() as s:
        state = get_state(session=s)
        a = import_recommendations(session=s, data=UPR_INFO_CSV.read_bytes(), file_name=UPR_INFO_CSV.name,
                                   fmt="upr-info", now=now, actor="demo", states=[state])
        b = import_recommendations(session=s, data=uhri.read_bytes(), file_name=uhri.name, fmt="uhri", now=now,
                                   actor="demo", states=[state])
        c = import_recommendations(session=s, data=fr_es.read_bytes(), file_name=fr_es.name, fmt="uhri", now=now,
                                   actor="demo", states=[state])
        console.print(f"Imported {a.created} UPR recommendations to Chile from UPR Info's export "
                      f"({len(a.parsed.rows):,} rows, {a.parsed.encoding}), {b.created} treaty-body, "
                      f"special-procedure and UPR ones from a UHRI export and {c.created} concluding observations "
                      "in French and Spanish.")
        r = cluster_recommendations(session=s, now=now, state=state)
        cross = cluster_rows(session=s, state=state, several=True)
        console.print(f"{r.recommendations} recommendations in {r.clusters} clusters; {r.cross_mechanism} span "
                      f"several mechanisms, e.g. #{cross[0].id} {cross[0].label} ({', '.join(cross[0].mechanisms)}).")
        assign_theme(session=s, state=state, theme="women", lead="women", supporting=["justice"], now=now,
                     actor="demo")
        police = s.exec(_by_paragraph("CAT/C/CHL/CO/5", "11")).one()  # excessive use of force by the police
        cl = get_cluster(session=s, state=state, ref=police.cluster_id)
        assign(session=s, state=state, lead="justice", supporting=["interior"], now=now, actor="demo", cluster=cl)
    console.print("Women's rights: the women's ministry leads, justice supports; the police's use of force: "
                  "justice leads, the interior supports. Their workbooks go with the request for information.")


def act_recommendations(demo: Demo) -> None:
    day = date(2027, 7, 20)
    today, now = moment(day, "America/Santiago")
    _step(f"6. {day}: the recommendations prioritised, an action planned; the workbooks; the draft")
    with demo.session() as s:
        state = get_state(session=s)
        cross = cluster_rows(session=s, state=state, several=True)
        spanish = s.exec(_by_paragraph("CAT/C/CHL/CO/6", "11")).one()
        english = s.exec(_by_paragraph("A/HRC/26/5", "121.60")).one()
        link = why(session=s, a=spanish, b=english)
        console.print(f"Across languages: #{spanish.id} (CAT, Spanish) and #{english.id} (UPR, English) are in "
                      f"cluster #{spanish.cluster_id}: they share "
                      + ", ".join(a_.label(state.language) for a_, _ in link.shared_signals)
                      + f" (`nmrf recommendations why {spanish.id} {english.id}`).")
        police = s.exec(_by_paragraph("CAT/C/CHL/CO/5", "11")).one()  # excessive use of force by the police
        torture = next(c for c in cross if c.id == police.cluster_id)
        record_factors(session=s, recs=[x for x in s.exec(_members(torture.id))],
                       values={"no_budget": True, "national_priority": True, "disadvantaged_groups": True},
                       note="police reform is a government priority", now=now, actor="demo")
        top = recommendation_rows(session=s, state=state)[:3]
        console.print("Top priorities (a-e): " + "; ".join(f"#{x.id} {x.priority.flags()} {x.mechanism}" for x in top))
        cl = get_cluster(session=s, state=state, ref=torture.id)
        action, m = add_action(session=s, state=state, cluster=cl, title="Protocol on the use of force by the police",
                               due=date(2027, 12, 15), indicator="protocol adopted and published",
                               indicator_kind="structural", today=today, now=now, actor="demo")
        console.print(f"Action {action.id} planned for cluster #{cl.id}: milestone {m.key} due {m.due_date}, "
                      "owed by the justice focal point (in the feeds and escalations).")
        out = demo.home / "workbooks"
        sent = request_workbooks(session=s, state=state, cycle=_cycle(s, demo, "upr"), out_dir=out, now=now,
                                 actor="demo", institutions=["women", "justice"])
        console.print("Workbooks: " + ", ".join(f"{x.institution} ({x.rows} recommendations)" for x in sent.sent))
    women = next(x.file for x in sent.sent if x.institution == "women")
    filled = women.with_name("women-returned.xlsx")
    fill_workbook(women, filled, lambda ref: f"A national plan on violence against women (2027) covers it (ref. {ref}).")
    with demo.session() as s:
        state = get_state(session=s)
        got = import_workbook(session=s, state=state, data=filled.read_bytes(), file_name=filled.name,
                              now=now, actor="valentina-diaz")
        d = compile_draft(session=s, state=state, cycle=_cycle(s, demo, "upr"), today=today,
                          language=report_language(state, "UPR"))
    draft = demo.home / "draft-national-report.docx"
    draft.write_bytes(write_docx(d, created=now))
    console.print(f"Returned workbook read: {got.answered} answers from {got.institution.key}; "
                  f"{got.milestone_done} done.")
    console.print(f"Draft national report ({d.language}, A4, {len(d.numbered())} numbered paragraphs): {draft}; "
                  f"{d.limit_text()}; still missing from "
                  + ", ".join(f"{k} ({v})" for k, v in list(d.missing_from.items())[:3]) + ".")
    with demo.session() as s:
        files = public_site(session=s, state=get_state(session=s), today=today, languages=["es", "en"])
    site = demo.home / "public-site"
    _, size = write_site(files, site)
    console.print(f"Public site (es, en): {site / 'index.html'}, {len(files):,} files, {size / 1e6:.1f} MB; "
                  "`nmrf publish site DIR` writes it, `nmrf serve` serves it under /public/ when the profile says "
                  "publication: site: true.")


def _by_paragraph(document: str, paragraph: str):  # type: ignore[no-untyped-def]
    return select(Recommendation).where(Recommendation.document == document, Recommendation.paragraph == paragraph)


def _members(cluster_id: int):  # type: ignore[no-untyped-def]
    return select(Recommendation).where(Recommendation.cluster_id == cluster_id)


def _cycle(s, demo: Demo, name: str):  # type: ignore[no-untyped-def]
    return s.get(Cycle, demo.cycles[name])


def act_feeds(demo: Demo) -> None:
    """Jorge Núñez's private calendar link, served by the real feed server for a moment.

    The server is uvicorn on 127.0.0.1 and a free port in a background thread,
    fetched over a real socket; its clock is fixed at the demo's last date.
    """

    today = date(2027, 10, 1)
    _step(f"8. Calendar feeds: what Jorge Núñez (Ministry of Health) sees in his calendar on {today}")
    _, now = moment(today, "America/Santiago")
    with demo.session() as s:
        jorge = get_person(session=s, state=get_state(session=s), key="jorge-nunez")
        _, token = issue_link(session=s, subject=Subject("person", jorge), now=now, actor="demo")
    # The demo looks a year back instead of 30 days, to show the CEDAW input he sent in May.
    app = create_app(get_settings(), engine=engine(), clock=fixed_clock(now), window=Window(past_days=365))
    with BackgroundServer(app) as server:
        webcal, web = feed_urls(server.url, token)
        console.print("`nmrf feeds url jorge-nunez` gives him a private link (here to a server on 127.0.0.1):")
        console.print(f"  {webcal}", soft_wrap=True)
        with httpx.Client(timeout=10) as client:
            first = client.get(web)
            again = client.get(web, headers={"If-None-Match": first.headers["etag"]})
    events = read_events(first.content)
    console.print(f"It serves {len(events)} events ({first.headers['content-type']}); his calendar shows:")
    for ev in events:
        start = ev.start
        when = start.isoformat() if not hasattr(start, "hour") else f"{start.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        # Jorge is outside the secretariat: his events say where he hands it in (his page), not a command.
        record = next((line for line in ev.description.splitlines()
                       if line.startswith("Hand it in on your personal page") or line.startswith("Entréguelo")), "")
        console.print(f"  {when:<20} {ev.summary}" + (f"  [dim]({record})[/dim]" if record else ""),
                      soft_wrap=True)
    console.print(f"Asked again with its ETag, the server answers {again.status_code} (nothing changed).")


def act_second_language(demo: Demo) -> None:
    """One person in a second language: Diego Fuentes reads French (`language: fr` in the profile), so his
    messages and his calendar are in French, dates and titles included, while the State works in Spanish."""
    from nmrf.calendars.build import render_feed
    from nmrf.calendars.queries import person_feed

    _step("9. A second language: Diego Fuentes (foreign affairs, in Brussels) reads French")
    mails = [m for m in (demo.mails or []) if m.recipients == ["diego.fuentes@example.gob.cl"]]
    if mails:
        m = mails[0]
        console.print(Panel(escape(f"Subject: {m.subject}\n\n{m.text.strip()}"), expand=False,
                            title=f"the first of his {len(mails)} message(s)"))
    _, now = moment(date(2027, 10, 1), "America/Santiago")
    with demo.session() as s:
        diego = get_person(session=s, state=get_state(session=s), key="diego-fuentes")
        feed = person_feed(session=s, person=diego, now=now, window=Window(past_days=365))
        body = render_feed(feed.spec, feed.items, now=now, window=Window(past_days=365)).body
    events = read_events(body)
    console.print(f"His calendar \"{escape(feed.spec.name)}\" holds {len(events)} events:")
    for ev in events[:6]:
        console.print(f"  {escape(ev.summary)}", soft_wrap=True)
    # A deadline (an all-day event) says everything an event says: in French.
    deadline = next((e for e in events if not hasattr(e.start, "hour")), None)
    if deadline is not None:
        console.print(Panel(escape(deadline.description), expand=False, title=escape(deadline.summary)))


def act_pages(demo: Demo) -> None:
    from nmrf.cli.demo_pages import act_pages as run

    run(demo, console, step=_step, cycle_of=_cycle, fill_workbook=fill_workbook)


ACTS: list[Callable[[Demo], None]] = [act_profile, act_inventory, act_launch, act_known_recommendations,
                                      act_messages, act_time_passes,
                                      act_result, act_recommendations, act_pages, act_institutional_work,
                                      act_outbox, act_feeds, act_second_language]


def run_demo(*, keep: bool = False, keep_serving: bool = False) -> Path:
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="nmrf-demo-"))
    # The demo never touches the user's own database or Prefect home.
    os.environ["NMRF_HOME"] = str(home)
    os.environ["NMRF_DATABASE_URL"] = f"sqlite:///{home / 'nmrf.db'}"
    # The demo's messages link to its own server on 127.0.0.1, on purpose: it is the public address here.
    os.environ.setdefault("NMRF_PUBLIC_URL", "http://127.0.0.1:8765")
    os.environ.setdefault("PREFECT_HOME", str(Path(tempfile.gettempdir()) / "nmrf-demo-prefect"))
    demo = Demo(home=home)
    try:
        for act in ACTS:
            act(demo)
        from nmrf.cli.demo_console import act_console

        act_console(demo, console, step=_step, keep_serving=keep_serving)
    finally:
        for stop in demo.cleanup:
            stop()
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
    console.print(f"Demo finished in {time.monotonic() - started:.1f} s"
                  + (f"; its data is in {home}" if keep else "."))
    return home
