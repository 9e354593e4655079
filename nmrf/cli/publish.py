"""`nmrf publish site DIR`: the State's public site as static files for any web server."""

from __future__ import annotations

from pathlib import Path

import typer

from nmrf.cli.common import as_of_option, console, friendly, state_work
from nmrf.cli.lang import t

publish_app = typer.Typer(help="Publish what the State chooses to: the public site of its recommendations.",
                          no_args_is_help=True)


@publish_app.command("site")
@friendly
def site(
    ctx: typer.Context,
    out: Path = typer.Argument(..., help="The folder to write the site into (created if missing)."),
    language: list[str] = typer.Option(None, "--language", help="A language of the site (repeat for several; "
                                       "default: the profile's publication.languages, else the State's)."),
    state_code: str | None = typer.Option(None, "--state", help="Default: the database's State."),
    as_of: str | None = as_of_option(),
) -> None:
    """Write the public site: every public recommendation with its status, responsible institutions and actions,
    browsable and searchable in the browser (no server needed), with CSV and JSON downloads."""
    from nmrf.services.publication import public_site, site_languages, write_site

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        files = public_site(session=s, state=state, today=today, languages=language or None)
        langs = site_languages(state, language or None)
    written, size = write_site(files, out)
    console.print(t().gettext("Public site written to %(out)s: %(files)s files (%(size)s MB), %(written)s changed; "
                              "languages %(languages)s. Open %(index)s in a browser, or serve the folder.") % {
        "out": out, "files": f"{len(files):,}", "size": f"{size / 1e6:.1f}", "written": f"{written:,}",
        "languages": ", ".join(langs), "index": out / "index.html"})
