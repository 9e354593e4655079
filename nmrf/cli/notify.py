"""Reminders and escalation on the command line: sweep, outbox, notify test/ack/acks/policy."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import typer
from rich.markup import escape
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, err_console, friendly, parse_date, state_work
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError
from nmrf.notifications.notes import said_note, status_word

# An acknowledgement's state (nmrf.notifications.acks) as a person reads it.
ACK_WORDS = {"holding": N_("holding"), "promise passed": N_("promise passed"),
             "superseded (re-dated)": N_("superseded (re-dated)"), "done": N_("done"), "waived": N_("waived"),
             "cancelled": N_("cancelled")}

outbox_app = typer.Typer(help="The outbox: every message, sent, waiting or failed, and to whom.",
                         invoke_without_command=True)
notify_app = typer.Typer(help="Notifications: test a person's addresses, acknowledgements, the policy.",
                         no_args_is_help=True)



def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


@friendly
def sweep(
    ctx: typer.Context,
    as_of: str | None = as_of_option(),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would go out; write and send nothing."),
    show: int = typer.Option(30, "--show", min=0, help="How many messages a dry run lists."),
) -> None:
    """Advance the cycles, decide reminders and escalations, write the outbox, send."""
    from nmrf.flows.runtime import prefect_runtime, prepare_prefect_environment

    c = ctx_of(ctx)
    c.require_schema()
    day = parse_date(as_of, what="--as-of") if as_of is not None else None
    prepare_prefect_environment(c.settings)
    from nmrf.flows.inline import server_configured
    from nmrf.flows.sweep import sweep as sweep_flow

    if server_configured():  # a flow run the server records
        with prefect_runtime():
            result = sweep_flow(as_of=day, dry_run=dry_run)
    else:  # the flow's own function: no temporary server to start (nmrf.flows.inline)
        result = sweep_flow.fn(as_of=day, dry_run=dry_run)
    tr = t()
    counts = {"day": day, "checked": result.get("cycles_checked", 0), "advanced": result.get("cycles_advanced", 0),
              "watched": result.get("deadlines_watched", 0)}
    if day:
        said = (tr.gettext("Sweep as of %(day)s (dry run): %(checked)s cycle(s) checked, %(advanced)s advanced; "
                           "%(watched)s open deadline(s) watched.") if dry_run else
                tr.gettext("Sweep as of %(day)s: %(checked)s cycle(s) checked, %(advanced)s advanced; "
                           "%(watched)s open deadline(s) watched."))
    else:
        said = (tr.gettext("Sweep now (dry run): %(checked)s cycle(s) checked, %(advanced)s advanced; "
                           "%(watched)s open deadline(s) watched.") if dry_run else
                tr.gettext("Sweep now: %(checked)s cycle(s) checked, %(advanced)s advanced; "
                           "%(watched)s open deadline(s) watched."))
    console.print(said % counts)
    if dry_run:
        messages = result.get("messages", [])
        console.print(tr.gettext("Would write %(created)s message(s) to send, %(digests)s digest(s) replacing "
                                 "%(digested)s; %(held)s held by quiet hours.") % result)
        if result.get("stage_messages"):
            console.print(tr.gettext("Would write %(stage_messages)s message(s) for the stages that open (the "
                                     "request for information, the draft), %(stage_files)s with a file attached.")
                          % result)
        if messages:
            table = Table()
            for col in (tr.pgettext("sweep", "to"), tr.pgettext("sweep", "what"),
                        tr.pgettext("sweep", "goes out (UTC)")):
                table.add_column(col, no_wrap=True)
            table.add_column(tr.pgettext("sweep", "subject"), overflow="fold")
            for m in messages[:show]:
                what = m["kind"] + ("" if m["kind"] == "digest" else f" {m['step']}")
                status = (tr.gettext("in the digest") if m["status"] == "digested"
                          else m["not_before"][:16].replace("T", " "))
                table.add_row(m["to"], what, status, escape(m["subject"]))
            console.print(table)
            if len(messages) > show:
                console.print(tr.gettext("... and %(num)s more (--show N).") % {"num": len(messages) - show})
        console.print(tr.gettext("Nothing was written or sent (dry run)."))
    else:
        console.print(tr.gettext("Created %(created)s message(s) (%(digests)s digest(s) replacing %(digested)s); "
                                 "sent %(sent)s, retrying %(retrying)s, failed %(failed)s; %(pending)s waiting in "
                                 "the outbox.") % result)
        if result.get("stage_messages"):
            console.print(tr.gettext("Wrote %(stage_messages)s message(s) for the stages that opened (the request "
                                     "for information, the draft), %(stage_files)s with a file attached.") % result)
        if result.get("released"):
            console.print(tr.gettext("%(released)s held message(s) released: the public address is set now.")
                          % result)
        if result.get("held_for_address"):
            console.print(tr.gettext("%(held_for_address)s message(s) with links held until the public address "
                                     "is set.") % result)
    _warn_public_url(c.settings)
    unresolved = result.get("unresolved", [])
    if unresolved:
        from nmrf.domain.wording import say  # imported when needed: `nmrf --help` loads every command module

        console.print(escape(tr.gettext("%(num)s step(s) reach nobody (fix the profile):") % {"num": len(unresolved)}),
                      style="yellow")
        for u in unresolved[:10]:
            # The reason is a sentence of ours (nmrf.notifications.decide): said in the reader's language.
            step = tr.pgettext("notification step", "reminder") if u["step"] == "reminder" else u["step"]
            console.print("  " + tr.gettext("milestone #%(id)s %(step)s: %(target)s: %(why)s") % {
                "id": u["milestone_id"], "step": step, "target": u["target"], "why": say(tr, u["why"])},
                markup=False)


def _warn_public_url(settings) -> None:  # type: ignore[no-untyped-def]
    from nmrf.notifications.public_url import unset_warning

    warning = unset_warning(settings, t())
    if warning:
        err_console.print(f"[yellow]{escape(t().gettext('warning:'))}[/yellow] {escape(warning)}", soft_wrap=True)


@outbox_app.callback()
@friendly
def outbox(
    ctx: typer.Context,
    status: str = typer.Option("all", "--status", help="all, pending, held, sent, failed or cancelled."),
    person: str | None = typer.Option(None, "--person", help="Only this person's messages (key)."),
    limit: int = typer.Option(40, "--limit", min=1),
) -> None:
    """Every delivery, newest first: to whom, on which channel, sent, waiting or failed (and why)."""
    if ctx.invoked_subcommand:
        return
    from nmrf.notifications.outbox_rows import FILTERS, outbox_rows, outbox_summary

    if status not in FILTERS:
        raise NmrfError.said(N_("--status %(value)s: expected one of %(known)s"), value=repr(status),
                             known=", ".join(FILTERS))
    c = ctx_of(ctx)
    now = datetime.now(UTC)
    with c.session(readonly=True) as s:
        rows = outbox_rows(session=s, status=status, person_key=person, limit=limit, now=now)
        summary = outbox_summary(session=s, now=now)
    tr = t()
    word = partial(status_word, tr)
    table = Table(title=tr.gettext("Outbox (newest first; times UTC)"))
    for col in ("#", tr.pgettext("outbox", "to"), tr.pgettext("outbox", "channel"), tr.pgettext("outbox", "what"),
                tr.pgettext("outbox", "status"), tr.pgettext("outbox", "when")):
        table.add_column(col, no_wrap=True)
    table.add_column(tr.pgettext("outbox", "subject, or what went wrong"), overflow="fold")
    for r in rows:
        detail = r.subject
        if r.status == "sent":
            state, when = f"[green]{escape(word('sent'))}[/green]", _when(r.sent_at)
        elif r.status == "pending":
            held = r.attempts == 0 and r.next_attempt_at > now
            state = escape(word("sending" if r.leased else ("held" if held else
                                                           ("retrying" if r.attempts else "pending"))))
            when = (tr.gettext("until %(when)s") if held else tr.gettext("next %(when)s")) % {
                "when": _when(r.next_attempt_at)}
            if r.last_error:
                detail = f"{r.address}: {r.last_result}: {r.last_error}"
        elif r.status == "failed":
            state, when = f"[red]{escape(word('failed'))}[/red]", _when(r.next_attempt_at)
            detail = f"{r.address}: {r.last_result}: {r.last_error}"
        else:
            state, when = escape(word(r.status)), "-"
            detail = said_note(tr, r.last_error) or r.subject  # why it stopped, in the reader's words
        table.add_row(str(r.notification_id), r.person_key, r.label, f"{r.kind} {r.step}", state, when,
                      escape(detail))
    console.print(table)
    console.print(tr.gettext("%(counts)s. %(show)s prints a message; %(retry)s tries failed ones again.") % {
        "counts": ", ".join(f"{n} {word(k)}" for k, n in summary.items()), "show": "`nmrf outbox show N`",
        "retry": "`nmrf outbox retry --failed`"}, markup=False)


def _words(tr, words: dict[str, str]):  # type: ignore[no-untyped-def]
    """A key (a status) in the reader's words; an unknown key as it is."""
    return lambda key: tr.gettext(words[key]) if key in words else key.replace("_", " ")


@outbox_app.command("show")
@friendly
def outbox_show(ctx: typer.Context, notification_id: int = typer.Argument(..., help="The message number (#).")) -> None:
    """One message as it was (or will be) sent, with every try."""
    from nmrf.notifications.outbox_rows import notification_detail

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        detail = notification_detail(session=s, notification_id=notification_id)
        if detail is None:
            raise NmrfError.said(N_("no message #%(id)s in the outbox"), id=notification_id)
        _print_detail(detail)


def _print_detail(detail: dict) -> None:
    n, person = detail["notification"], detail["person"]
    tr = t()
    word = partial(status_word, tr)
    status = word(n.status) + (f" ({said_note(tr, n.status_note)})" if n.status_note else "")
    console.print(f"[bold]#{n.id}[/bold] " + escape(
        tr.gettext("%(kind)s %(step)s to %(person)s (%(key)s), %(language)s; %(status)s; decided %(when)s") % {
            "kind": n.kind, "step": n.step, "person": person.name, "key": person.key, "language": n.language,
            "status": status, "when": _when(n.created_at)}))
    if detail["digest"] is not None:
        console.print(tr.gettext("Listed in digest #%(id)s instead of being sent on its own.") % {
            "id": detail["digest"].id}, markup=False)
    console.print(tr.gettext("Subject: %(subject)s") % {"subject": n.subject}, markup=False)
    console.print(escape(n.body))
    for a in detail.get("attachments", ()):
        console.print(escape(tr.gettext("File: %(name)s (%(type)s, %(size)s bytes, SHA-256 %(sha256)s), as stored "
                                         "with the message") % {"name": a.file_name, "type": a.media_type,
                                                                "size": f"{a.size:,}", "sha256": a.sha256}))
    for d in detail["deliveries"]:
        dv = d["delivery"]
        files = ""
        if detail.get("attachments"):
            files = "; " + (tr.gettext("file attached") if d.get("files") == "attached"
                            else tr.gettext("download link instead of the file"))
        console.print("- " + tr.gettext("%(label)s %(address)s: %(status)s, key %(key)s") % {
            "label": dv.label, "address": d["address"], "status": word(dv.status), "key": dv.idempotency_key}
            + files, markup=False)
        for a in d["attempts"]:
            console.print("    " + tr.gettext("try %(when)s: %(result)s") % {"when": _when(a.started_at),
                                                                          "result": a.result}
                          + (f" {a.error}" if a.error else ""), markup=False)
    for item in detail["listed"]:
        console.print("  " + tr.gettext("lists #%(id)s %(kind)s %(step)s: %(subject)s") % {
            "id": item.id, "kind": item.kind, "step": item.step, "subject": item.subject}, markup=False)


@outbox_app.command("retry")
@friendly
def outbox_retry(
    ctx: typer.Context,
    notification_id: int | None = typer.Argument(None, help="One message (#)."),
    failed: bool = typer.Option(False, "--failed", help="Every failed delivery."),
) -> None:
    """Try failed deliveries again at the next sweep."""
    from sqlalchemy import select, update

    from nmrf.models import Delivery, Notification

    if notification_id is None and not failed:
        raise NmrfError.said(N_("say which: a message number, or --failed for every failed delivery"))
    c = ctx_of(ctx)
    now = datetime.now(UTC)
    with c.session() as s:
        q = update(Delivery).where(Delivery.status == "failed")
        if notification_id is not None:
            q = q.where(Delivery.notification_id == notification_id)
        n = s.execute(q.values(status="pending", attempts=0, next_attempt_at=now, updated_at=now)).rowcount
        nq = update(Notification).where(Notification.status == "failed")
        if notification_id is not None:
            nq = nq.where(Notification.id == notification_id)
        pending = select(Delivery.notification_id).where(Delivery.status == "pending")
        s.execute(nq.where(Notification.id.in_(pending)).values(status="pending"))  # type: ignore[attr-defined]
    console.print(t().ngettext("%(num)d delivery will be tried again at the next sweep (`nmrf sweep`).",
                               "%(num)d deliveries will be tried again at the next sweep (`nmrf sweep`).", n)
                  % {"num": n}, markup=False)


@notify_app.command("test")
@friendly
def notify_test(ctx: typer.Context, person: str = typer.Argument(..., help="Person key from the profile."),
                state_code: str | None = STATE_OPTION) -> None:
    """Send a test message to each of a person's addresses and say whether each worked."""
    from nmrf.services.probe import send_test

    c = ctx_of(ctx)
    c.require_schema()
    name, results = send_test(engine=c.engine, settings=c.settings, person_key=person, state_code=state_code)
    tr = t()
    for r in results:
        ok, failed = tr.pgettext("address test", "OK"), tr.pgettext("address test", "FAILED")
        mark = (f"[green]{escape(ok)}[/green]" if r.ok else
                f"[red]{escape(failed)}[/red] ({r.status}: {escape(r.error or '')})")
        # (the sentence is ours, without brackets; the mark is markup with the error escaped)
        console.print(f"{escape(name)} {escape('[' + r.label + ']')} {escape(r.address)}: "
                      + tr.gettext("%(result)s in %(seconds)s s") % {"result": mark,
                                                                     "seconds": tr.format_number(round(r.seconds, 2))})
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@notify_app.command("ack")
@friendly
def notify_ack(
    ctx: typer.Context,
    cycle_ref: str = typer.Argument(..., help="Cycle number or key."),
    key: str = typer.Argument(..., help="Milestone key (e.g. input:labour)."),
    by: str = typer.Option(..., "--by", help="Who acknowledges (person key)."),
    until: str | None = typer.Option(None, "--until", help="The promised date, YYYY-MM-DD."),
    note: str = typer.Option("", "--note", help="E.g. \"seen, input by Friday\"."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record that someone saw an escalation and when the item will come; it holds the chain till then."""
    from nmrf.notifications.acks import record_ack
    from nmrf.services.cycles import get_cycle, get_milestone
    from nmrf.services.people import get_person

    c = ctx_of(ctx)
    promised = parse_date(until, what="--until") if until else None
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        cycle = get_cycle(session=s, state=state, ref=cycle_ref)
        m = get_milestone(session=s, cycle=cycle, key=key)
        person = get_person(session=s, state=state, key=by)
        ack = record_ack(session=s, milestone=m, person=person, now=now, actor=c.settings.effective_actor,
                         promised_by=promised, note=note)
    tr = t()
    said = (tr.gettext("Acknowledged %(key)s (cycle #%(cycle)s) by %(person)s, promised by %(day)s. If it is not "
                       "recorded by then, the escalation resumes.") if ack.promised_by else
            tr.gettext("Acknowledged %(key)s (cycle #%(cycle)s) by %(person)s, holding for the policy's default. If "
                       "it is not recorded by then, the escalation resumes."))
    console.print(said % {"key": key, "cycle": cycle.id, "person": person.name,
                          "day": tr.format_date(ack.promised_by) if ack.promised_by else ""}, markup=False)


@notify_app.command("acks")
@friendly
def notify_acks(ctx: typer.Context, cycle_ref: str | None = typer.Argument(None, help="Only this cycle."),
                state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Acknowledgements: who said what, when, and whether the promise held."""
    from nmrf.notifications.acks import list_acks
    from nmrf.services.cycles import get_cycle

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        cycle_id = get_cycle(session=s, state=state, ref=cycle_ref).id if cycle_ref else None
        rows = list_acks(session=s, today=today, cycle_id=cycle_id)
    tr = t()
    word = _words(tr, ACK_WORDS)
    table = Table(title=tr.gettext("Acknowledgements as of %(day)s") % {"day": today})
    for col in (tr.pgettext("acks", "cycle"), tr.pgettext("acks", "item"), tr.pgettext("acks", "by"),
                tr.pgettext("acks", "when (UTC)"), tr.pgettext("acks", "promised by"), tr.pgettext("acks", "note"),
                tr.pgettext("acks", "via"), tr.pgettext("acks", "now")):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(f"#{r.cycle_id}", r.milestone_key, r.by, _when(r.at), str(r.promised_by or "-"),
                      escape(r.note), r.via, escape(word(r.status)))
    console.print(table)


@notify_app.command("policy")
@friendly
def notify_policy(ctx: typer.Context, state_code: str | None = STATE_OPTION) -> None:
    """The reminder and escalation policy in force (its version), level by level."""
    from sqlalchemy import select

    from nmrf.models import NotificationPolicy
    from nmrf.domain.policy import policy_from_json
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        row = s.execute(select(NotificationPolicy).where(NotificationPolicy.state_id == state.id)
                        .order_by(NotificationPolicy.version.desc()).limit(1)).scalars().first()
        if row is None:
            raise NmrfError.said(N_("no policy stored yet: load the profile again (%(command)s)"),
                                 command="`nmrf init --profile ...`")
        p = policy_from_json(row.body)
        version, stored, name = row.version, row.created_at, state.name
    tr = t()

    def delay(d) -> str:  # type: ignore[no-untyped-def]
        # Translators: a delay as the policy file writes it, short: 10wd is 10 working days, 3d 3 days.
        if d.working_days is not None:
            return tr.ngettext("%(num)dwd", "%(num)dwd", d.working_days) % {"num": d.working_days}
        return tr.ngettext("%(num)dd", "%(num)dd", d.days or 0) % {"num": d.days or 0}

    def where(m) -> str:  # type: ignore[no-untyped-def]
        return ", ".join(filter(None, [", ".join(m.stages), ", ".join(m.roles)])) or tr.gettext("everything else")

    console.print("[bold]" + escape(tr.gettext("Notification policy of %(state)s, version %(version)s") % {
        "state": name, "version": version}) + "[/bold] " + escape(
        tr.gettext("(stored %(when)s UTC; running chains keep the version they started with)") % {
            "when": _when(stored)}))
    for ladder in p.reminders:
        console.print(tr.gettext("reminders [%(name)s] (%(where)s): %(when)s to %(to)s") % {
            "name": ladder.name, "where": where(ladder),
            "when": ", ".join(tr.gettext("%(delay)s before") % {"delay": delay(d)} for d in ladder.before),
            "to": ", ".join(ladder.to)}, markup=False)
    counts = {"deadline": N_("counted from the deadline:"), "previous": N_("counted from the previous level:")}
    for esc in p.escalation:
        console.print(tr.gettext("escalation [%(name)s] (%(where)s), %(counts)s") % {
            "name": esc.name, "where": where(esc), "counts": tr.gettext(counts[esc.counts_from])}, markup=False)
        for i, lv in enumerate(esc.levels):
            flags = [tr.gettext(f) for f, on in ((N_("urgent: no digest"), esc.is_urgent(i)),
                                                 (N_("through quiet hours"), lv.through_quiet_hours),
                                                 (N_("not held by acknowledgements"),
                                                  not lv.held_by_acknowledgement)) if on]
            said = tr.gettext("%(level)s. %(name)s: %(delay)s late -> %(to)s") % {
                "level": i + 1, "name": lv.name, "delay": delay(lv.after), "to": ", ".join(lv.to)}
            if lv.repeat:
                said += tr.ngettext(", repeated %(num)dx every %(delay)s", ", repeated %(num)dx every %(delay)s",
                                    lv.repeat.times) % {"num": lv.repeat.times, "delay": delay(lv.repeat.every)}
            console.print("  " + said + (f" ({'; '.join(flags)})" if flags else ""), markup=False)
    windows = {"day": N_("day"), "week": N_("week"), "off": N_("off")}
    console.print(tr.gettext("acknowledgement holds %(holds)s without a date; links valid %(valid)s; digest: "
                             "%(window)s, from %(items)s items; %(delivery)s") % {
        "holds": delay(p.acknowledgement.holds_for), "valid": delay(p.acknowledgement.link_valid_for),
        "window": tr.gettext(windows.get(p.digest.window, p.digest.window)), "items": p.digest.min_items,
        "delivery": tr.gettext("nothing goes out on non-working days") if p.delivery.working_days_only else
        tr.gettext("delivery on any day, outside quiet hours")}, markup=False)
