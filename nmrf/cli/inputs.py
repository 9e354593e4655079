"""Inputs on the command line: the information request (workbooks), answers back, the draft."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from nmrf.cli.common import (STATE_OPTION, as_of_option, console, ctx_of, force_option, friendly, output_file,
                             state_work)
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

app = typer.Typer(help="The information request: workbooks out, answers in, the draft compiled.",
                  no_args_is_help=True)


@app.command("request")
@friendly
def request(
    ctx: typer.Context,
    cycle_ref: str = typer.Argument(..., help="Cycle number or key."),
    out: Path = typer.Option(..., "--out", help="Folder for the workbooks."),
    institutions: list[str] = typer.Option(None, "--institution", help="Only these institutions (repeatable)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Write the information-request workbook (XLSX) of each institution asked for input."""
    from nmrf.services.cycles import get_cycle
    from nmrf.services.inputs import request_workbooks

    with state_work(ctx, state_code, as_of) as w:
        cycle = get_cycle(session=w.session, state=w.state, ref=cycle_ref)
        result = request_workbooks(session=w.session, state=w.state, cycle=cycle, out_dir=out, now=w.now,
                                   actor=w.actor, institutions=institutions or None)
    for sent in result.sent:
        said = (t().gettext("%(institution)s: %(num)s recommendation(s) -> %(file)s (same request as before)")
                if sent.reused else t().gettext("%(institution)s: %(num)s recommendation(s) -> %(file)s"))
        console.print(said % {"institution": sent.institution, "num": sent.rows, "file": sent.file})
    for line in result.skipped:
        console.print("[dim]" + escape(t().gettext("no workbook for %(what)s") % {"what": line}) + "[/dim]")
    if not result.sent:
        raise NmrfError.said(N_("no workbook written: no institution of this cycle leads or supports a recommendation"))


@app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    workbook: Path = typer.Argument(..., help="A returned workbook."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Read a returned workbook strictly and record each answer against its recommendation."""
    from nmrf.services.inputs import import_workbook

    if not workbook.is_file():
        raise NmrfError.said(N_("%(file)s: no such file"), file=str(workbook))
    from nmrf.documents.files import MAX_OFFICE_BYTES, read_file

    c = ctx_of(ctx)
    data = read_file(workbook, limit=MAX_OFFICE_BYTES, what="XLSX workbook")
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        r = import_workbook(session=s, state=state, data=data, file_name=str(workbook), now=now,
                            actor=c.settings.effective_actor)
    said = (t().gettext("%(institution)s, cycle #%(cycle)s: %(answered)s of %(rows)s recommendation(s) answered; "
                        "%(recorded)s answer(s) recorded.") if r.recorded else
            t().gettext("%(institution)s, cycle #%(cycle)s: %(answered)s of %(rows)s recommendation(s) answered; "
                        "%(recorded)s answer(s) recorded (nothing new)."))
    console.print(said % {"institution": r.institution.key, "cycle": r.cycle.id, "answered": r.answered,
                          "rows": r.rows, "recorded": r.recorded})
    if r.milestone_done:
        console.print(t().gettext("Input recorded: %(milestone)s done.") % {"milestone": r.milestone_done})
    if r.note:
        console.print(r.note)


@app.command("draft")
@friendly
def draft(
    ctx: typer.Context,
    cycle_ref: str = typer.Argument(..., help="Cycle number or key."),
    out: Path = typer.Option(..., "--out", help="draft.docx or draft.md"),
    force: bool = force_option(),
    by: str | None = typer.Option(None, "--by", help="cluster (by theme) or article; default: by theme for a UPR "
                                  "report, by article for a treaty-body report."),
    language: str | None = typer.Option(None, "--language", "--lang", help="The report's language (en, es, fr, "
                                        "ar, ru, zh, pt); default: "
                                        "the profile's reporting language for the mechanism, else the State's."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Compile the draft report (OHCHR's structure, numbered paragraphs, A4) from the inputs received, marking
    what is missing and from whom."""
    from nmrf.services.cycles import get_cycle
    from nmrf.services.drafts import compile_draft, report_language

    if out.suffix.lower() not in (".docx", ".md"):
        raise NmrfError.said(N_("%(file)s: write a .docx or a .md file"), file=str(out))
    output_file(out, force=force)
    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today, now = w.session, w.state, w.today, w.now
        cycle = get_cycle(session=s, state=state, ref=cycle_ref)
        d = compile_draft(session=s, state=state, cycle=cycle, today=today, by=by,
                          language=language or report_language(state, cycle.mechanism))
        s.expunge_all()  # what was read stays usable after the read-only rollback
    write_draft(d, out, now)
    console.print(escape(t().gettext("Draft written to %(out)s: %(limit)s.") % {"out": out, "limit": d.limit_text()}))
    for inst, n in d.missing_from.items():
        console.print(escape("  " + t().gettext("missing from %(institution)s: %(num)s recommendation(s)")
                             % {"institution": inst, "num": n}))


def write_draft(d, out: Path, now) -> None:  # type: ignore[no-untyped-def]
    from nmrf.domain.draft import to_markdown

    if out.suffix.lower() == ".md":
        out.write_text(to_markdown(d), encoding="utf-8")
    else:
        from nmrf.documents.draft_docx import write_docx

        out.write_bytes(write_docx(d, created=now))
