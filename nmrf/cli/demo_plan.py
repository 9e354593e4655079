"""The demo's act for the NMRF's institutional work: costs, the year's workplan, a recurring
plenary with its minutes circulated to the attendees, and the annual report."""

from __future__ import annotations

from datetime import date
from typing import Any

from nmrf.calendars.series import schedule_series
from nmrf.cli.common import console
from nmrf.documents.annual_report import write_annual_docx, write_annual_markdown
from nmrf.documents.workplan_files import write_workplan_xlsx
from nmrf.domain.costs import totals_text
from nmrf.domain.i18n import translator
from nmrf.domain.clock import moment
from nmrf.flows.runtime import engine
from nmrf.notifications.circulation import write_circulations
from nmrf.notifications.delivery import deliver_due
from nmrf.services.annual import state_annual_report
from nmrf.services.costs import add_cost
from nmrf.services.cycles import get_cycle, get_milestone
from nmrf.services.minutes import ActionPoint, record_minutes
from nmrf.services.people import get_state
from nmrf.services.workplan import state_workplan
from nmrf.settings import get_settings


def act_institutional_work(demo: Any) -> None:
    year, tz = 2027, "America/Santiago"
    console.rule(f"[bold]9. The institutional work of {year}: costs, the workplan, a recurring plenary, the annual report")
    _, start = moment(date(2027, 1, 11), tz)
    with demo.session() as s:
        state = get_state(session=s)
        cedaw = get_cycle(session=s, state=state, ref=demo.cycles["cedaw"])
        for key, amount, currency, line, what, basis in (
                ("submission", "1800000", "CLP", "translation", "Translation of the report", "estimate"),
                ("submission", "900.00", "USD", "printing", "Printing of the report", "estimate"),
                ("consultation", "450000", "CLP", "consultations", "Consultation with civil society", "estimate"),
                ("consultation", "420000", "CLP", "consultations", "Consultation with civil society", "actual")):
            add_cost(session=s, state=state, milestone=get_milestone(session=s, cycle=cedaw, key=key), amount=amount,
                     currency=currency, budget_line=line, description=what, basis=basis, now=start, actor="demo")
        plenary = schedule_series(session=s, state=state, key="plenary", kind="plenary", title="Plenary of the NMRF",
                                  frequency="quarterly", first_date=date(2027, 3, 10), start_time="09:00",
                                  timezone=tz, roles=["secretariat", "head_of_secretariat", "focal_point"],
                                  now=start, location="Ministry of Foreign Affairs, room 3")
        add_cost(session=s, state=state, series=plenary, amount="120000", currency="CLP", budget_line="meetings",
                 description="Room and catering", falls_on=date(2027, 6, 10), now=start, actor="demo")
        wp = state_workplan(session=s, state=state, year=year, today=date(2027, 1, 11))
        t = translator(state.language, fallback=state.language)
    console.print(f"Plenary series: quarterly from 10 March at 09:00 {tz}, one recurring event (RRULE) in the "
                  "attendees' calendars.")
    console.print(f"Workplan {year} (`nmrf workplan {year}`): " + "; ".join(
        f"Q{n + 1} {len(q)} items" for n, q in enumerate(wp.quarters)) + f"; {wp.count('meeting')} meetings.")
    for row in wp.rows:
        if row.costs:
            console.print(f"  {row.entry.day}  {row.entry.title} ({row.entry.institution}): "
                          f"{totals_text(row.estimate())}", soft_wrap=True)
    console.print(f"[bold]Estimated costs {year}, per currency:[/bold] {totals_text(wp.totals)}")
    (demo.home / f"workplan-{year}.xlsx").write_bytes(write_workplan_xlsx(wp, t))

    _, held = moment(date(2027, 6, 10), tz)
    with demo.session() as s:
        occ = record_minutes(session=s, state=get_state(session=s), now=held, actor="tomas-silva", series="plenary",
                             day=date(2027, 6, 10), agenda="1. CEDAW report: inputs\n2. UPR",
                             minutes="The plenary reviewed the inputs received for the CEDAW report.",
                             decisions=["Hold the consultation with civil society in August"],
                             actions=[ActionPoint("Send the missing labour statistics", "labour", date(2027, 6, 30))],
                             circulate=True)
        ids = write_circulations(session=s, now=held)
        again = write_circulations(session=s, now=held)
    counts = deliver_due(engine=engine(), now=held, settings=get_settings(), only=ids)
    console.print(f"Minutes of the plenary of {occ.occurs_on} circulated: {len(ids)} messages, each attendee once "
                  f"in their language ({counts.as_dict().get('sent', 0)} deliveries sent; a second pass wrote "
                  f"{len(again)}); the action point is a deadline of the labour ministry's focal point.")

    today = date(2027, 12, 31)
    with demo.session() as s:
        state = get_state(session=s)
        report = state_annual_report(session=s, state=state, year=year, today=today)
    _, now = moment(today, tz)
    docx, md = demo.home / f"annual-report-{year}.docx", demo.home / f"annual-report-{year}.md"
    docx.write_bytes(write_annual_docx(report, t, created=now))
    md.write_text(write_annual_markdown(report, t), encoding="utf-8")
    console.print(f"Annual report {year} ({state.language}): {len(report.submissions)} report(s) submitted "
                  f"({report.on_time} on time), {len(report.meetings)} meetings and {len(report.consultations)} "
                  f"consultations held, spent {totals_text(report.spent)} of {totals_text(report.estimated)}; "
                  f"written to {docx.name} and {md.name}.")
