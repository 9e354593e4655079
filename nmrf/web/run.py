"""Running the server: in the foreground (`nmrf serve`) or in a background thread (tests, demo, benchmark).

uvicorn's access log is off: it prints whole paths, and a feed's path holds its
token. The app's own log (nmrf.web) prints the route with the token hidden.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import uvicorn
from sqlalchemy import Engine

from nmrf.flows.runtime import prepare_prefect_environment
from nmrf.settings import Settings
from nmrf.web.app import create_app

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "nmrf.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def server_config(app: Any, *, host: str, port: int, quiet: bool = False) -> uvicorn.Config:
    log_config = LOG_CONFIG if not quiet else None
    return uvicorn.Config(app, host=host, port=port, access_log=False, server_header=False,
                          log_config=log_config, log_level="warning" if quiet else "info",
                          lifespan="off", timeout_keep_alive=30)


def run_server(settings: Settings, *, host: str, port: int, engine: Engine | None = None,
               cache_bytes: int = 64 * 1024 * 1024, sweep_every: float = 0) -> None:
    """Serve in the foreground; with `sweep_every` (seconds), also sweep in a background thread.

    The sweep runs here for the embedded default, where Prefect's schedules cannot
    fire; with a Prefect server, its deployment schedule does it instead.
    """
    app = create_app(settings, engine=engine, cache_bytes=cache_bytes)
    stop = threading.Event()
    sweeper = None
    if sweep_every > 0:
        # Imported here, after its environment is set: the sweeper imports Prefect, which reads it.
        prepare_prefect_environment(settings)
        from nmrf.web.sweep_loop import run_sweep_forever

        sweeper = threading.Thread(target=run_sweep_forever, args=(settings, sweep_every, stop),
                                   name="nmrf-sweep", daemon=True)
        sweeper.start()
    try:
        uvicorn.Server(server_config(app, host=host, port=port)).run()
    finally:
        stop.set()
        if sweeper is not None:
            sweeper.join(timeout=60)


class BackgroundServer:
    """uvicorn in a thread on 127.0.0.1 and a free port; `with BackgroundServer(app) as srv: srv.url`."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> None:
        self.server = uvicorn.Server(server_config(app, host=host, port=port, quiet=quiet))
        self.thread = threading.Thread(target=self.server.run, name="nmrf-server", daemon=True)
        self.host = host

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the feed server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        logging.getLogger("nmrf.server").debug("server stopped")
