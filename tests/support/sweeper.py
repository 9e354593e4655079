"""Sweeps in their own processes, for the tests that kill them or run two at once.

Importing nmrf costs about two seconds, so a parent process imports it once and
forks one child per sweep; the test kills the child (SIGKILL) and asks the parent
to reap it. Commands on stdin, one per line, each answered with one line:

    run DATABASE_URL AS_OF RESULT_FILE  ->  the child's pid
    wait PID                            ->  its exit status
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import date

from nmrf.models.db import make_engine
from nmrf.flows.sweep import run_sweep
from nmrf.settings import get_settings


def _warm() -> None:
    # What every sweep loads once per process, loaded before forking.
    import apprise  # noqa: F401

    from nmrf.notifications.messages import KINDS, languages
    from nmrf.notifications.messages import template as _template
    from nmrf.domain.policy import default_policy
    from nmrf.domain.dates import national_calendar as calendar_for

    default_policy()
    calendar_for("CL", None, ()).is_working_day(date(2027, 6, 1))
    for lang in languages():
        for kind in KINDS:
            _template(lang, kind, "subject")
            _template(lang, kind, "body")


def _child(url: str, as_of: str, result_file: str) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        engine = make_engine(url)
        result = run_sweep(engine=engine, settings=get_settings(notify_timeout=5.0, notify_workers=4),
                           as_of=date.fromisoformat(as_of))
        with open(result_file, "w") as f:
            json.dump(result, f, default=str)
        os._exit(0)
    except BaseException:
        traceback.print_exc()
        os._exit(1)


def serve() -> None:
    _warm()
    print("ready", flush=True)
    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "run":
            pid = os.fork()
            if pid == 0:
                _child(*args)
            print(pid, flush=True)
        elif cmd == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            print(status, flush=True)


if __name__ == "__main__":
    serve()
