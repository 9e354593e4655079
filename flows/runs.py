"""Running the cycle flows in this process: as Prefect flow runs, or as their own functions.

With PREFECT_API_URL set (or `as_flow_runs=True`, as the demo asks) each cycle's
flow is a Prefect flow run; without a server the flow's own function runs
(`flow.fn`, each task's `.fn`), same steps in the same order, same records in our
database, without the 10-20 s of Prefect's temporary server (see nmrf.flows.inline).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from datetime import date

from nmrf.domain.i18n import Translator
from nmrf.flows import flow_for
from nmrf.flows.inline import server_configured
from nmrf.flows.runtime import prefect_runtime, prepare_prefect_environment
from nmrf.services.plan_rows import describe_events
from nmrf.settings import Settings


def run_cycle_flows(settings: Settings, targets: Sequence[tuple[int, str, str]],
                    as_of: date | None, t: Translator | None = None, *,
                    as_flow_runs: bool | None = None) -> Iterator[tuple[int, str, list[str]]]:
    """Run each cycle's flow; yield (cycle id, title, what happened in `t`'s language)."""
    prepare_prefect_environment(settings)
    if as_flow_runs is None:
        as_flow_runs = server_configured()
    with prefect_runtime() if as_flow_runs else nullcontext():
        for cycle_id, flow_name, title in targets:
            flow = flow_for(flow_name)
            run = flow if as_flow_runs else flow.fn
            events = run(cycle_id=cycle_id, as_of=as_of)
            yield cycle_id, title, describe_events(events, t)
