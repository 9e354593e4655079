"""Setting up and looking around: init, inventory, rules, history, db."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlmodel import select

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, err_console, friendly, state_work
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

rules_app = typer.Typer(help="The rules of every mechanism, with their sources.", no_args_is_help=True)
db_app = typer.Typer(help="The database: its schema, backups, and moving it to PostgreSQL.", no_args_is_help=True)


@friendly
def init(
    ctx: typer.Context,
    profile: Path = typer.Option(..., "--profile", help="The NMRF profile (YAML)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and show the changes; write nothing."),
) -> None:
    """Create the database (or upgrade it) and load or update a State's NMRF profile."""
    from nmrf.models.db import session_scope, upgrade_schema
    from nmrf.models.types import utcnow
    from nmrf.profile import load_profile
    from nmrf.services.profiles import apply_profile

    c = ctx_of(ctx)
    spec = load_profile(profile)  # every problem, with its line, before touching the database
    from rich.markup import escape

    from nmrf.profile import load_warnings

    from nmrf.cli.lang import t

    label = escape(t().gettext("warning:"))
    for warning in load_warnings(spec):
        err_console.print(f"[yellow]{label}[/yellow] {escape(str(warning.translated(t().gettext)))}", soft_wrap=True)
    upgrade_schema(c.engine)
    with session_scope(c.engine, actor=c.settings.effective_actor) as s:
        result = apply_profile(session=s, profile=spec, now=utcnow())
        if dry_run:
            s.rollback()
    line = (t().gettext("%(state)s (%(code)s): profile would change: %(created)s created, %(updated)s updated, "
                        "%(deactivated)s deactivated.") if dry_run else
            t().gettext("%(state)s (%(code)s): profile loaded: %(created)s created, %(updated)s updated, "
                        "%(deactivated)s deactivated."))
    console.print(line % {"state": spec.state.name, "code": spec.state.code, "created": len(result.created),
                          "updated": len(result.updated), "deactivated": len(result.deactivated)})
    if result.created and len(result.created) <= 10 or result.updated or result.deactivated:
        from nmrf.domain.wording import say

        for line in (result.created if len(result.created) <= 10 else []) + result.updated + result.deactivated:
            console.print(f"  {say(t(), line)}", markup=False)
    if not dry_run:
        console.print(t().gettext("Database: %(database)s") % {
            "database": c.engine.url.render_as_string(hide_password=True)}, markup=False)
    from nmrf.notifications.public_url import unset_warning

    if unset_warning(c.settings):
        err_console.print(f"[yellow]{label}[/yellow] {escape(unset_warning(c.settings, t()) or '')}", soft_wrap=True)


# An obligation's status and what its date rests on (nmrf.domain.inventory's words), as the table shows them.
INVENTORY_WORDS = {
    "overdue": N_("overdue"), "upcoming": N_("upcoming"), "date unknown": N_("date unknown"),
    "on receipt": N_("on receipt"), "unknown": N_("unknown"), "official": N_("official"),
    "published calendar": N_("published calendar"),
    "computed from an official date": N_("computed from an official date"),
    "recorded": N_("recorded"), "rule default": N_("rule default"),
}


@friendly
def inventory(
    ctx: typer.Context,
    years: int = typer.Option(5, "--years", min=1, max=30, help="How many years ahead."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Every upcoming reporting obligation of the State, and what is overdue."""
    from nmrf.services.inventory import state_inventory

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        rows = state_inventory(session=s, state=state, today=today, years=years)
    from rich.markup import escape

    from nmrf.domain.wording import say

    tr = t()
    table = Table(title=tr.gettext("Reporting obligations of %(state)s, %(start)s to %(end)s") % {
        "state": state.name, "start": today, "end": today.year + years})
    for col in (tr.pgettext("inventory", "due"), tr.pgettext("inventory", "mechanism"),
                tr.pgettext("inventory", "obligation"), tr.pgettext("inventory", "status"),
                tr.pgettext("inventory", "date rests on"), tr.pgettext("inventory", "cycle")):
        table.add_column(col, overflow="fold")
    for ob, cycle in rows:
        shown = tr.gettext(INVENTORY_WORDS[ob.status]) if ob.status in INVENTORY_WORDS else ob.status
        status = f"[red]{shown}[/red]" if ob.status == "overdue" else shown
        basis = tr.gettext(INVENTORY_WORDS[ob.basis]) if ob.basis in INVENTORY_WORDS else ob.basis
        title, note = say(tr, ob.title_said or ob.title), say(tr, ob.note_said or ob.note)
        table.add_row(ob.due.isoformat() if ob.due else "-", ob.mechanism,
                      escape(title) + (f"\n[dim]{escape(note)}[/dim]" if note else ""),
                      status, escape(basis), f"#{cycle.id}" if cycle else "")
    console.print(table)
    overdue = sum(1 for ob, _ in rows if ob.status == "overdue")
    console.print(tr.gettext("%(num)s obligations, %(overdue)s overdue. Dates resting on a rule default or a recorded "
                             "date are fallbacks: record official dates in the profile (reporting:) or with "
                             "%(command)s.") % {"num": len(rows), "overdue": overdue,
                                                "command": "`nmrf cycle set-date`"})


@rules_app.command("list")
@friendly
def rules_list() -> None:
    """Every mechanism with its cycle templates."""
    from nmrf.domain.rules import load_catalogue

    from rich.markup import escape

    from nmrf.domain import wording

    tr = t()
    cat = load_catalogue()
    table = Table(title=escape(tr.gettext("Mechanisms (rules version %(version)s)") % {"version": cat.version}))
    for col in (tr.pgettext("rules", "code"), tr.pgettext("rules", "mechanism"), tr.pgettext("rules", "body"),
                tr.pgettext("rules", "cycle templates")):
        table.add_column(escape(col))
    for code, m in cat.mechanisms.items():
        body = tr.gettext(BODY_WORDS[m.body]) if m.body in BODY_WORDS else m.body
        table.add_row(code, escape(wording.title(tr, m.name)), escape(body), ", ".join(m.templates))
    console.print(table)


@rules_app.command("show")
@friendly
def rules_show(code: str | None = typer.Argument(None, help="Mechanism code, e.g. CEDAW; every mechanism if omitted.")) -> None:
    """The rules, each number with its source and whether a primary text supports it."""
    from rich.markup import escape

    from nmrf.domain import wording
    from nmrf.domain.rules import load_catalogue

    tr = t()
    no_word = tr.pgettext("rules", "no")
    yes, no = escape(tr.pgettext("rules", "yes")), f"[yellow]{escape(no_word)}[/yellow]"
    headers = {"mechanism": tr.pgettext("rules", "mechanism"), "rule": tr.pgettext("rules", "rule"),
               "default": tr.pgettext("rules", "default"), "range": tr.pgettext("rules", "range"),
               "verified": tr.pgettext("rules", "verified"), "source": tr.pgettext("rules", "source")}

    def span(r) -> str:  # type: ignore[no-untyped-def]
        return (tr.gettext("%(low)s to %(high)s") % {"low": r.range[0], "high": r.range[1]}) if r.range else ""

    cat = load_catalogue()
    if code is None:
        table = Table(title=tr.gettext("Every rule (catalogue version %(version)s)") % {"version": cat.version})
        for col in ("mechanism", "rule", "default", "range", "verified", "source"):
            table.add_column(headers[col], overflow="fold")
        unverified = 0
        for mcode, m in cat.mechanisms.items():
            for name, r in m.rules.items():
                unverified += not r.verified
                table.add_row(mcode, name, escape(_default_text(r, tr)), escape(span(r)), yes if r.verified else no,
                              escape(r.source + (f" ({r.note})" if r.note else "")))
        console.print(table)
        total = sum(len(m.rules) for m in cat.mechanisms.values())
        console.print(tr.gettext("%(total)s rules, %(unverified)s without a primary text (verified: no). Official "
                                 "dates always replace these defaults.") % {"total": total, "unverified": unverified},
                      markup=False)
        return
    try:
        m = cat.mechanism(code.upper())
    except KeyError as exc:
        raise NmrfError(str(exc.args[0])) from None
    console.print(f"[bold]{escape(code.upper())}[/bold]: " + escape(
        tr.gettext("%(name)s (%(body)s); source: %(source)s") % {
            "name": wording.title(tr, m.name), "body": tr.gettext(BODY_WORDS[m.body]) if m.body in BODY_WORDS
            else m.body, "source": m.source}))
    if m.note:
        console.print(tr.gettext("note: %(note)s") % {"note": m.note}, markup=False)
    table = Table()
    for col in ("rule", "default", "range", "verified", "source"):
        table.add_column(headers[col], overflow="fold")
    for name, r in m.rules.items():
        table.add_row(name, escape(_default_text(r, tr)), escape(span(r)), yes if r.verified else no,
                      escape(r.source + (f" ({r.note})" if r.note else "")))
    console.print(table)
    if m.word_limits:
        console.print(tr.gettext("word limits: %(limits)s") % {
            "limits": ", ".join(f"{k} {tr.format_number(v)}" for k, v in m.word_limits.items())}, markup=False)


# The kind of body a mechanism belongs to (a key of the rules catalogue), as a person reads it.
BODY_WORDS = {"treaty": N_("treaty body"), "charter": N_("Charter-based body"),
              "regional": N_("regional mechanism"), "special_procedures": N_("special procedures"),
              "spt": N_("Subcommittee on Prevention of Torture")}


def _offset_text(offset, tr) -> str:  # type: ignore[no-untyped-def]
    from nmrf.domain.wording import offset_words

    return offset_words(tr, offset)


def _default_text(rule, tr) -> str:  # type: ignore[no-untyped-def]
    if not rule.seasons:
        return _offset_text(rule.offset, tr)
    by_season = "; ".join(tr.gettext("months %(months)s: %(offset)s") % {
        "months": ",".join(map(str, s.months)), "offset": _offset_text(s.offset, tr)} for s in rule.seasons)
    return f"{_offset_text(rule.offset, tr)} ({by_season})"


@friendly
def history(
    ctx: typer.Context,
    table_name: str | None = typer.Option(None, "--table", help="Only this table (milestone, person, ...)."),
    limit: int = typer.Option(30, "--limit", min=1),
) -> None:
    """The audit history: who changed what, when, before and after."""
    from nmrf.models import AuditEntry

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
        if table_name:
            q = q.where(AuditEntry.table_name == table_name)
        rows = list(s.exec(q))
    from rich.markup import escape

    tr = t()
    table = Table(title=escape(tr.gettext("Audit history (newest first)")))
    for col in (tr.pgettext("history", "when (UTC)"), tr.pgettext("history", "who"), tr.pgettext("history", "what"),
                tr.pgettext("history", "changes")):
        table.add_column(escape(col), overflow="fold")
    for e in rows:
        changes = "; ".join(f"{k}: {b!r} -> {a!r}" for k, (b, a) in list(e.changes.items())[:6])
        op = tr.gettext(HISTORY_OPS[e.op]) if e.op in HISTORY_OPS else e.op
        table.add_row(f"{e.at:%Y-%m-%d %H:%M}", escape(e.actor), escape(f"{op} {e.table_name} #{e.row_id}"),
                      escape(changes))
    console.print(table)


# What a change did (the audit's operation, a key), as the history shows it; the table's name is the database's.
HISTORY_OPS = {"insert": N_("insert"), "update": N_("update"), "delete": N_("delete")}


@db_app.command("upgrade")
@friendly
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the schema with the Alembic migrations."""
    from nmrf.models.db import schema_revisions, upgrade_schema

    c = ctx_of(ctx)
    upgrade_schema(c.engine)
    console.print(t().gettext("schema at %(revisions)s (%(database)s)") % {
        "revisions": ", ".join(sorted(schema_revisions(c.engine))),
        "database": c.engine.url.render_as_string(hide_password=True)}, markup=False)


@db_app.command("migrate")
@friendly
def db_migrate(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="The new, empty database, e.g. postgresql+psycopg://nmrf@db-host/nmrf."),
    chunk: int = typer.Option(1000, "--chunk", min=1, help="Rows read and written at a time."),
) -> None:
    """Copy everything from the current database to a new, empty one (e.g. SQLite to PostgreSQL).

    All or nothing: the copy keeps every id, checks the rows of every table on both sides and
    rolls back on any difference. Stop the sweeps, workers and `nmrf serve` first; the current
    database is only read.
    """
    import time

    from nmrf.models.db import make_engine
    from nmrf.services.transfer import copy_database, parse_database_url

    c = ctx_of(ctx)
    c.require_schema()
    url = parse_database_url(to)
    shown = url.render_as_string(hide_password=True)
    console.print(t().gettext("Copying %(source)s to %(target)s.") % {
        "source": c.engine.url.render_as_string(hide_password=True), "target": shown}, markup=False)
    target = make_engine(url.render_as_string(hide_password=False))
    started = time.perf_counter()
    try:
        counts = copy_database(source=c.engine, target=target, chunk_size=chunk,
                               progress=lambda name, n: console.print(
                                   "  " + t().ngettext("%(table)s: %(num)d row", "%(table)s: %(num)d rows", n)
                                   % {"table": name, "num": n}, markup=False))
    finally:
        target.dispose()
    total = sum(x.target for x in counts)
    console.print(t().gettext("Copied %(rows)s rows in %(tables)s tables in %(seconds)s s; every table has as many "
                              "rows as in the source.") % {
        "rows": total, "tables": len(counts), "seconds": t().format_number(round(time.perf_counter() - started, 1))},
        markup=False)
    console.print(t().gettext("From now on: NMRF_DATABASE_URL=%(url)s (the old database was left as it was).")
                  % {"url": shown}, markup=False)


@db_app.command("backup")
@friendly
def db_backup(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The backup file to write (e.g. nmrf-2027-06-01.nmrfbak)."),
    force: bool = typer.Option(False, "--force", help="Replace the file if it exists."),
) -> None:
    """A consistent copy of the whole database while it runs, with a checksum and the schema version."""
    from nmrf.models.types import utcnow
    from nmrf.services.backup import backup_database

    c = ctx_of(ctx)
    c.require_schema()
    m = backup_database(engine=c.engine, out=file, now=utcnow(), force=force)
    rows = sum(x.rows for x in m.tables.values())
    console.print(t().gettext("Backup written to %(file)s: %(dialect)s, schema %(schema)s, %(tables)s tables, "
                              "%(rows)s rows, sha256 %(sha)s...") % {
        "file": file, "dialect": m.dialect, "schema": ", ".join(m.schema), "tables": len(m.tables), "rows": rows,
        "sha": m.payload_sha256[:16]}, markup=False)


@db_app.command("verify")
@friendly
def db_verify(file: Path = typer.Argument(..., help="The backup file.")) -> None:
    """Check a backup: its checksum, its schema, and (SQLite) every table's rows against its manifest."""
    from nmrf.services.backup import verify_backup

    v = verify_backup(path=file)
    m = v.manifest
    said = (t().gettext("%(file)s: OK: taken %(taken)s from %(dialect)s, schema %(schema)s; every table's rows and "
                        "checksum match (%(tables)s tables).") if v.checked_tables else
            t().gettext("%(file)s: OK: taken %(taken)s from %(dialect)s, schema %(schema)s; the dump's checksum and "
                        "table of contents are sound."))
    console.print(said % {"file": file, "taken": m.created_at, "dialect": m.dialect, "schema": ", ".join(m.schema),
                          "tables": v.checked_tables}, markup=False)


@db_app.command("restore")
@friendly
def db_restore(ctx: typer.Context, file: Path = typer.Argument(..., help="The backup file.")) -> None:
    """Restore a backup into the (empty) database nmrf is set to use; all or nothing."""
    from nmrf.services.backup import restore_backup

    c = ctx_of(ctx)
    m = restore_backup(path=file, target=c.engine)
    console.print(t().gettext("Restored %(file)s (taken %(taken)s) into %(database)s: %(tables)s tables, %(rows)s "
                              "rows; every table's rows and checksum match.") % {
        "file": file, "taken": m.created_at, "database": c.engine.url.render_as_string(hide_password=True),
        "tables": len(m.tables), "rows": sum(x.rows for x in m.tables.values())}, markup=False)
