"""People's personal pages on the command line: issue, rotate and revoke their secret links."""

from __future__ import annotations

import typer

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, state_work
from nmrf.cli.lang import t

people_app = typer.Typer(help="People's personal pages: the secret link each one acts from.", no_args_is_help=True)

SEND = typer.Option(False, "--send", help="Send the link to the person's addresses (through the outbox) "
                                          "instead of printing it.")


def _hand_over(c, person_key: str, person_id: int, link_id: int, token: str, send: bool, now) -> None:  # type: ignore[no-untyped-def]
    from nmrf.services.pages import page_url

    url = page_url(c.settings.public_url, token)
    if not send:
        from nmrf.notifications.public_url import unset_warning

        if unset_warning(c.settings):
            console.print(t().gettext("warning:") + " " + (unset_warning(c.settings, t()) or ""), soft_wrap=True,
                          markup=False)
        console.print(t().gettext("Personal page of %(person)s (shown once; keep it like a password):")
                      % {"person": person_key}, markup=False)
        console.print(f"  {url}", soft_wrap=True)
        return
    from nmrf.models import Person
    from nmrf.notifications.delivery import deliver_due
    from nmrf.notifications.page_links import write_page_link_message
    from nmrf.notifications.public_url import hold_messages_with_links, unset_warning

    with c.session() as s:
        person = s.get(Person, person_id)
        message = write_page_link_message(session=s, person=person, link_id=link_id, url=url, now=now)
        held = hold_messages_with_links(session=s, settings=c.settings)
    if held:
        console.print(t().gettext("The message to %(person)s is held in the outbox: %(why)s") % {
            "person": person_key, "why": unset_warning(c.settings, t())}, soft_wrap=True, markup=False)
        return
    counts = deliver_due(engine=c.engine, now=now, settings=c.settings, only=[message] if message else [])
    console.print(t().gettext("Link of %(person)s sent: %(sent)s delivered, %(failed)s failed (`nmrf outbox` shows "
                              "each delivery; the link itself is never printed there).")
                  % {"person": person_key, "sent": counts.sent, "failed": counts.failed}, markup=False)


@people_app.command("link")
@friendly
def link(ctx: typer.Context, person: str = typer.Argument(..., help="Person key."), send: bool = SEND,
         state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Issue PERSON's personal page link (once; `rotate` gives a new one)."""
    from nmrf.services.pages import issue_page_link
    from nmrf.services.people import get_person

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        who = get_person(session=s, state=state, key=person)
        row, token = issue_page_link(session=s, person=who, now=now, actor=c.settings.effective_actor)
        link_id, person_id = row.id, who.id
    _hand_over(c, person, person_id, link_id, token, send, now)  # type: ignore[arg-type]


@people_app.command("rotate")
@friendly
def rotate(ctx: typer.Context, person: str = typer.Argument(..., help="Person key."), send: bool = SEND,
           state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Give PERSON a new page link; the old one answers 404 at once."""
    from nmrf.services.pages import rotate_page_link
    from nmrf.services.people import get_person

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        who = get_person(session=s, state=state, key=person)
        row, token = rotate_page_link(session=s, person=who, now=now, actor=c.settings.effective_actor)
        link_id, person_id = row.id, who.id
    _hand_over(c, person, person_id, link_id, token, send, now)  # type: ignore[arg-type]


@people_app.command("revoke")
@friendly
def revoke(ctx: typer.Context, person: str = typer.Argument(..., help="Person key."),
           note: str = typer.Option(..., "--note", help="Why (kept in the audit history)."),
           state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Revoke PERSON's page link at once (it answers 404 from now on)."""
    from nmrf.services.pages import revoke_page_link
    from nmrf.services.people import get_person

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        who = get_person(session=s, state=state, key=person)
        revoke_page_link(session=s, person=who, now=now, actor=c.settings.effective_actor, reason=note)
    console.print(t().gettext("The page link of %(person)s is revoked; it answers 404 from now on.")
                  % {"person": person}, markup=False)
