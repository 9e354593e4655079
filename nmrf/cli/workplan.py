"""The NMRF's institutional work on the command line: the annual workplan, pledges, the annual report."""

from __future__ import annotations

from pathlib import Path

import typer

from nmrf.cli.common import as_of_option, console, ctx_of, friendly, parse_date, state_moment

STATE_OPTION = typer.Option(None, "--state", help="ISO code, when the database holds several States.")
pledge_app = typer.Typer(help="Voluntary pledges made under the UPR, tracked like actions.", no_args_is_help=True)


@friendly
def workplan(
    ctx: typer.Context,
    year: int = typer.Argument(..., help="The year, e.g. 2027."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write it as a workbook (a sheet per quarter)."),
    docx: Path | None = typer.Option(None, "--docx", help="Also write it as a Word document."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """The annual workplan: obligations, cycles, deadlines, meetings, actions and pledges of the year,
    who answers for each, and the estimated costs per currency."""
    from nmrf.documents.workplan_files import workplan_text, write_workplan_docx, write_workplan_xlsx
    from nmrf.domain.i18n import translator
    from nmrf.services.workplan import state_workplan

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state, today, now = state_moment(s, state_code, as_of)
        wp = state_workplan(session=s, state=state, year=year, today=today)
        t = translator(state.language, fallback=state.language)
    for line in workplan_text(wp, t):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if xlsx:
        xlsx.write_bytes(write_workplan_xlsx(wp, t))
        console.print(f"Workbook: {xlsx}")
    if docx:
        docx.write_bytes(write_workplan_docx(wp, t, created=now))
        console.print(f"Document: {docx}")


@friendly
def annual_report(
    ctx: typer.Context,
    year: int = typer.Argument(..., help="The year reported on."),
    out: Path = typer.Option(..., "--out", help="report.docx or report.md"),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """The NMRF's annual report (for parliament and the public), in the State's language."""
    from nmrf.documents.annual_report import write_annual_docx, write_annual_markdown
    from nmrf.domain.i18n import translator
    from nmrf.errors import NmrfError
    from nmrf.services.annual import state_annual_report

    if out.suffix not in (".docx", ".md"):
        raise NmrfError(f"--out {out}: expected a .docx or .md file")
    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state, today, now = state_moment(s, state_code, as_of)
        report = state_annual_report(session=s, state=state, year=year, today=today)
        t = translator(state.language, fallback=state.language)
    if out.suffix == ".docx":
        out.write_bytes(write_annual_docx(report, t, created=now))
    else:
        out.write_text(write_annual_markdown(report, t), encoding="utf-8")
    console.print(f"Annual report {year}: {out}")


@pledge_app.command("add")
@friendly
def pledge_add(
    ctx: typer.Context,
    text: str = typer.Option(..., "--text"),
    institution: str = typer.Option(..., "--institution", help="The lead institution's key."),
    made_on: str = typer.Option(..., "--date", help="When it was made (YYYY-MM-DD)."),
    mechanism: str = typer.Option("UPR", "--mechanism"),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record a voluntary pledge."""
    from nmrf.services.pledges import add_pledge

    c = ctx_of(ctx)
    with c.session() as s:
        state, _, now = state_moment(s, state_code, as_of)
        p = add_pledge(session=s, state=state, text=text, institution=institution,
                       made_on=parse_date(made_on, what="--date"), mechanism=mechanism, now=now, actor="cli")
    console.print(f"Pledge #{p.id} recorded.")
