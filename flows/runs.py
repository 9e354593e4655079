"""Running the cycle flows in this process (Prefect without a server, or the server in PREFECT_API_URL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from nmrf.flows import flow_for
from nmrf.flows.runtime import prefect_runtime, prepare_prefect_environment
from nmrf.services.plan_rows import describe_events
from nmrf.settings import Settings


def run_cycle_flows(settings: Settings, targets: Sequence[tuple[int, str, str]],
                    as_of: date | None) -> Iterator[tuple[int, str, list[str]]]:
    """Run each cycle's flow; yield (cycle id, title, what happened)."""
    prepare_prefect_environment(settings)

    with prefect_runtime():
        for cycle_id, flow_name, title in targets:
            events = flow_for(flow_name)(cycle_id=cycle_id, as_of=as_of)
            yield cycle_id, title, describe_events(events)
