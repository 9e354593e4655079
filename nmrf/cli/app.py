"""The root of the `nmrf` command: global options and the command groups."""

from __future__ import annotations

import typer

from nmrf.cli import (
    console_cmd,
    costs,
    cycles,
    feeds,
    inputs,
    meetings,
    notify,
    people,
    publish,
    recommendations,
    setup,
    workplan,
)
from nmrf.cli.prefect import prefect_app
from nmrf.cli.common import friendly, make_context
from nmrf.cli.typer_words import NmrfGroup
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

app = typer.Typer(
    name="nmrf",
    cls=NmrfGroup,  # help texts and usage errors in the reader's language (nmrf.cli.typer_words)
    help="Workflow and deadline engine for national mechanisms for reporting and follow-up.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
@friendly
def root(
    ctx: typer.Context,
    home: str | None = typer.Option(None, "--home", envvar="NMRF_HOME", help="Data folder (default ~/.nmrf)."),
    database_url: str | None = typer.Option(None, "--db", envvar="NMRF_DATABASE_URL",
                                            help="Database URL (default: a SQLite file in the data folder)."),
    lang: str | None = typer.Option(None, "--lang", envvar="NMRF_LANG",
                                    help="The language the command speaks (ar, zh, en, fr, ru, es, pt); default: "
                                         "the person running it (NMRF_ACTOR), else LANG/LC_ALL, else English."),
) -> None:
    from nmrf.cli.lang import choose, set_language

    if lang is not None:
        from nmrf.domain.i18n import LanguageError, resolve_language

        try:
            lang = resolve_language(lang).catalog
        except LanguageError as exc:
            raise NmrfError.said(N_("--lang: %(problem)s"), problem=exc.args[0]) from None
    ctx.obj = make_context(home, database_url)
    set_language(choose(lang, ctx.obj.actor_language() if lang is None else None))


app.command("init")(setup.init)
app.command("inventory")(setup.inventory)
app.command("history")(setup.history)
app.command("advance")(cycles.advance)
app.add_typer(cycles.cycle_app, name="cycle")
app.add_typer(cycles.record_app, name="record")
app.add_typer(setup.rules_app, name="rules")
app.add_typer(setup.db_app, name="db")
app.add_typer(feeds.feeds_app, name="feeds")
app.add_typer(people.people_app, name="people")
app.add_typer(meetings.meeting_app, name="meeting")
app.add_typer(costs.cost_app, name="cost")
app.command("workplan")(workplan.workplan)
app.add_typer(workplan.pledge_app, name="pledge")
app.command("annual-report")(workplan.annual_report)
app.command("serve")(feeds.serve)
app.add_typer(recommendations.app, name="recommendations")
app.add_typer(inputs.app, name="inputs")
app.add_typer(publish.publish_app, name="publish")
app.command("sweep")(notify.sweep)
app.add_typer(notify.outbox_app, name="outbox")
app.add_typer(notify.notify_app, name="notify")
app.add_typer(prefect_app, name="prefect")
app.add_typer(console_cmd.console_app, name="console")
app.add_typer(console_cmd.token_app, name="api-token")


@app.command("demo")
@friendly
def demo(
    ctx: typer.Context,
    keep: bool = typer.Option(False, "--keep", help="Keep the demo's data folder and print where it is."),
    keep_serving: bool = typer.Option(False, "--keep-serving",
                                      help="End by serving the console on 127.0.0.1 with a sign-in link, "
                                           "until Ctrl-C."),
) -> None:
    """A complete cycle from nothing: a UPR review and a CEDAW report, time advancing."""
    from nmrf.cli.demo import run_demo

    run_demo(keep=keep, keep_serving=keep_serving)


def main() -> None:
    """The `nmrf` command: errors that escape a command (click's own parsing aside) still end as one line."""
    import gc
    import sys

    from nmrf.cli.common import report

    # What the imports built lives until the process ends: frozen, it is no longer walked by each collection
    # during the command, nor by the interpreter's last one at exit, which alone took 0.7 s of a 3.5 s
    # `nmrf advance` (measured; 200,000 objects, most of them Prefect's and pydantic's classes).
    gc.freeze()
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:
        import os

        if os.environ.get("NMRF_DEBUG"):
            raise
        code = report(exc)
        sys.exit(1 if code is None else code)
    finally:
        gc.freeze()  # and what the command imported or built on its way (Prefect, for one)
