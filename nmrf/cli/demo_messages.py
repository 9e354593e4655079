"""The demo's messages: reminders before the CEDAW input deadline, then the Ministry of
Labour's escalation climbing to the minister, as delivered to local sinks.

`prepare` starts a real SMTP server and an HTTP endpoint on 127.0.0.1, points the
example people's addresses at them (in the demo's own database) and adds the
sweep after each day of the demo's timeline, plus the days the ladder reaches.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from sqlalchemy import func, select

from nmrf.domain.clock import moment
from nmrf.flows.runtime import engine
from nmrf.models import Address, Cycle, CycleEvent
from nmrf.notifications.acks import record_ack
from nmrf.notifications.outbox_rows import outbox_summary
from nmrf.services.cycles import get_milestone
from nmrf.services.people import get_person, get_state
from nmrf.services.plan_rows import describe_events
from nmrf.settings import get_settings
from nmrf.testing.sinks import HttpSink, SmtpSink

SHOWN_PER_DAY = 4


def prepare(demo: Any, console: Console) -> None:

    console.rule("[bold]Messages: reminders and escalation, delivered to local sinks")
    smtp, http = SmtpSink().start(), HttpSink().start()
    demo.cleanup += [smtp.stop, http.stop]
    demo.mails = smtp.mails  # the demo shows what a reader of a second language received
    with demo.session() as s:
        for a in s.execute(select(Address)).scalars():
            if a.url.startswith("mailto"):
                a.url = smtp.url(a.url.split("to=")[1].split("&")[0], sender="nmrf@secretaria.example.gob.cl")
            else:
                a.url = http.url(f"/{a.label}/{a.person_id}")
    console.print(f"Every e-mail address now goes to an SMTP server on 127.0.0.1:{smtp.port}, every chat hook to "
                  f"an HTTP endpoint on 127.0.0.1:{http.port}. The sweep runs after each day's flows.")
    seen = {"mail": 0, "post": 0}

    def after(day: date) -> None:
        # Imported here: Prefect reads its environment on import, set by run_demo and run_cycle_flows first.
        from nmrf.flows.sweep import run_sweep

        with demo.session() as s:
            last_event = s.execute(select(func.max(CycleEvent.id))).scalar() or 0
        # The sweep flow's body, in this process (the cycles' own flows show Prefect at work).
        result = run_sweep(engine=engine(), settings=get_settings(), as_of=day)
        told = result.get("stage_messages_by_kind", {})
        files = result.get("stage_files_by_kind", {})
        for kind, what in (("request", "request for information to the focal points"),
                           ("comment", "draft to the NHRI for its comments"),
                           ("signoff", "draft to the ministers (and deputies) to sign off")):
            if told.get(kind):
                attached = ("its institution's workbook (XLSX)" if kind == "request" else "the draft (DOCX)")
                console.print(f"  [magenta]sent[/magenta] the {what}: {told[kind]} message(s), {files.get(kind, 0)} "
                              f"with {attached} attached, each with the reader's page link")
        with demo.session() as s:
            events = s.execute(select(CycleEvent).where(CycleEvent.id > last_event).order_by(CycleEvent.id)).scalars()
            by_cycle: dict[int, list[dict]] = {}
            for e in events:
                by_cycle.setdefault(e.cycle_id, []).append({"cycle_id": e.cycle_id, "kind": e.kind,
                                                            "on": e.on_date.isoformat(), **e.detail})
        for cycle_id, evs in by_cycle.items():
            for line in describe_events(evs):
                console.print(f"  [cyan]#{cycle_id}[/cyan] {line}")
        mails, posts = smtp.mails[seen["mail"]:], http.posts[seen["post"]:]
        seen["mail"], seen["post"] = len(smtp.mails), len(http.posts)
        lines = [(m.subject, f"{m.recipients[0]}", m) for m in mails]
        lines += [(p.body.get("title", ""), f"chat {p.path}", None) for p in posts]
        urgent = [entry for entry in lines if entry[2] is not None and "ministro.trabajo" in entry[1]]
        for subject, to, _ in [entry for entry in lines if entry not in urgent][:SHOWN_PER_DAY]:
            console.print(f"  [magenta]delivered[/magenta] to {escape(to)}: {escape(subject)}")
        if len(lines) - len(urgent) > SHOWN_PER_DAY:
            console.print(f"  [magenta]delivered[/magenta] ... and {len(lines) - len(urgent) - SHOWN_PER_DAY} more")
        for _, to, mail in urgent:
            console.print(Panel(escape(f"To: {to}\nSubject: {mail.subject}\nMessage-ID: {mail.message_id}\n\n"
                                       + mail.text.strip()), title="delivered to the minister", expand=False))

    def acknowledge() -> None:
        with demo.session() as s:
            cycle = s.get(Cycle, demo.cycles["cedaw"])
            m = get_milestone(session=s, cycle=cycle, key="input:labour")
            person = get_person(session=s, state=get_state(session=s), key="rodrigo-vera")
            record_ack(session=s, milestone=m, person=person, now=moment(date(2027, 6, 9), "America/Santiago")[1],
                       actor="demo", promised_by=date(2027, 6, 11), note="visto, el insumo llega el viernes")
        console.print("  [green]acknowledged[/green] by Rodrigo Vera: \"visto, el insumo llega el viernes\" "
                      "(promised by 2027-06-11); the escalation waits")

    demo.after_day.append(after)
    extra = [
        (date(2027, 5, 18), "two weeks before the input deadline: a reminder to every focal point", None),
        (date(2027, 5, 28), "three days before (29 May is a Saturday): a reminder to those still owing", None),
        (date(2027, 6, 1), "the input deadline", None),
        (date(2027, 6, 8), "five working days late: the head of the secretariat is told", None),
        (date(2027, 6, 9), "the focal point acknowledges the escalation", acknowledge),
        (date(2027, 6, 14), "the promise has passed: the focal point is told", None),
        (date(2027, 6, 15), "ten working days late: the minister is told", None),
    ]
    demo.extra_days += extra
    demo.sweep_only |= {day for day, _, _ in extra}


def summary(demo: Any, console: Console) -> None:

    console.rule("[bold]7. The outbox")
    with demo.session() as s:
        counts = outbox_summary(session=s, now=datetime.now(UTC))
    console.print(f"{counts['sent']} deliveries sent, {counts['failed']} failed, {counts['pending'] + counts['held']} "
                  f"waiting; {counts['digested']} messages went out inside digests. Each was written to the "
                  "outbox before it was sent and carries its idempotency key (the e-mail's Message-ID). "
                  "`nmrf outbox` lists them; `nmrf sweep --dry-run` shows what would go out next.")
