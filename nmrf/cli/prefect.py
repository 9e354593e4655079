"""`nmrf prefect setup`: make a Prefect server ready to run nmrf (README, "Running for a whole ministry")."""

from __future__ import annotations

import os

import typer

from nmrf.cli.common import console, ctx_of, friendly
from nmrf.errors import NmrfError

prefect_app = typer.Typer(help="Running nmrf on a Prefect server: deployments, workers, the sweep watch.",
                          no_args_is_help=True)


@prefect_app.command("setup")
@friendly
def setup(
    ctx: typer.Context,
    watch_minutes: float = typer.Option(60.0, "--watch-minutes",
                                        help="Alert the secretariat when no sweep completed for this long."),
    no_watch: bool = typer.Option(False, "--no-watch", help="Do not create the sweep watch automation."),
) -> None:
    """Save the secrets as Secret blocks, create the pool, deploy prefect.yaml, watch the sweep.

    Reads NMRF_DATABASE_URL and NMRF_SECRET_KEY from the environment (never printed) and
    PREFECT_API_URL (the server). Running it again updates everything in place.
    """
    from nmrf import prefect_stack
    from nmrf.prefect_automation import MIN_WITHIN

    if not os.environ.get("PREFECT_API_URL"):
        raise NmrfError("set PREFECT_API_URL to the server's API (e.g. http://127.0.0.1:4200/api)")
    settings = ctx_of(ctx).settings
    if not settings.database_url.startswith("postgresql"):
        raise NmrfError("set NMRF_DATABASE_URL to the PostgreSQL database the workers will use "
                        "(postgresql+psycopg://...): several processes write to it")
    if watch_minutes * 60 < MIN_WITHIN:
        raise NmrfError(f"--watch-minutes: at least {MIN_WITHIN / 60:.2f} (Prefect's minimum window)")
    secrets = {"NMRF_DATABASE_URL": settings.database_url}
    if settings.secret_key is not None:
        secrets["NMRF_SECRET_KEY"] = settings.secret_key.get_secret_value()
    else:
        raise NmrfError("set NMRF_SECRET_KEY: every worker must sign acknowledgement links with the same key")
    env = prefect_stack.clean_env({k: v for k, v in os.environ.items() if k.startswith("PREFECT_")}
                                  | {"NMRF_PROJECT_DIR": str(prefect_stack.PROJECT_DIR)})
    done = prefect_stack.setup(secrets=secrets, deploy_env=env,
                               watch_seconds=None if no_watch else watch_minutes * 60)
    console.print(f"Secret blocks saved: {', '.join(done['blocks'])} (values not shown).")
    console.print(f"Work pool {prefect_stack.POOL!r} ready; deployments created from prefect.yaml.")
    if done["automation"]:
        console.print(f"Automation {done['automation']!r}: no sweep for {watch_minutes:g} min alerts the "
                      "secretariat.")
    console.print(f"Start workers: prefect worker start --pool {prefect_stack.POOL} --type process "
                  f"(with NMRF_PROJECT_DIR={prefect_stack.PROJECT_DIR})")
