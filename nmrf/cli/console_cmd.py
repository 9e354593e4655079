"""The console and its API on the command line: a sign-in link at the terminal; API tokens issued, listed, revoked."""

from __future__ import annotations

import typer
from rich.table import Table

from nmrf.cli.common import STATE_OPTION, as_of_option, console, ctx_of, friendly, state_work

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
    console.print(f"Sign-in link of {person} (once, within 15 minutes):")
    console.print(f"  {url}", soft_wrap=True)


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
        t, secret = issue_api_token(session=s, person=get_person(session=s, state=state, key=person), name=name,
                                    scope=scope, now=now, actor=c.settings.effective_actor)
        token_id = t.id
    console.print(f"API token #{token_id} for {name}, held by {person}, scope {scope} (shown once; send it as "
                  "`Authorization: Bearer ...`):")
    console.print(f"  {secret}", soft_wrap=True)


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
    console.print(f"API token #{token_id} is revoked.")


@token_app.command("list")
@friendly
def list_(ctx: typer.Context, state_code: str | None = STATE_OPTION) -> None:
    """Every API token: who holds it, for what, its scope, whether revoked (never the secret)."""
    from nmrf.services.console_auth import api_tokens
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        rows = api_tokens(session=s, state=get_state(session=s, code=state_code))
    table = Table(title="API tokens")
    for col in ("#", "name", "held by", "scope", "issued", "revoked"):
        table.add_column(col)
    for t, p in rows:
        table.add_row(str(t.id), t.name, p.key, t.scope, f"{t.created_at:%Y-%m-%d} ({t.created_by})",
                      f"{t.revoked_at:%Y-%m-%d} ({t.revoked_by})" if t.revoked_at else "-")
    console.print(table)
