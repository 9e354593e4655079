"""The scheduled backup: one consistent copy of nmrf's database into a folder, keeping the newest few.

The secretariat's whole memory is one database; this flow is what makes "we can restore yesterday" true without
anyone remembering to do it. Each run writes `nmrf-<UTC time>.nmrfbak` (nmrf.services.backup: SQLite's online
backup or pg_dump, a manifest with the schema and every table's checksum), verifies what it wrote, then deletes
the oldest files beyond `keep`. Safe to run at any moment: a run only adds a file and prunes old ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nmrf.flows.runtime import engine


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 120])
def take_backup(folder: str) -> str:
    from nmrf.services.backup import backup_database, backup_name, verify_backup

    out = Path(folder).expanduser() / backup_name(datetime.now(UTC))
    backup_database(engine=engine(), out=out, now=datetime.now(UTC))
    verify_backup(path=out)  # a backup nobody checked is a hope, not a backup
    return str(out)


@task(cache_policy=NO_CACHE)
def prune(folder: str, keep: int) -> list[str]:
    from nmrf.services.backup import prune_backups

    return [str(p) for p in prune_backups(folder=Path(folder).expanduser(), keep=keep)]


@flow(name="backup", flow_run_name="backup to {folder}")
def backup(folder: str, keep: int = 14) -> dict:
    """Returns the file written and the files deleted by the retention."""
    written = take_backup(folder)
    return {"written": written, "deleted": prune(folder, keep)}
