"""Import a file of recommendations (UPR Info, UHRI or our template) on demand.

The secretariat drops the file where the workers can read it and runs the
`import-recommendations` deployment with its path. All or nothing, like
`nmrf recommendations import`: a bad row fails the run and writes nothing;
importing the same file again changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nmrf.flows.runtime import session
from prefect import flow

from nmrf.services.people import get_state
from nmrf.services.recommendations import import_recommendations as import_file


@flow(name="import-recommendations", flow_run_name="import-recommendations {path}")
def import_recommendations(path: str, fmt: str, state: str | None = None, all_states: bool = False,
                           encoding: str | None = None) -> dict:
    """Returns counts: kept, created, updated, unchanged."""
    file = Path(path)
    with session(actor="nmrf (import)") as s:
        chosen = None if all_states else [get_state(session=s, code=state)]
        from nmrf.documents.files import MAX_IMPORT_BYTES, read_file

        result = import_file(session=s, data=read_file(file, limit=MAX_IMPORT_BYTES, what="CSV file"), file_name=str(file), fmt=fmt,
                             now=datetime.now(UTC), actor="nmrf (import)", states=chosen, encoding=encoding)
        return {"file": file.name, "kept": result.kept, "created": result.created,
                "updated": len(result.updated), "unchanged": result.unchanged}
