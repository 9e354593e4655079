"""The NMRF's institutional work on the command line: the annual workplan, pledges, the annual report."""

from __future__ import annotations

from pathlib import Path

import typer

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, parse_date, state_work
from nmrf.cli.lang import t as cli_t
from nmrf.domain.i18n import N_

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

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today, now = w.session, w.state, w.today, w.now
        wp = state_workplan(session=s, state=state, year=year, today=today)
        t = translator(state.language, fallback=state.language)
    # The console speaks the command line's language; the files are the State's documents, in its language.
    for line in workplan_text(wp, cli_t()):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if xlsx:
        xlsx.write_bytes(write_workplan_xlsx(wp, t))
        console.print(cli_t().gettext("Workbook: %(file)s") % {"file": xlsx})
    if docx:
        docx.write_bytes(write_workplan_docx(wp, t, created=now))
        console.print(cli_t().gettext("Document: %(file)s") % {"file": docx})


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
        raise NmrfError.said(N_("%(option)s %(value)s: expected a .docx or .md file"), option="--out", value=out)
    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today, now = w.session, w.state, w.today, w.now
        report = state_annual_report(session=s, state=state, year=year, today=today)
        t = translator(state.language, fallback=state.language)
    if out.suffix == ".docx":
        out.write_bytes(write_annual_docx(report, t, created=now))
    else:
        out.write_text(write_annual_markdown(report, t), encoding="utf-8")
    console.print(cli_t().gettext("Annual report %(year)s: %(file)s") % {"year": year, "file": out})


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

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        p = add_pledge(session=s, state=state, text=text, institution=institution,
                       made_on=parse_date(made_on, what="--date"), mechanism=mechanism, now=now, actor="cli")
    console.print(cli_t().gettext("Pledge #%(id)s recorded.") % {"id": p.id})


@pledge_app.command("update")
@friendly
def pledge_update(
    ctx: typer.Context,
    ref: int = typer.Argument(...),
    status: str = typer.Option(..., "--status", help="planned, in_progress, done or cancelled."),
    note: str = typer.Option("", "--note"),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record where a pledge stands."""
    from nmrf.errors import NmrfError
    from nmrf.models import Pledge
    from nmrf.models.recommendations import ACTION_STATUSES

    if status not in ACTION_STATUSES:
        raise NmrfError.said(N_("%(option)s %(value)s: expected one of %(known)s"), option="--status",
                             value=repr(status), known=", ".join(ACTION_STATUSES))
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        p = s.get(Pledge, ref)
        if p is None or p.state_id != state.id:
            raise NmrfError.said(N_("no pledge %(ref)s: %(command)s lists them"), ref=ref,
                                 command="`nmrf pledge list`")
        p.status, p.updated_at = status, now
        if note:
            p.note = note
    console.print(cli_t().gettext("Pledge #%(id)s: %(status)s.") % {"id": ref, "status": _status(status)}, markup=False)


@pledge_app.command("list")
@friendly
def pledge_list(ctx: typer.Context, state_code: str | None = STATE_OPTION) -> None:
    """The pledges, with their institution and status."""
    from sqlmodel import select

    from nmrf.models import Institution, Pledge
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        for p, inst in s.exec(select(Pledge, Institution).join(Institution, Institution.id == Pledge.institution_id)
                              .where(Pledge.state_id == state.id).order_by(Pledge.id)):
            console.print(f"#{p.id} {p.made_on} {p.mechanism} [{_status(p.status)}] {inst.key}: {p.text}", markup=False)


def _status(key: str) -> str:
    """A pledge's status (an action's: a key) as a person reads it."""
    from nmrf.documents.workplan_files import STATUS_WORDS

    return cli_t().gettext(STATUS_WORDS[key]) if key in STATUS_WORDS else key


@pledge_app.command("year-end")
@friendly
def year_end(
    ctx: typer.Context,
    year: int = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="Folder for one workbook per lead institution."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """The year-end round: ask every lead institution the status of its actions and pledges."""
    from nmrf.services.pledges import year_end_round

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        sent = year_end_round(session=s, state=state, year=year, out_dir=out, now=now, actor="cli")
    for key, path, rows in sent.files:
        console.print(cli_t().gettext("%(key)s: %(file)s (%(num)s rows)") % {"key": key, "file": path, "num": rows})


@pledge_app.command("year-end-import")
@friendly
def year_end_import(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Read a returned year-end workbook (strict: all or nothing; the same file twice changes nothing)."""
    from nmrf.services.pledges import import_year_end

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        got = import_year_end(session=s, state=state, path=path, now=now, actor="cli")
    if got.already:
        console.print(cli_t().gettext("%(file)s was already imported; nothing changed.") % {"file": path.name})
    else:
        console.print(cli_t().gettext("%(institution)s: %(updated)s updated, %(unchanged)s unchanged.") % {
            "institution": got.institution, "updated": got.updated, "unchanged": got.unchanged})
