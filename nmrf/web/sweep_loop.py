"""`nmrf serve --sweep-every`: the sweep in a background thread of the server's process,
where a Prefect server's schedules cannot fire.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from nmrf.flows.runtime import prefect_runtime
from nmrf.flows.sweep import run_sweep, sweep
from nmrf.models.db import make_engine
from nmrf.settings import Settings

log = logging.getLogger("nmrf.sweep")


def run_sweep_forever(settings: Settings, interval: float, stop_event: threading.Event, *,
                      use_prefect: bool = True, on_result: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Sweep every `interval` seconds until `stop_event` is set; return how many sweeps ran.

    For `nmrf serve`: in-process, where a Prefect server's schedules cannot fire. A
    failing sweep is logged and the loop goes on; the next one catches up (the
    sweep decides from dates, so a missed run loses nothing).
    """
    engine = None if use_prefect else make_engine(settings.effective_database_url)
    runs = 0
    while not stop_event.is_set():
        started = time.monotonic()
        try:
            if use_prefect:
                with prefect_runtime():
                    result = sweep()
            else:
                result = run_sweep(engine=engine, settings=settings)  # type: ignore[arg-type]
            runs += 1
            if on_result is not None:
                on_result(result)
        except Exception:  # the loop must outlive a bad sweep
            log.exception("sweep failed; the next one will catch up")
        stop_event.wait(max(0.0, interval - (time.monotonic() - started)))
    if engine is not None:
        engine.dispose()
    return runs
