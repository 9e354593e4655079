"""Reporting cycles on the command line: launch, show, set official dates, record, advance."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from nmrf.cli.common import (STATE_OPTION, as_of_option, console, ctx_of, err_console, friendly, parse_date,
                             parse_pairs, state_work)
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

cycle_app = typer.Typer(help="Reporting cycles: launch, list, show, set official dates.", no_args_is_help=True)
record_app = typer.Typer(help="Record what a person did: an input, a sign-off, a comment, a waiver.",
                         no_args_is_help=True)



@cycle_app.command("launch")
@friendly
def launch(
    ctx: typer.Context,
    template: str = typer.Argument(..., help="Cycle template, e.g. upr_review, periodic_report (see `nmrf rules list`)."),
    mechanism: str = typer.Option(..., "--mechanism", "-m", help="Mechanism code, e.g. UPR, CEDAW."),
    dates: list[str] = typer.Option(None, "--date", help="Official date KEY=YYYY-MM-DD (repeatable)."),
    sources: list[str] = typer.Option(None, "--source", help="Where an official date comes from, KEY=TEXT."),
    reference: str | None = typer.Option(None, "--reference", help="The mechanism's reference (communication number...)."),
    institutions: list[str] = typer.Option(None, "--institution", help="Only these institutions take part (repeatable)."),
    members: list[str] = typer.Option(None, "--member", help="People assigned (for confidential cycles, the only ones who see it)."),
    reason: str | None = typer.Option(None, "--reason", help="Why a second cycle for an obligation that already has one running."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Launch a reporting cycle: every milestone planned from the mechanism's rules and the official dates."""
    from nmrf.services.cycles import launch_cycle, milestones_of

    c = ctx_of(ctx)
    parsed = {k: parse_date(v, what=f"--date {k}") for k, v in parse_pairs(dates, option="--date").items()}
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        result = launch_cycle(session=s, state=state, template=template, mechanism=mechanism.upper(), dates=parsed,
                              sources=parse_pairs(sources, option="--source"), reference=reference,
                              institutions=institutions or None, members=members or None, now=now,
                              actor=c.settings.effective_actor, reason=reason)
        n = len(milestones_of(session=s, cycle=result.cycle))
        from nmrf.cli.lang import t
        from nmrf.domain import wording

        tr, cy = t(), result.cycle
        title = wording.cycle_title(tr, stored=cy.title, template=cy.template, mechanism=cy.mechanism,
                                    reference=cy.reference, state_name=state.name, state_names=state.names)
    values = {"id": cy.id, "title": title, "num": n, "show": f"`nmrf cycle show {cy.id}`",
              "advance": f"`nmrf advance {cy.id}`"}
    if result.created:
        console.print(tr.ngettext("Launched cycle #%(id)s: %(title)s (%(num)s milestone).",
                                  "Launched cycle #%(id)s: %(title)s (%(num)s milestones).", n) % values)
        console.print(tr.gettext("See the plan with %(show)s; run it with %(advance)s.") % values)
        if result.compressed:
            console.print(tr.gettext("Launched late: the secretariat's own lead times had started; the %(num)s "
                                     "internal date(s) left are compressed up to the next UN deadline (UN dates "
                                     "unchanged):") % {"num": len(result.compressed)}, soft_wrap=True)
            for m in result.compressed:
                console.print(f"  {m.key}: {m.planned} -> {m.now}", soft_wrap=True)
    else:
        console.print(tr.gettext("Cycle #%(id)s (%(title)s) was already launched; nothing changed.") % values)


@cycle_app.command("list")
@friendly
def list_cycles(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Completed cycles too."),
    state_code: str | None = STATE_OPTION,
) -> None:
    """The State's reporting cycles."""
    from sqlmodel import select

    from nmrf.models import Cycle
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        q = select(Cycle).where(Cycle.state_id == state.id).order_by(Cycle.id)
        if not all_:
            q = q.where(Cycle.status == "active")
        cycles = list(s.exec(q))
    from nmrf.cli.lang import t

    tr = t()
    table = Table(title=tr.gettext("Reporting cycles of %(state)s") % {"state": state.name})
    for col in ("#", tr.pgettext("cycles", "cycle"), tr.pgettext("cycles", "mechanism"),
                tr.pgettext("cycles", "template"), tr.pgettext("cycles", "status"), tr.pgettext("cycles", "key")):
        table.add_column(col, overflow="fold")
    for cy in cycles:
        table.add_row(str(cy.id), cy.title + (" [dim](confidential)[/dim]" if cy.confidential else ""),
                      cy.mechanism, cy.template, cy.status, cy.key)
    console.print(table)


@cycle_app.command("show")
@friendly
def show(
    ctx: typer.Context,
    cycle_ref: str = typer.Argument(..., help="Cycle number or key."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """The plan: who owes what by when, what is done and what is late."""
    from nmrf.services.cycles import get_cycle
    from nmrf.services.plan_rows import cycle_rows

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        cycle = get_cycle(session=s, state=state, ref=cycle_ref)
        from nmrf.cli.lang import t
        from nmrf.domain import wording

        tr = t()
        rows = cycle_rows(session=s, cycle=cycle, today=today, t=tr)
        title = wording.cycle_title(tr, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                                    reference=cycle.reference, state_name=state.name, state_names=state.names)
    print_plan(title, cycle.status, rows, today, tr)


def print_plan(title: str, status: str, rows: list, today: date, tr=None) -> None:  # type: ignore[no-untyped-def]
    from nmrf.domain.i18n import translator

    tr = tr or translator("en")
    from rich.markup import escape

    table = Table(title=escape(tr.gettext("%(title)s [%(status)s] as of %(date)s") % {
        "title": title, "status": {"active": tr.pgettext("cycle status", "active"),
                                       "completed": tr.pgettext("cycle status", "completed"),
                                       "cancelled": tr.pgettext("cycle status", "cancelled")}.get(status, status),
        "date": today}))
    for col in (tr.pgettext("plan column", "due"), tr.pgettext("plan column", "milestone"),
                tr.pgettext("plan column", "key"), tr.pgettext("plan column", "owed by"),
                tr.pgettext("plan column", "status"), tr.pgettext("plan column", "date from")):
        table.add_column(col, overflow="fold")
    for r in rows:
        colour = {"late": "red", "done": "green", "waived": "dim", "cancelled": "dim", "open": "yellow"}.get(r.state_word)
        state_text = f"[{colour}]{r.status_text}[/{colour}]" if colour else r.status_text
        table.add_row(r.due_text, r.title, r.key, r.owed_by, state_text, r.basis)
    console.print(table)
    late = sum(1 for r in rows if r.state_word == "late")
    if late:
        console.print("[red]" + tr.gettext("%(num)s milestone(s) late.") % {"num": late} + "[/red]")


@cycle_app.command("set-date")
@friendly
def set_date(
    ctx: typer.Context,
    cycle_ref: str = typer.Argument(..., help="Cycle number or key."),
    key: str = typer.Argument(..., help="Milestone key (e.g. submission, dialogue, input:health)."),
    day: str = typer.Argument(..., help="The official date, YYYY-MM-DD."),
    source: str = typer.Option(..., "--source", help="The document or notice that set it."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record an official date; it wins over the computed one everywhere."""
    from nmrf.services.cycles import get_cycle, set_official_date

    c = ctx_of(ctx)
    new = parse_date(day, what="date")
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        cycle = get_cycle(session=s, state=state, ref=cycle_ref)
        moved = set_official_date(session=s, cycle=cycle, key=key, day=new, source=source, now=now,
                                  actor=c.settings.effective_actor)
    from nmrf.cli.lang import t

    console.print(t().gettext("Official date %(key)s = %(day)s recorded (%(source)s).") % {
        "key": key, "day": new, "source": source})
    for m in moved:
        console.print("  " + t().gettext("moved: %(key)s -> %(day)s") % {"key": m.key, "day": m.due_date})


def _record(ctx: typer.Context, cycle_ref: str, key: str, kind: str, by: str | None, note: str,
            state_code: str | None, as_of: str | None, document: Path | None = None,
            evidence: Path | None = None) -> None:
    from nmrf.services.cycles import advance_cycle, get_cycle, get_milestone, record_action
    from nmrf.services.documents import hand_in_document, store_document
    from nmrf.services.plan_rows import describe_events

    c = ctx_of(ctx)
    attached = _read_file(document or evidence) if (document or evidence) else None
    with state_work(ctx, state_code, as_of) as w:
        s, state, today, now = w.session, w.state, w.today, w.now
        cycle = get_cycle(session=s, state=state, ref=cycle_ref)
        actor = c.settings.effective_actor
        # Who typed it and whose act it is are both kept: the audit never impersonates the person.
        data = {"via": "command line", "recorded_by": actor, "on_behalf_of": by}
        if document is not None:
            m = get_milestone(session=s, cycle=cycle, key=key)
            hand_in_document(session=s, cycle=cycle, milestone=m, data=attached, file_name=document.name,  # type: ignore[arg-type]
                             recorded_by=actor, on_behalf_of=by, via="command line", now=now, by=by, note=note)
        else:
            if evidence is not None:
                m = get_milestone(session=s, cycle=cycle, key=key)
                doc = store_document(session=s, cycle=cycle, milestone=m, data=attached, file_name=evidence.name,  # type: ignore[arg-type]
                                     role="evidence", recorded_by=actor, on_behalf_of=by, via="command line", now=now)
                data |= {"evidence_id": doc.id, "evidence_sha256": doc.sha256}
            record_action(session=s, cycle=cycle, key=key, kind=kind, by=by, note=note, now=now, actor=actor,
                          data=data)
        # The record moves the cycle on at once (what it unblocks opens now), in the
        # same transaction; the flows would do the same at their next run.
        events = advance_cycle(session=s, cycle=cycle, today=today, now=now)
        from nmrf.cli.lang import t

        lines = describe_events([{"kind": e.kind, **e.detail} for e in events], t())
    said = {"key": key, "kind": kind, "by": by, "actor": actor, "when": f"{now:%Y-%m-%d %H:%M}", "cycle": cycle.id}
    console.print(escape((t().gettext("Recorded: %(key)s %(kind)s by %(by)s (recorded by %(actor)s) on %(when)s UTC "
                                      "(cycle #%(cycle)s).") if by else
                          t().gettext("Recorded: %(key)s %(kind)s on %(when)s UTC (cycle #%(cycle)s).")) % said))
    if attached is not None:
        console.print("  " + t().gettext("with %(file)s (%(size)s bytes) kept in the database") % {
            "file": (document or evidence).name, "size": t().format_number(len(attached))}, markup=False)  # type: ignore[union-attr]
    for line in lines:
        console.print(f"  {escape(line)}")


def _read_file(path: Path) -> bytes:
    from nmrf.documents.handed_in import MAX_DOCUMENT

    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT:
            raise NmrfError.said(N_("%(file)s: too big (%(size)s bytes; the limit is %(limit)s MB)"), file=str(path),
                                 size=f"{size:,}", limit=MAX_DOCUMENT // (1024 * 1024))
        return path.read_bytes()
    except OSError as exc:
        raise NmrfError.said(N_("%(file)s: cannot be read (%(reason)s)"), file=str(path),
                             reason=exc.strerror or type(exc).__name__) from None


BY = typer.Option(None, "--by", help="Who acted (person key from the profile).")
# Acts that belong to a person (an input handed in, a sign-off, a comment) name that person.
BY_PERSON = typer.Option(..., "--by", help="Whose act it is (person key); you are kept as who recorded it.")
DOCUMENT = typer.Option(None, "--document", help="The input itself (DOCX, ODT or PDF), kept with its checksum; "
                                                 "the draft includes it.")
EVIDENCE = typer.Option(None, "--evidence", help="The evidence (the signed letter: DOCX, ODT or PDF), kept with "
                                                 "its checksum.")
NOTE = typer.Option("", "--note", help="A note kept with the record.")


@record_app.command("input")
@friendly
def record_input(ctx: typer.Context, cycle_ref: str = typer.Argument(...), institution: str = typer.Argument(...),
                 by: str = BY_PERSON, note: str = NOTE, document: Path | None = DOCUMENT,
                 state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """An institution's input received (with --document, the input itself)."""
    _record(ctx, cycle_ref, _per_institution(ctx, cycle_ref, "input", institution, state_code), "done", by, note,
            state_code, as_of, document=document)


@record_app.command("signoff")
@friendly
def record_signoff(ctx: typer.Context, cycle_ref: str = typer.Argument(...), institution: str = typer.Argument(...),
                   by: str = BY_PERSON, note: str = NOTE, evidence: Path | None = EVIDENCE,
                   state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """A minister's sign-off of the draft, recorded on their behalf (--by the minister)."""
    _record(ctx, cycle_ref, f"signoff:{institution}", "done", by, note, state_code, as_of, evidence=evidence)


@record_app.command("comment")
@friendly
def record_comment(ctx: typer.Context, cycle_ref: str = typer.Argument(...),
                   key: str = typer.Argument("nhri_comment", help="Milestone key; the NHRI's comment by default."),
                   by: str = BY_PERSON, note: str = NOTE, state_code: str | None = STATE_OPTION,
                   as_of: str | None = as_of_option()) -> None:
    """A comment received (the NHRI's on the draft completes its milestone)."""
    from nmrf.services.cycles import get_cycle, get_milestone
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        cycle = get_cycle(session=s, state=get_state(session=s, code=state_code), ref=cycle_ref)
        m = get_milestone(session=s, cycle=cycle, key=key)
        # A comment milestone (the NHRI's) is completed by its comment; elsewhere a comment is a note.
        # (Read inside the session: a read-only session's rollback expires the row.)
        kind = "done" if m.stage in ("nhri_comment", "parliament") and not m.is_closed else "comment"
    if kind == "comment" and not note:
        raise NmrfError.said(N_("a comment needs its text: %(option)s"), option="--note")
    _record(ctx, cycle_ref, key, kind, by, note, state_code, as_of)


@record_app.command("done")
@friendly
def record_done(ctx: typer.Context, cycle_ref: str = typer.Argument(...), key: str = typer.Argument(...),
                by: str | None = BY, note: str = NOTE, state_code: str | None = STATE_OPTION,
                as_of: str | None = as_of_option()) -> None:
    """Any milestone done (the draft, the submission, ...)."""
    _record(ctx, cycle_ref, key, "done", by, note, state_code, as_of)


@record_app.command("waive")
@friendly
def record_waive(ctx: typer.Context, cycle_ref: str = typer.Argument(...), key: str = typer.Argument(...),
                 by: str | None = BY, note: str = NOTE, state_code: str | None = STATE_OPTION,
                 as_of: str | None = as_of_option()) -> None:
    """A milestone waived (with the reason in --note)."""
    _record(ctx, cycle_ref, key, "waived", by, note, state_code, as_of)


@record_app.command("reopen")
@friendly
def record_reopen(ctx: typer.Context, cycle_ref: str = typer.Argument(...), key: str = typer.Argument(...),
                  by: str | None = BY, note: str = NOTE, state_code: str | None = STATE_OPTION,
                  as_of: str | None = as_of_option()) -> None:
    """Reopen a closed milestone (the earlier record is kept)."""
    _record(ctx, cycle_ref, key, "reopened", by, note, state_code, as_of)


def _per_institution(ctx: typer.Context, cycle_ref: str, prefix: str, institution: str, state_code: str | None) -> str:
    # The input of a cycle whose template names it differently (programme_input
    # for a visit) is found by stage.
    from nmrf.services.cycles import get_cycle, milestones_of
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        cycle = get_cycle(session=s, state=get_state(session=s, code=state_code), ref=cycle_ref)
        keys = [m.key for m in milestones_of(session=s, cycle=cycle)
                if m.stage == "inputs" and m.key.endswith(f":{institution}") and not m.is_closed]
        if not keys:
            keys = [m.key for m in milestones_of(session=s, cycle=cycle)
                    if m.stage == "inputs" and m.key.endswith(f":{institution}")]
    if not keys:
        raise NmrfError.said(N_("cycle %(cycle)s asks no input of %(institution)s"), cycle=cycle_ref,
                             institution=repr(institution))
    return keys[0]


@friendly
def advance(
    ctx: typer.Context,
    cycle_ref: str | None = typer.Argument(None, help="One cycle (number or key); all active cycles when omitted."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Run the cycle flows now: advance whatever is due, notice what is late."""
    from nmrf.services.cycles import active_cycles, get_cycle
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        day = parse_date(as_of, what="--as-of") if as_of is not None else None
        cycles = [get_cycle(session=s, state=state, ref=cycle_ref)] if cycle_ref else active_cycles(session=s, state=state)
        targets = [(cy.id, cy.flow, cy.title) for cy in cycles]
    from rich.progress import Progress

    from nmrf.flows.runs import run_cycle_flows

    from nmrf.cli.lang import t

    with Progress(console=err_console, transient=True, disable=len(targets) < 4) as progress:
        bar = progress.add_task(escape(t().gettext("running the cycle flows")), total=len(targets))
        for cycle_id, title, lines in run_cycle_flows(c.settings, targets, day, t()):
            progress.advance(bar)
            console.print(f"[bold]#{cycle_id} {escape(title)}[/bold]")  # a title is text, not markup
            for line in lines or [t().gettext("nothing due")]:
                console.print(f"  {escape(line)}")  # "[input]" is a key, not markup
