"""Cost items on the command line: estimated and actual costs of cycles, milestones and meetings."""

from __future__ import annotations

import typer
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, parse_date, state_work
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_

cost_app = typer.Typer(help="Estimated and actual costs (workplan, annual report), per currency.", no_args_is_help=True)

# A cost's basis (a key) as a person reads it.
BASIS_WORDS = {"estimate": N_("estimate"), "actual": N_("actual")}


@cost_app.command("add")
@friendly
def add(
    ctx: typer.Context,
    amount: str = typer.Option(..., "--amount", help="e.g. 12500.00 (exact decimal, not negative)."),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code, e.g. CLP, CHF, USD."),
    line: str = typer.Option(..., "--line", help="A budget line of the profile (budget: lines:)."),
    description: str = typer.Option(..., "--description"),
    cycle: str | None = typer.Option(None, "--cycle", help="A cycle (id or key)."),
    milestone: str | None = typer.Option(None, "--milestone", help="CYCLE:MILESTONE_KEY, e.g. 3:dialogue."),
    meeting: str | None = typer.Option(None, "--meeting", help="A meeting's key."),
    series: str | None = typer.Option(None, "--series", help="A meeting series' key."),
    actual: bool = typer.Option(False, "--actual", help="Money spent (default: an estimate)."),
    on: str | None = typer.Option(None, "--on", help="The day it falls on (default: the milestone's or meeting's)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Add a cost item; refused whole, every bad field named, when anything is wrong."""
    from nmrf.calendars.meetings import get_meeting
    from nmrf.calendars.series import get_series
    from nmrf.domain.costs import money
    from nmrf.services.costs import add_cost
    from nmrf.services.cycles import get_cycle, get_milestone

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        target: dict = {}
        if cycle:
            target["cycle"] = get_cycle(session=s, state=state, ref=cycle)
        if milestone:
            ref, _, key = milestone.partition(":")
            target["milestone"] = get_milestone(session=s, cycle=get_cycle(session=s, state=state, ref=ref), key=key)
        if meeting:
            target["meeting"] = get_meeting(session=s, state=state, key=meeting)
        if series:
            target["series"] = get_series(session=s, state=state, key=series)
        item = add_cost(session=s, state=state, amount=amount, currency=currency, budget_line=line,
                        description=description, now=now, actor="cli", basis="actual" if actual else "estimate",
                        falls_on=parse_date(on, what="--on") if on else None, **target)
        tr = t()
        # The amount grouped and pointed the reader's way, its ISO code after it (1,800,000.00 CLP; 1 800 000,00 CLP).
        console.print(tr.gettext("Cost #%(id)s: %(amount)s (%(basis)s, %(line)s) on %(day)s.") % {
            "id": item.id, "amount": money(item.amount, item.currency, tr.tag),
            "basis": tr.gettext(BASIS_WORDS.get(item.basis, item.basis)), "line": item.budget_line,
            "day": item.falls_on}, markup=False)


@cost_app.command("list")
@friendly
def list_costs(
    ctx: typer.Context,
    year: int | None = typer.Option(None, "--year"),
    state_code: str | None = STATE_OPTION,
) -> None:
    """Cost items, with totals per currency (never summed across currencies)."""
    from datetime import date

    from nmrf.domain.costs import money, totals, totals_text
    from nmrf.services.costs import costs_of
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    table = Table()
    tr = t()
    for col in ("#", tr.pgettext("costs", "on"), tr.pgettext("costs", "amount"), tr.pgettext("costs", "basis"),
                tr.pgettext("costs", "line"), tr.pgettext("costs", "description")):
        table.add_column(col, overflow="fold")
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        rows = costs_of(session=s, state=state, first=date(year, 1, 1) if year else None,
                        last=date(year, 12, 31) if year else None)
        for r in rows:
            table.add_row(str(r.id), str(r.falls_on), money(r.amount, r.currency, tr.tag),
                          tr.gettext(BASIS_WORDS.get(r.basis, r.basis)), r.budget_line,
                          r.description)
    console.print(table)
    for basis, said in (("estimate", tr.gettext("Total estimate: %(totals)s")),
                        ("actual", tr.gettext("Total actual: %(totals)s"))):
        by_currency = totals((r.currency, r.amount) for r in rows if r.basis == basis)
        console.print(said % {"totals": totals_text(by_currency, tr.tag)})
