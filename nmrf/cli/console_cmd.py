"""The console and its API on the command line: a sign-in link at the terminal; API tokens issued, listed, revoked."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, state_work
from nmrf.cli.lang import t

console_app = typer.Typer(help="The secretariat's console (served by `nmrf serve` under /console).",
                          no_args_is_help=True)
token_app = typer.Typer(help="API tokens for other government systems (/api/v1): held by a named person, "
                             "scoped read or act.", no_args_is_help=True)


@console_app.command("link")
@friendly
def link(ctx: typer.Context, person: str = typer.Argument(..., help="Person key (a console role)."),
         state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Print a sign-in link for PERSON (once, 15 minutes): for the first sign-in, or when mail is down."""
    from nmrf.services.console_auth import issue_terminal_link
    from nmrf.services.people import get_person

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        url = issue_terminal_link(session=s, person=get_person(session=s, state=state, key=person), now=now,
                                  base_url=c.settings.public_url)
    console.print(t().gettext("Sign-in link of %(person)s (once, within %(minutes)s minutes):") % {
        "person": person, "minutes": 15}, markup=False)
    console.print(f"  {url}", soft_wrap=True, markup=False)


@token_app.command("issue")
@friendly
def issue(ctx: typer.Context, person: str = typer.Argument(..., help="Who holds the token (its acts are theirs)."),
          name: str = typer.Option(..., "--name", help="The system that uses it (SIMORE, the ministry's ERP...)."),
          scope: str = typer.Option("read", "--scope", help="read, or act (needs a secretariat role)."),
          state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Issue an API token (shown once; stored only as its hash)."""
    from nmrf.services.console_auth import issue_api_token
    from nmrf.services.people import get_person

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        token, secret = issue_api_token(session=s, person=get_person(session=s, state=state, key=person), name=name,
                                        scope=scope, now=now, actor=c.settings.effective_actor)
        token_id = token.id
    console.print(t().gettext("API token #%(id)s for %(name)s, held by %(person)s, scope %(scope)s (shown once; send "
                              "it as %(header)s):") % {"id": token_id, "name": name, "person": person,
                                                       "scope": _scope(scope), "header": "`Authorization: Bearer ...`"},
                  markup=False)
    console.print(f"  {secret}", soft_wrap=True, markup=False)


@token_app.command("revoke")
@friendly
def revoke(ctx: typer.Context, token_id: int = typer.Argument(..., help="The token's number (`list`)."),
           state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """Revoke an API token at once (it answers 401 from now on)."""
    from nmrf.services.console_auth import revoke_api_token

    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        revoke_api_token(session=s, state=state, token_id=token_id, now=now, actor=c.settings.effective_actor)
    console.print(t().gettext("API token #%(id)s is revoked.") % {"id": token_id}, markup=False)


@token_app.command("list")
@friendly
def list_(ctx: typer.Context, state_code: str | None = STATE_OPTION) -> None:
    """Every API token: who holds it, for what, its scope, whether revoked (never the secret)."""
    from nmrf.services.console_auth import api_tokens
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        rows = api_tokens(session=s, state=get_state(session=s, code=state_code))
    tr = t()
    table = Table(title=escape(tr.gettext("API tokens")))
    for col in ("#", tr.pgettext("api tokens", "name"), tr.pgettext("api tokens", "held by"),
                tr.pgettext("api tokens", "scope"), tr.pgettext("api tokens", "issued"),
                tr.pgettext("api tokens", "revoked")):
        table.add_column(escape(col))
    for token, p in rows:
        table.add_row(str(token.id), escape(token.name), p.key, escape(_scope(token.scope)),
                      escape(f"{token.created_at:%Y-%m-%d} ({token.created_by})"),
                      escape(f"{token.revoked_at:%Y-%m-%d} ({token.revoked_by})") if token.revoked_at else "-")
    console.print(table)


def _scope(key: str) -> str:
    """A token's scope (a key) as a person reads it."""
    tr = t()
    return {"read": tr.pgettext("api token scope", "read"), "act": tr.pgettext("api token scope", "act")}.get(key, key)
