"""Calendar feeds on the command line: links (url, rotate, revoke, list), show, export; and `nmrf serve`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, now_for, state_work
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

feeds_app = typer.Typer(help="Calendar feeds people subscribe to: private links, export.", no_args_is_help=True)

INSTITUTION = typer.Option(None, "--institution", help="The institution's feed (given to PERSON) instead of PERSON's own.")
CYCLE = typer.Option(None, "--cycle", help="A cycle's feed (number or key), given to PERSON.")
SECRETARIAT = typer.Option(False, "--secretariat", help="The secretariat's whole calendar, given to PERSON.")


def _subject(s, state, person_key: str, institution: str | None, cycle: str | None, secretariat: bool):  # type: ignore[no-untyped-def]
    from nmrf.calendars.links import Subject
    from nmrf.services.cycles import get_cycle
    from nmrf.services.people import get_institution, get_person

    if sum(bool(x) for x in (institution, cycle, secretariat)) > 1:
        raise NmrfError.said(N_("choose one of --institution, --cycle, --secretariat (or none for PERSON's own feed)"))
    holder = get_person(session=s, state=state, key=person_key)
    if institution:
        return Subject("institution", holder, institution=get_institution(session=s, state=state, key=institution))
    if cycle:
        return Subject("cycle", holder, cycle=get_cycle(session=s, state=state, ref=cycle))
    if secretariat:
        return Subject("secretariat", holder)
    return Subject("person", holder)


def _print_links(settings, what: str, token: str) -> None:  # type: ignore[no-untyped-def]
    from nmrf.calendars.links import feed_urls

    from nmrf.notifications.public_url import unset_warning

    webcal, web = feed_urls(settings.public_url, token)
    warning = unset_warning(settings, t())
    if warning:
        from rich.markup import escape

        # Google and Outlook on the web fetch feeds from their own servers: a 127.0.0.1 link cannot work there.
        console.print(f"[yellow]{escape(t().gettext('warning:'))}[/yellow] {escape(warning)} "
                      + escape(t().gettext("Google Calendar and Outlook on the web cannot subscribe to this link "
                                           "until then.")), soft_wrap=True, markup=True)
    console.print(t().gettext("Private link to %(what)s (shown once; keep it like a password):") % {"what": what})
    console.print(f"  {webcal}", soft_wrap=True)
    console.print(f"  {web}", soft_wrap=True)
    console.print(t().gettext(
        "Apple Calendar and Outlook desktop: open the webcal:// link. Google Calendar and Outlook on the "
        "web: add a calendar 'from URL' with the http(s) link. Google refreshes every few hours (up to a "
        "day), Outlook on the web every 3-4 hours, Thunderbird every 30 minutes."), soft_wrap=True)


@feeds_app.command("url")
@friendly
def url(
    ctx: typer.Context,
    person: str = typer.Argument(..., help="Who the link is for (person key)."),
    institution: str | None = INSTITUTION,
    cycle: str | None = CYCLE,
    secretariat: bool = SECRETARIAT,
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Issue PERSON's private link to their feed (or to a shared feed) and print it: webcal:// and http(s)://."""
    from nmrf.calendars.links import issue_link

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        subject = _subject(s, state, person, institution, cycle, secretariat)
        _, token = issue_link(session=s, subject=subject, now=now, actor=c.settings.effective_actor)
        what = subject.describe(t())
    _print_links(c.settings, what, token)


@feeds_app.command("rotate")
@friendly
def rotate_cmd(
    ctx: typer.Context,
    person: str = typer.Argument(..., help="Whose link (person key)."),
    institution: str | None = INSTITUTION,
    cycle: str | None = CYCLE,
    secretariat: bool = SECRETARIAT,
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Replace a link with a new one: the old one stops working at once (subscribe again with the new)."""
    from nmrf.calendars.links import active_link, issue_link, rotate

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        subject = _subject(s, state, person, institution, cycle, secretariat)
        link = active_link(session=s, subject=subject)
        if link is None:
            _, token = issue_link(session=s, subject=subject, now=now, actor=c.settings.effective_actor)
        else:
            _, token = rotate(session=s, link=link, now=now, actor=c.settings.effective_actor)
        what = subject.describe(t())
    _print_links(c.settings, what, token)


@feeds_app.command("revoke")
@friendly
def revoke_cmd(
    ctx: typer.Context,
    person: str | None = typer.Argument(None, help="Whose link (person key); or --link."),
    link_id: int | None = typer.Option(None, "--link", help="The link's number (see `nmrf feeds list`)."),
    institution: str | None = INSTITUTION,
    cycle: str | None = CYCLE,
    secretariat: bool = SECRETARIAT,
    note: str = typer.Option(..., "--note", help="Why (kept in the history)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Revoke a link: it answers 404 from now on."""
    from nmrf.calendars.links import active_link, revoke
    from nmrf.models import FeedLink

    if not note.strip():
        raise NmrfError.said(N_("say why with --note"))
    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        if link_id is not None:
            link = s.get(FeedLink, link_id)
            if link is None or link.state_id != state.id:
                raise NmrfError.said(N_("no link #%(id)s: %(command)s shows them"), id=link_id,
                                     command="`nmrf feeds list`")
            what = t().gettext("link #%(id)s") % {"id": link_id}
        elif person:
            subject = _subject(s, state, person, institution, cycle, secretariat)
            link = active_link(session=s, subject=subject)
            if link is None:
                raise NmrfError.said(N_("%(feed)s has no active link; nothing changed"),
                                     feed=subject.describe(t()))
            what = t().gettext("link #%(id)s (%(feed)s)") % {"id": link.id, "feed": subject.describe(t())}
        else:
            raise NmrfError.said(N_("name the link: PERSON (with --institution/--cycle/--secretariat) or --link N"))
        revoke(session=s, link=link, now=now, actor=c.settings.effective_actor, reason=note)
    console.print(t().gettext("Revoked %(what)s: it now answers 404.") % {"what": what})


@feeds_app.command("list")
@friendly
def list_links(
    ctx: typer.Context,
    person: str | None = typer.Argument(None, help="Only the links given to this person."),
    revoked: bool = typer.Option(False, "--revoked", help="Revoked and rotated links too."),
    state_code: str | None = STATE_OPTION,
) -> None:
    """The feed links (never their secrets): what each shows, to whom, since when."""
    from nmrf.calendars.links import links_of
    from nmrf.models import Cycle, Institution, Person
    from nmrf.services.people import get_person, get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        holder = get_person(session=s, state=state, key=person) if person else None
        links = links_of(session=s, state=state, holder=holder, include_revoked=revoked)
        rows = []
        for link in links:
            who = s.get(Person, link.holder_id) if link.holder_id else None
            if link.scope == "institution":
                inst = s.get(Institution, link.institution_id)
                feed = f"institution {inst.key if inst else '?'}"
            elif link.scope == "cycle":
                cy = s.get(Cycle, link.cycle_id)
                feed = f"cycle #{cy.id if cy else '?'}"
            else:
                feed = link.scope
            state_text = (f"revoked {link.revoked_at:%Y-%m-%d} ({link.revoked_reason})"
                          if link.revoked_at else "active")
            rows.append((str(link.id), feed, who.key if who else "-", f"{link.created_at:%Y-%m-%d}", state_text))
        title = t().gettext("Feed links of %(state)s") % {"state": state.name}
    table = Table(title=title)
    tr = t()
    for col in ("#", tr.pgettext("feed links", "feed"), tr.pgettext("feed links", "given to"),
                tr.pgettext("feed links", "issued"), tr.pgettext("feed links", "status")):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@feeds_app.command("show")
@friendly
def show(
    ctx: typer.Context,
    person: str = typer.Argument(..., help="Whose feed (person key)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Print PERSON's feed (iCalendar) as their calendar would receive it; no link needed."""
    import sys

    from nmrf.calendars.build import render_feed
    from nmrf.calendars.queries import person_feed
    from nmrf.services.people import get_person

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, now = w.session, w.state, w.now
        feed = person_feed(session=s, person=get_person(session=s, state=state, key=person), now=now)
        body = render_feed(feed.spec, feed.items, now=now).body
    sys.stdout.buffer.write(body)
    sys.stdout.flush()


@feeds_app.command("export")
@friendly
def export(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="Folder to write the .ics files into (created if missing)."),
    print_urls: str | None = typer.Option(None, "--print-urls", metavar="BASE_URL",
                                          help="Also print each file's URL under BASE_URL (secret: like the links)."),
    as_of: str | None = as_of_option(),
) -> None:
    """Write every active link's feed as a file, for publishing through an existing web server."""
    from nmrf.calendars.export import export_feeds
    from nmrf.models import Person

    c = ctx_of(ctx)
    _, now = now_for(as_of, "UTC")
    with c.session(readonly=True) as s:
        result = export_feeds(session=s, directory=directory, now=now)
        listing = [((s.get(Person, link.holder_id).key if link.holder_id else "-"), link.scope, name)  # type: ignore[union-attr]
                   for link, name in result.files]
    console.print(t().gettext("%(written)s feed(s) written, %(unchanged)s unchanged, %(removed)s removed (revoked), "
                              "%(skipped)s skipped (subject no longer active) in %(directory)s.") % {
        "written": result.written, "unchanged": result.unchanged, "removed": result.removed,
        "skipped": result.skipped, "directory": directory})
    if print_urls:
        base = print_urls.rstrip("/")
        for holder, scope, name in listing:
            console.print(f"  {holder} ({scope}): {base}/{name}", soft_wrap=True)


@friendly
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only)."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port (0: any free port)."),
    cache_mb: int = typer.Option(64, "--cache-mb", min=0, help="Memory for rendered feeds (0: build every time)."),
    sweep_every: float = typer.Option(
        5, "--sweep-every", min=0,
        help="Minutes between sweeps run in this process (0: none). Off when PREFECT_API_URL names a server, "
             "whose deployment schedule sweeps instead."),
) -> None:
    """Serve the calendar feeds and acknowledgement pages; sweep every few minutes."""
    import os

    from nmrf.web.run import run_server

    c = ctx_of(ctx)
    c.require_schema()
    every = 0 if os.environ.get("PREFECT_API_URL") else sweep_every * 60
    run_server(c.settings, host=host, port=port, engine=c.engine, cache_bytes=cache_mb * 1024 * 1024,
               sweep_every=every)

