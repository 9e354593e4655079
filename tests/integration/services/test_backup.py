"""Backups a secretariat can trust: taken while a sweep writes, verified, restored into a fresh database whose
every table matches; a damaged or newer backup is refused (issue 17)."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.support.notify import TZ, launch_cedaw, load, point_addresses, sweep
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.errors import NmrfError
from nmrf.domain.clock import moment
from nmrf.models import Delivery, Notification
from nmrf.models.db import make_engine, session_scope, upgrade_schema
from nmrf.services.backup import backup_database, restore_backup, table_digests, verify_backup
from nmrf.services.cycles import launch_cycle
from nmrf.services.people import get_state

pytestmark = pytest.mark.both_databases
AS_OF = date(2027, 6, 15)  # the inputs of two cycles are two weeks late: every level is due
NOW = datetime(2027, 6, 15, 12, tzinfo=UTC)


def _world(engine, smtp, http) -> None:  # noqa: F811
    load(engine)
    point_addresses(engine, smtp, http)
    launch_cedaw(engine)
    with session_scope(engine, actor="test") as s:
        launch_cycle(session=s, state=get_state(session=s), template="periodic_report", mechanism="CCPR",
                     dates={"submission": date(2027, 10, 1)}, now=moment(date(2027, 3, 1), TZ)[1], actor="test")


def _fresh(db_backend: str, tmp_path: Path, name: str, request) -> str:
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / name}"
    return request.getfixturevalue("fresh_pg_url")


def _digests(engine):
    with engine.connect() as conn:
        return table_digests(conn=conn)


def test_a_backup_taken_while_a_sweep_writes_restores_into_a_fresh_database_with_every_table_matching(
        engine, db_backend, smtp, http, tmp_path, request):  # noqa: F811
    _world(engine, smtp, http)
    http.delay = 0.01  # a receiver that takes a little time, so the sweep is still writing during the backup
    before = _digests(engine)
    done = threading.Event()
    result: dict = {}

    def run() -> None:
        try:
            result.update(sweep(engine, AS_OF))
        finally:
            done.set()

    sweeper = threading.Thread(target=run)
    sweeper.start()
    during: list[Path] = []
    while not done.is_set() and len(during) < 5:
        out = tmp_path / f"during-{len(during)}.nmrfbak"
        backup_database(engine=engine, out=out, now=NOW)
        during.append(out)
    sweeper.join(120)
    assert done.is_set() and result["sent"] > 0
    after = _digests(engine)
    assert after["notification"].rows > before["notification"].rows  # the sweep did write

    final = tmp_path / "after.nmrfbak"
    manifest = backup_database(engine=engine, out=final, now=NOW)
    assert manifest.tables == after  # a quiet database: the backup is the source, table by table

    for n, path in enumerate([*during, final]):
        v = verify_backup(path=path)
        taken = v.manifest.tables
        # Each backup is one moment of the source: never fewer rows than before the sweep, never more than after.
        for name, digest in taken.items():
            assert before[name].rows <= digest.rows <= after[name].rows, name
    # Restore the last backup taken during the sweep and the one after it, each into a fresh database.
    for path in (during[-1], final):
        taken = verify_backup(path=path).manifest.tables
        if db_backend == "sqlite":
            target_url = f"sqlite:///{tmp_path / (path.stem + '-restored.db')}"
        else:
            from tests.conftest import create_pg_database

            target_url = create_pg_database("nmrf_test_restore")
        target = make_engine(target_url)
        try:
            restore_backup(path=path, target=target)
            restored = _digests(target)
            assert restored == taken  # every table: its row count and its checksum
            if path == final:
                assert restored == after
            with session_scope(target, actor="test", readonly=True) as s:  # the restored NMRF reads as one
                notes = s.execute(select(func.count()).select_from(Notification)).scalar_one()
                deliveries = s.execute(select(func.count()).select_from(Delivery)).scalar_one()
                assert (notes, deliveries) == (taken["notification"].rows, taken["notification_delivery"].rows)
        finally:
            target.dispose()
            if db_backend == "postgresql":
                from tests.conftest import drop_pg_database

                drop_pg_database(target_url)


def test_a_backup_is_refused_when_corrupted_truncated_or_of_a_newer_schema_and_restores_nothing(
        loaded, db_backend, tmp_path, request):
    good = tmp_path / "good.nmrfbak"
    backup_database(engine=loaded, out=good, now=NOW)
    raw = good.read_bytes()

    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0xFF
    (tmp_path / "flipped.nmrfbak").write_bytes(bytes(flipped))
    (tmp_path / "truncated.nmrfbak").write_bytes(raw[: len(raw) // 3])
    (tmp_path / "empty.nmrfbak").write_bytes(b"")
    (tmp_path / "not-a-backup.nmrfbak").write_bytes(b"hello, this is not a backup\n" * 100)

    # The same archive with its payload's checksum no longer matching, and one from a future schema.
    def rewrite(name: str, change) -> Path:  # noqa: ANN001
        with tarfile.open(good, "r:gz") as tar:
            members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
        out = tmp_path / name
        with tarfile.open(out, "w:gz") as tar:
            for m, body in members:
                if m.name == "manifest.json":
                    data = json.loads(body)
                    change(data)
                    body = json.dumps(data).encode()
                    m.size = len(body)
                tar.addfile(m, io.BytesIO(body))
        return out

    wrong_sum = rewrite("wrong-sum.nmrfbak", lambda d: d.update(payload_sha256="0" * 64))
    newer = rewrite("newer.nmrfbak", lambda d: d.update(schema=["9999_from_the_future"]))
    wrong_rows = rewrite("wrong-rows.nmrfbak",
                         lambda d: d["tables"]["person"].update(rows=d["tables"]["person"]["rows"] + 1))
    bad = ["flipped", "truncated", "empty", "not-a-backup"]
    for path in [*(tmp_path / f"{b}.nmrfbak" for b in bad), wrong_sum, newer] + (
            [wrong_rows] if db_backend == "sqlite" else []):
        with pytest.raises(NmrfError) as refused:
            verify_backup(path=path)
        assert "refused" in str(refused.value) or "differ" in str(refused.value), (path, refused.value)
        target_url = f"sqlite:///{tmp_path / (path.stem + '-target.db')}"
        target = create_engine(target_url)
        with pytest.raises(NmrfError):
            restore_backup(path=path, target=target)
        with target.connect() as conn:  # nothing was restored
            assert not _digests(target) or all(d.rows == 0 for d in _digests(target).values())
        target.dispose()
    assert "newer nmrf" in str(pytest.raises(NmrfError, verify_backup, path=newer).value)


@pytest.mark.sqlite_only
def test_the_backup_commands_write_verify_restore_and_refuse_an_existing_file_or_a_full_database(
        loaded, db_url, tmp_path):
    runner = CliRunner()
    out = tmp_path / "nmrf.nmrfbak"
    r = runner.invoke(app, ["db", "backup", str(out)])
    assert r.exit_code == 0, r.output
    assert "30 tables" in r.output or "tables" in r.output
    r = runner.invoke(app, ["db", "backup", str(out)])
    assert r.exit_code == 2 and "exists" in r.output
    r = runner.invoke(app, ["db", "verify", str(out)])
    assert r.exit_code == 0 and "OK" in r.output
    r = runner.invoke(app, ["db", "restore", str(out)])  # into the database it came from: it holds data
    assert r.exit_code == 2 and "already holds data" in r.output
    fresh = f"sqlite:///{tmp_path / 'fresh' / 'n.db'}"
    r = runner.invoke(app, ["--db", fresh, "db", "restore", str(out)])
    assert r.exit_code == 0 and "match" in r.output, r.output
    assert _digests(make_engine(fresh)) == _digests(loaded)
    r = runner.invoke(app, ["db", "verify", str(tmp_path / "nothing-here.nmrfbak")])
    assert r.exit_code == 2 and "no such file" in r.output


@pytest.mark.sqlite_only
@pytest.mark.prefect_server  # `.fn` still calls its tasks as task runs: Prefect's temporary server starts
def test_the_scheduled_backup_flow_keeps_the_newest_files_only(loaded, db_url, tmp_path):
    from nmrf.flows.backup import backup as backup_flow

    folder = tmp_path / "backups"
    folder.mkdir()
    for n in range(3):
        (folder / f"nmrf-2020010{n}T000000Z.nmrfbak").write_bytes(b"old")
    result = backup_flow.fn(str(folder), keep=2)
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2 and Path(result["written"]).name in kept
    assert len(result["deleted"]) == 2
    verify_backup(path=Path(result["written"]))
