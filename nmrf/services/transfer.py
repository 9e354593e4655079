"""Moving the whole NMRF to another database (SQLite to PostgreSQL), all or nothing.

Every table is copied in dependency order, in chunks, keeping its ids, inside one
transaction on the target; PostgreSQL's sequences are then set past the largest
id so that new rows do not collide. Before committing, the rows of every table
are counted on both sides (and the source is counted again, to catch an NMRF
that kept writing during the copy): any difference rolls everything back.
The source is only read, from one consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import SQLModel

import nmrf.models  # noqa: F401  (every table on the metadata)
from nmrf.errors import NmrfError
from nmrf.models.db import alembic_config, schema_revisions, upgrade_schema

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def parse_database_url(text_url: str, *, option: str = "--to") -> URL:
    """A database URL we can write to, or a clear error; `postgresql://` means psycopg 3."""
    try:
        url = make_url(text_url.strip())
    except ArgumentError:
        raise NmrfError(f"{option}: {text_url!r} is not a database URL "
                        "(expected postgresql+psycopg://user@host:5432/database or sqlite:///path)") from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in ("postgresql+psycopg", "sqlite"):
        raise NmrfError(f"{option}: {url.render_as_string(hide_password=True)} is not a database nmrf runs on "
                        "(expected postgresql+psycopg://... or sqlite:///...)")
    if not url.database:
        raise NmrfError(f"{option}: {url.render_as_string(hide_password=True)} names no database")
    return url


def tables() -> list[Table]:
    """Every table, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def count_rows(*, conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def copy_database(*, source: Engine, target: Engine, chunk_size: int = 1000,
                  progress: Progress | None = None) -> list[TableCount]:
    """Copy every row of `source` into the empty `target` (upgraded here first); return the counts."""
    if chunk_size < 1:
        raise NmrfError("the chunk size must be at least 1")
    _check_source(source, target)
    with _plain_errors(target, "preparing the target"):
        upgrade_schema(target)
        with target.connect() as conn:
            full = [(t.name, n) for t in tables() if (n := count_rows(conn=conn, table=t))]
    if full:
        listed = ", ".join(f"{name} ({n} row{'s' if n > 1 else ''})" for name, n in full[:5]) + (" ..." if len(full) > 5 else "")
        raise NmrfError(f"{_shown(target)} already holds data: {listed}. "
                        "Copy only into a new, empty database (e.g. createdb nmrf).")
    with _plain_errors(target, "copying"), _snapshot(source) as src, target.begin() as dst:
        counts = []
        for table in tables():
            copied = _copy_table(src=src, dst=dst, table=table, chunk_size=chunk_size)
            counts.append(TableCount(table.name, count_rows(conn=src, table=table), count_rows(conn=dst, table=table)))
            if not counts[-1].source == counts[-1].target == copied:
                raise NmrfError(f"{table.name}: {counts[-1].source} rows in the source, {copied} copied, "
                                f"{counts[-1].target} in the target; nothing was kept in the target")
            if progress is not None:
                progress(table.name, copied)
        if dst.dialect.name == "postgresql":
            reset_sequences(conn=dst)
        _check_source_unchanged(source, counts)
    return counts


def reset_sequences(*, conn: Connection) -> None:
    """Set each table's id sequence past its largest id (rows copied with their ids leave it at 1)."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].foreign_keys:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                           {"t": table.name, "c": pk[0].name}).scalar_one()
        if seq is None:
            continue
        conn.execute(text(f'SELECT setval(:seq, COALESCE((SELECT MAX("{pk[0].name}") FROM "{table.name}"), 0) + 1,'
                          " false)"), {"seq": seq})


def _copy_table(*, src: Connection, dst: Connection, table: Table, chunk_size: int) -> int:
    # A column pointing at its own table (a follow-up cycle's parent, a digest's notification)
    # is filled in after every row is there, whatever the order of the ids.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    pk = list(table.primary_key.columns)
    later: list[dict[str, Any]] = []
    copied = 0
    result = src.execute(select(table).order_by(*pk).execution_options(yield_per=chunk_size))
    for chunk in result.mappings().partitions(chunk_size):
        rows = [dict(r) for r in chunk]
        for row in rows:
            if any(row[c] is not None for c in self_refs):
                later.append({"b_pk": row[pk[0].name], **{f"b_{c}": row[c] for c in self_refs}})
                row.update({c: None for c in self_refs})
        dst.execute(table.insert(), rows)
        copied += len(rows)
    for start in range(0, len(later), chunk_size):
        stmt = (table.update().where(pk[0] == bindparam("b_pk"))
                .values({c: bindparam(f"b_{c}") for c in self_refs}))
        dst.execute(stmt, later[start:start + chunk_size])
    return copied


def _check_source(source: Engine, target: Engine) -> None:
    # Imported here: alembic adds about 0.2 s to a command's start (measured); only schema work pays it.
    from alembic.script import ScriptDirectory

    if _same_database(source.url, target.url):
        raise NmrfError(f"{_shown(target)} is the database nmrf uses now: give another one")
    heads = set(ScriptDirectory.from_config(alembic_config(source)).get_heads())
    have = schema_revisions(source)
    if have != heads:
        raise NmrfError(f"the current database's schema is at {', '.join(sorted(have)) or 'nothing'}, "
                        f"this nmrf expects {', '.join(sorted(heads))}: run `nmrf db upgrade` first")


def _same_database(a: URL, b: URL) -> bool:
    def key(u: URL) -> tuple[Any, ...]:
        return (u.get_backend_name(), u.host or "", u.port, u.database)

    return key(a) == key(b)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction: every table as it was at the same moment."""
    if engine.dialect.name == "sqlite":
        # DEFERRED (see db.py): in WAL mode the first read fixes the snapshot and writers carry on.
        conn = engine.connect().execution_options(nmrf_readonly=True)
    else:
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        with conn.begin():
            yield conn
    finally:
        conn.close()


def _check_source_unchanged(source: Engine, counts: list[TableCount]) -> None:
    with _snapshot(source) as conn:
        changed = [f"{c.table} ({c.source} -> {n})" for c in counts
                   if (n := count_rows(conn=conn, table=SQLModel.metadata.tables[c.table])) != c.source]
    if changed:
        raise NmrfError(f"the NMRF kept writing during the copy: {', '.join(changed)}. Stop its sweeps, "
                        "workers and server, then copy again; nothing was kept in the target")


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def _plain_errors(target: Engine, doing: str) -> Iterator[None]:
    """A database's complaint as one line naming the target, never its password."""
    # Imported here: alembic adds about 0.2 s to a command's start (measured); only schema work pays it.
    from alembic.util.exc import CommandError

    try:
        yield
    except (SQLAlchemyError, CommandError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if target.url.password:
            detail = detail.replace(str(target.url.password), "***")
        raise NmrfError(f"{doing} {_shown(target)}: {detail}; nothing was kept in the target") from None
