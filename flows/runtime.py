"""What every flow needs around it: Prefect's environment, the settings and the engine.

The State's clock (`moment`, `today_in`) lives in nmrf.domain.clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from nmrf.domain.clock import moment  # noqa: F401  (re-exported for code written before the clock moved; import it from nmrf.domain.clock)
from nmrf.models.db import make_engine, session_scope
from nmrf.settings import Settings, get_settings

if TYPE_CHECKING:  # flows write no SQL; the type is only named
    from sqlalchemy import Engine


# The temporary server Prefect starts when no PREFECT_API_URL is set keeps its
# records in a SQLite file that it loses on exit anyway (our database is the
# record). Its background writers (task-run recorder, event persister,
# triggers) contend with flow-run creation for that file: measured here, 503
# "database is locked" answers and Prefect's 2-4 s retry back-off made each
# advance take 2-5 s instead of 0.4 s. Without a server they have nothing to
# serve: automations need a real server, and so do schedules.
TEMPORARY_SERVER_SETTINGS = {
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    # It logs a cancelled flush as an error when the process exits.
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # Cold start takes about 14 s here when idle; Prefect gives up after 20 s, which a
    # busy machine (a CI run, a sweep beside the feed server) exceeds.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def prepare_prefect_environment(settings: Settings) -> None:
    """Defaults for Prefect without a server; set before prefect is imported.

    A user's own PREFECT_API_URL (a real server) or PREFECT_HOME always wins.
    """
    os.environ.setdefault("PREFECT_HOME", str(settings.home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's SDK reports its first import, flow and run to Prefect from a person's terminal unless this is
    # set; a ministry's machine sends nothing it did not choose to (a user's own DO_NOT_TRACK=0 still wins).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if os.environ.get("PREFECT_API_URL"):
        return  # a real server: leave it as its operators configured it
    for name, value in TEMPORARY_SERVER_SETTINGS.items():
        os.environ.setdefault(name, value)


@contextmanager
def prefect_runtime() -> Iterator[None]:
    """Run flows without the heartbeat thread, which adds about a second to each run."""
    # Imported here: Prefect reads its environment when imported, set first by prepare_prefect_environment.
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def flow_settings() -> Settings:
    """The settings of a flow run: the environment's, with the secrets a deployment names
    by reference (NMRF_DATABASE_URL_BLOCK, NMRF_SECRET_KEY_BLOCK) read from Prefect's
    Secret blocks. A value set directly in the environment wins."""
    settings = get_settings()
    overrides: dict[str, object] = {}
    if not settings.database_url and settings.database_url_block:
        overrides["database_url"] = _secret(settings.database_url_block)
    if settings.secret_key is None and settings.secret_key_block:
        overrides["secret_key"] = _secret(settings.secret_key_block)
    return get_settings(**overrides) if overrides else settings


@lru_cache(maxsize=8)
def _secret(block: str) -> str:
    # Imported here: Prefect reads its environment when imported, set first by prepare_prefect_environment.
    from prefect.blocks.system import Secret

    return str(Secret.load(block).get())


@lru_cache(maxsize=8)
def _engine(url: str) -> "Engine":
    return make_engine(url)


def engine() -> "Engine":
    """The engine for NMRF_DATABASE_URL (or its Secret block), built on first use in this process."""
    return _engine(flow_settings().effective_database_url)


def session(actor: str = "nmrf"):  # type: ignore[no-untyped-def]
    return session_scope(engine(), actor=actor)
