"""Whether the flows run as Prefect flow runs, and calling a task either way.

With PREFECT_API_URL set, a flow is a Prefect flow run that the server records.
Without it, Prefect would start a temporary server (10-20 s) whose records are
thrown away at exit; the command line then calls the flow's own function
(`flow.fn`) and each task's `.fn`, in the same order, writing the same records in
our database. Our database is the record either way.
"""

from __future__ import annotations

import os
from typing import Any


def server_configured() -> bool:
    """A Prefect server is named: flows run as flow runs it records."""
    return bool(os.environ.get("PREFECT_API_URL"))


def call(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Run `task` as a task run inside a flow run; as its plain function outside one (`flow.fn`)."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is not None:
        return task(*args, **kwargs)
    return task.fn(*args, **kwargs)
