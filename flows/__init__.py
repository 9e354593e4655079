"""Prefect flows: one per kind of reporting cycle, plus the sweep.

The flows hold no state of their own: each reads where a cycle stands in our
database and advances whatever is due, so any flow can run again at any time.
"""

from importlib import import_module

# template.flow -> "module:function", imported only when a flow runs (Prefect
# costs a second to import; the command line should not pay it to print a table).
FLOWS = {
    "upr_review": "nmrf.flows.upr_review:upr_review",
    "mid_term_report": "nmrf.flows.mid_term_report:mid_term_report",
    "periodic_report": "nmrf.flows.periodic_report:periodic_report",
    "follow_up_report": "nmrf.flows.follow_up_report:follow_up_report",
    "communication_reply": "nmrf.flows.communication_reply:communication_reply",
    "urgent_action": "nmrf.flows.urgent_action:urgent_action",
    "country_visit": "nmrf.flows.country_visit:country_visit",
    "follow_up_plan": "nmrf.flows.follow_up_plan:follow_up_plan",
}


def flow_for(name: str):  # type: ignore[no-untyped-def]
    module, func = FLOWS[name].split(":")
    return getattr(import_module(module), func)
