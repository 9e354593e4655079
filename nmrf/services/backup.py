"""Backups a secretariat can trust: take one while the NMRF runs, verify it, restore it into an empty database.

A backup is one file (a gzip'd tar) holding the database and `manifest.json`: the format, when and from which
kind of database it was taken, the schema revisions (Alembic), the SHA-256 of the database file, and every
table's row count and checksum (a SHA-256 over its rows in primary-key order), all read from the same snapshot
the copy holds.

- SQLite: SQLite's online backup API copies the live file page by page from one read transaction; in WAL mode
  the sweeps keep writing meanwhile and the copy is the database as it was when the backup started.
- PostgreSQL: `pg_dump --format=custom` run with `--snapshot` of a REPEATABLE READ transaction that is kept open
  while the manifest's counts and checksums are read in it, so the dump and the manifest describe one moment.
  The password goes to pg_dump through its environment, never its arguments.

`verify_backup` recomputes what it can without a server (the payload's hash; for SQLite, an integrity check
and every table's count and checksum). `restore_backup` refuses a corrupted file, a backup of a newer schema than
this nmrf knows, and a target that holds data; a SQLite backup is restored through the same all-or-nothing copy
as `nmrf db migrate` (so into SQLite or PostgreSQL), a PostgreSQL one with pg_restore in a single transaction;
afterwards every table's count and checksum is compared with the manifest.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlmodel import SQLModel

import nmrf.models  # noqa: F401  (every table on the metadata)
from nmrf.errors import NmrfError

FORMAT = "nmrf-backup/1"
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
SUFFIX = ".nmrfbak"


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format: str
    created_at: str
    dialect: str
    schema: list[str]
    payload: str
    payload_sha256: str
    payload_bytes: int
    tables: dict[str, TableDigest]

    def to_json(self) -> str:
        data = {**self.__dict__, "tables": {k: v.__dict__ for k, v in sorted(self.tables.items())}}
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text_: str, *, file: str) -> Manifest:
        try:
            data = json.loads(text_)
            tables = {k: TableDigest(int(v["rows"]), str(v["sha256"])) for k, v in data["tables"].items()}
            return cls(format=str(data["format"]), created_at=str(data["created_at"]), dialect=str(data["dialect"]),
                       schema=[str(s) for s in data["schema"]], payload=str(data["payload"]),
                       payload_sha256=str(data["payload_sha256"]), payload_bytes=int(data["payload_bytes"]),
                       tables=tables)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NmrfError(f"{file}: the backup's manifest is damaged ({type(exc).__name__}); refused") from None


# -- checksums ---------------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    """One value as text that is the same whichever way the row is read back (same dialect)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def table_digests(*, conn: Connection) -> dict[str, TableDigest]:
    """Every nmrf table's row count and checksum, read in `conn`'s transaction (one snapshot)."""
    present = set(inspect(conn).get_table_names())
    out: dict[str, TableDigest] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in present:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        h = hashlib.sha256()
        n = 0
        for row in conn.execute(select(table).order_by(*order)).yield_per(2000):
            h.update("\x1f".join(_canonical(v) for v in row).encode("utf-8", "surrogatepass") + b"\x1e")
            n += 1
        out[table.name] = TableDigest(n, h.hexdigest())
    return out


def _revisions(conn: Connection) -> list[str]:
    if not inspect(conn).has_table("alembic_version"):
        return []
    return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


# -- backup ------------------------------------------------------------------------------------------------


def backup_database(*, engine: Engine, out: Path, now: dt.datetime, force: bool = False) -> Manifest:
    """Write a backup of `engine`'s database to `out` (atomically: a half-written file is never left)."""
    if not out.parent.is_dir():
        raise NmrfError(f"{out}: the folder {out.parent} does not exist")
    if out.exists() and not force:
        raise NmrfError(f"{out}: the file exists; choose another name or add --force")
    if not inspect(engine).has_table("alembic_version"):
        raise NmrfError("there is no NMRF database to back up here (no schema)")
    dialect = engine.dialect.name
    with tempfile.TemporaryDirectory(prefix="nmrf-backup-", dir=out.parent) as tmp:
        payload = Path(tmp) / PAYLOAD[dialect]
        if dialect == "sqlite":
            tables, schema = _sqlite_copy(engine, payload)
        else:
            tables, schema = _pg_dump(engine, payload)
        manifest = Manifest(format=FORMAT, created_at=now.astimezone(dt.UTC).isoformat(timespec="seconds"),
                            dialect=dialect, schema=schema, payload=payload.name,
                            payload_sha256=_file_sha256(payload), payload_bytes=payload.stat().st_size,
                            tables=tables)
        partial = Path(tmp) / (out.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            body = manifest.to_json().encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(payload, arcname=payload.name, filter=lambda ti: _plain(ti, now))
        partial.chmod(0o600)  # the whole memory of the NMRF: readable by its owner only
        os.replace(partial, out)
    return manifest


def _plain(info: tarfile.TarInfo, now: dt.datetime) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    info.mtime = int(now.timestamp())
    return info


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise NmrfError("an in-memory SQLite database cannot be backed up")
    return path


def _sqlite_copy(engine: Engine, payload: Path) -> tuple[dict[str, TableDigest], list[str]]:
    src = sqlite3.connect(f"file:{_sqlite_path(engine)}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(payload)
    try:
        # All pages in one step, from one read transaction: a consistent copy while writers carry on (WAL).
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    copy = _sqlite_engine(payload)
    try:
        with copy.connect() as conn:
            return table_digests(conn=conn), _revisions(conn)
    finally:
        copy.dispose()


def _sqlite_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine

    return create_engine(f"sqlite:///{path}")


def _pg_env(engine: Engine) -> tuple[list[str], dict[str, str]]:
    url = engine.url
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--username", url.username or "postgres",
            "--dbname", url.database or ""]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise NmrfError(f"{name} is not installed: a PostgreSQL backup needs PostgreSQL's client tools "
                        "(Debian: apt-get install postgresql-client), of the server's version or newer")
    return found


def _pg_dump(engine: Engine, payload: Path) -> tuple[dict[str, TableDigest], list[str]]:
    tool = _pg_tool("pg_dump")
    args, env = _pg_env(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        tables = table_digests(conn=conn)
        schema = _revisions(conn)
        # The transaction stays open while pg_dump reads the same snapshot.
        done = subprocess.run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                               "--file", str(payload), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise NmrfError(f"pg_dump failed: {_first_line(done.stderr, engine)}")
    return tables, schema


def _first_line(stderr: str, engine: Engine) -> str:
    line = (stderr.strip().splitlines() or ["(no message)"])[0]
    return line.replace(str(engine.url.password), "***") if engine.url.password else line


# -- reading a backup ----------------------------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[tuple[Manifest, Path]]:
    """The manifest and the extracted payload, checked against each other; NmrfError if anything is off."""
    if not path.is_file():
        raise NmrfError(f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="nmrf-restore-") as tmp:
        try:
            with tarfile.open(path, "r:gz") as tar:
                names = tar.getnames()
                if MANIFEST not in names:
                    raise NmrfError(f"{path}: not an nmrf backup (no manifest); refused")
                member = tar.extractfile(MANIFEST)
                assert member is not None
                manifest = Manifest.from_json(member.read(1024 * 1024).decode("utf-8", "replace"), file=str(path))
                if manifest.format != FORMAT:
                    raise NmrfError(f"{path}: backup format {manifest.format!r}; this nmrf reads {FORMAT!r}")
                if manifest.payload not in PAYLOAD.values() or manifest.payload not in names:
                    raise NmrfError(f"{path}: the backup's database file is missing; refused")
                info = tar.getmember(manifest.payload)
                if not info.isfile() or info.size != manifest.payload_bytes:
                    raise NmrfError(f"{path}: the database file is {info.size} bytes, the manifest says "
                                    f"{manifest.payload_bytes}: the backup is damaged; refused")
                src = tar.extractfile(info)
                assert src is not None
                target = Path(tmp) / manifest.payload
                h = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := src.read(1024 * 1024):
                        h.update(chunk)
                        out.write(chunk)
        except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
            raise NmrfError(f"{path}: the backup is damaged or not an nmrf backup ({type(exc).__name__}: "
                            f"{str(exc)[:120]}); refused") from None
        if h.hexdigest() != manifest.payload_sha256:
            raise NmrfError(f"{path}: the database file's checksum does not match the manifest: the backup is "
                            "damaged; refused")
        yield manifest, target


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from nmrf.models.db import MIGRATIONS_DIR

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def _check_schema(manifest: Manifest, path: Path) -> None:
    unknown = [r for r in manifest.schema if r not in _known_revisions()]
    if unknown or not manifest.schema:
        raise NmrfError(f"{path}: the backup's schema is at {', '.join(manifest.schema) or 'nothing'}, which this "
                        "nmrf does not know (a newer nmrf took it): restore it with that version or newer; refused")


@dataclass(frozen=True)
class Verified:
    manifest: Manifest
    checked_tables: int  # tables whose rows were counted and checksummed again (SQLite backups)


def verify_backup(*, path: Path) -> Verified:
    """Check a backup without restoring it; NmrfError saying what is wrong."""
    with _opened(path) as (manifest, payload):
        _check_schema(manifest, path)
        if manifest.dialect == "sqlite":
            con = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
            try:
                result = con.execute("PRAGMA integrity_check").fetchall()
            except sqlite3.DatabaseError as exc:
                raise NmrfError(f"{path}: the database in the backup is damaged ({exc}); refused") from None
            finally:
                con.close()
            if result != [("ok",)]:
                raise NmrfError(f"{path}: the database in the backup fails SQLite's integrity check; refused")
            copy = _sqlite_engine(payload)
            try:
                with copy.connect() as conn:
                    found = table_digests(conn=conn)
            finally:
                copy.dispose()
            _compare(manifest.tables, found, what=f"{path}: in the backup")
            return Verified(manifest, len(found))
        done = subprocess.run([_pg_tool("pg_restore"), "--list", str(payload)], capture_output=True, text=True)
        if done.returncode != 0:
            raise NmrfError(f"{path}: pg_restore cannot read the dump ({(done.stderr.strip().splitlines() or [''])[0]});"
                            " refused")
        return Verified(manifest, 0)


def _compare(expected: dict[str, TableDigest], found: dict[str, TableDigest], *, what: str) -> None:
    wrong = [f"{name} ({expected[name].rows} rows expected, {found.get(name, TableDigest(0, '')).rows} found"
             + ("" if found.get(name) and found[name].rows != expected[name].rows else ", different content") + ")"
             for name in sorted(expected) if found.get(name) != expected[name]]
    if wrong:
        raise NmrfError(f"{what}, these tables differ from the manifest: {', '.join(wrong)}")


# -- restore -------------------------------------------------------------------------------------------------


def restore_backup(*, path: Path, target: Engine) -> Manifest:
    """Restore a verified backup into the empty database `target`; all or nothing."""
    verify_backup(path=path)
    with _opened(path) as (manifest, payload):
        if manifest.dialect == "sqlite":
            _restore_sqlite(manifest, payload, target)
        else:
            _restore_pg(manifest, payload, target, path)
        with target.connect() as conn:
            found = table_digests(conn=conn)
        # Tables a later migration added are new and empty; the manifest's tables must match exactly.
        _compare(manifest.tables, found, what="after the restore")
    return manifest


def _restore_sqlite(manifest: Manifest, payload: Path, target: Engine) -> None:
    from nmrf.models.db import upgrade_schema
    from nmrf.services.transfer import copy_database

    source = _sqlite_engine(payload)
    try:
        upgrade_schema(source)  # an older schema is brought up to this nmrf's first (in the temporary copy)
        copy_database(source=source, target=target)
    finally:
        source.dispose()


def _restore_pg(manifest: Manifest, payload: Path, target: Engine, path: Path) -> None:
    if target.dialect.name != "postgresql":
        raise NmrfError(f"{path} is a PostgreSQL backup: restore it into an empty PostgreSQL database "
                        "(--db postgresql+psycopg://...)")
    with target.connect() as conn:
        used = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        full = [t for t in used if conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{t}")')).scalar()]
    if used:
        shown = target.url.render_as_string(hide_password=True)
        if full:
            raise NmrfError(f"{shown} already holds data (tables {', '.join(sorted(full)[:5])}): restore only into a "
                            "new, empty database")
        raise NmrfError(f"{shown} already has nmrf's tables (empty): pg_restore creates them itself; restore into a "
                        "database just made with createdb")
    args, env = _pg_env(target)
    done = subprocess.run([_pg_tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
                           "--no-privileges", *args, str(payload)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise NmrfError(f"pg_restore failed, nothing was kept: {_first_line(done.stderr, target)}")
    from nmrf.models.db import upgrade_schema

    upgrade_schema(target)


def prune_backups(*, folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder` (by name: they are named by their UTC time)."""
    if keep < 1:
        raise NmrfError("keep at least one backup")
    found = sorted(p for p in folder.glob(f"nmrf-*{SUFFIX}") if p.is_file())
    gone = found[:-keep]
    for p in gone:
        p.unlink()
    return gone


def backup_name(now: dt.datetime) -> str:
    return f"nmrf-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"
