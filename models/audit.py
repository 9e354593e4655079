"""The audit history: who changed what, when, with the values before and after.

Written by a flush hook on every session, so no code path can change a row
without leaving a trace. Tables opt out with ``__audit__ = False`` (the audit
table itself and high-churn delivery state).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, event, inspect, insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    table_name: str = Field(max_length=80, index=True)
    row_id: int | None = Field(default=None, index=True)
    op: str = Field(max_length=10)  # insert, update, delete
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _secret(value: Any) -> str | None:
    # A secret column (an apprise URL with a password) is kept as a digest:
    # the history still shows that it changed, never what it was.
    if value is None:
        return None
    return "redacted:" + hashlib.sha256(str(value).encode()).hexdigest()[:12]


def _snapshot(obj: Any, key: str, value: Any) -> Any:
    if key in getattr(type(obj), "__audit_secret__", ()):
        return _secret(value)
    return _plain(value)


def _is_audited(obj: Any) -> bool:
    return isinstance(obj, SQLModel) and getattr(type(obj), "__audit__", True)


def _entries(session: OrmSession) -> list[dict[str, Any]]:
    actor = str(session.info.get("actor") or "system")
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if not _is_audited(obj):
            continue
        state = inspect(obj)
        after = {a.key: _snapshot(obj, a.key, getattr(obj, a.key)) for a in state.mapper.column_attrs}
        rows.append(dict(at=now, actor=actor, table_name=obj.__tablename__,
                         row_id=getattr(obj, "id", None), op="insert",
                         changes={k: [None, v] for k, v in after.items() if v is not None}))
    for obj in session.dirty:
        if not _is_audited(obj) or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        changes = {}
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if hist.has_changes():
                before = hist.deleted[0] if hist.deleted else None
                after = hist.added[0] if hist.added else None
                before, after = _snapshot(obj, attr.key, before), _snapshot(obj, attr.key, after)
                if before != after:
                    changes[attr.key] = [before, after]
        if changes:
            rows.append(dict(at=now, actor=actor, table_name=obj.__tablename__,
                             row_id=getattr(obj, "id", None), op="update", changes=changes))
    for obj in session.deleted:
        if not _is_audited(obj):
            continue
        state = inspect(obj)
        before = {a.key: _snapshot(obj, a.key, getattr(obj, a.key)) for a in state.mapper.column_attrs}
        rows.append(dict(at=now, actor=actor, table_name=obj.__tablename__,
                         row_id=getattr(obj, "id", None), op="delete",
                         changes={k: [v, None] for k, v in before.items() if v is not None}))
    return rows


def audit_inserts(session: OrmSession, model: type[SQLModel], rows: list[tuple[int, dict[str, Any]]]) -> None:
    """Audit rows written by a bulk INSERT, which bypasses the flush hook."""
    actor = str(session.info.get("actor") or "system")
    now = utcnow()
    secret = getattr(model, "__audit_secret__", ())
    entries = [dict(at=now, actor=actor, table_name=model.__tablename__, row_id=row_id, op="insert",
                    changes={k: [None, _secret(v) if k in secret else _plain(v)]
                             for k, v in values.items() if v is not None})
               for row_id, values in rows]
    if entries:
        session.connection().execute(insert(AuditEntry.__table__), entries)


def audit_updates(session: OrmSession, model: type[SQLModel],
                  rows: list[tuple[int, dict[str, tuple[Any, Any]]]]) -> None:
    """Audit rows of a Core UPDATE (which bypasses the flush hook): per row, each column's value
    before and after, kept as the flush hook keeps them (in the table's column order, only what
    changed)."""
    actor = str(session.info.get("actor") or "system")
    now = utcnow()
    secret = getattr(model, "__audit_secret__", ())
    order = [c.key for c in model.__table__.columns]
    entries = []
    for row_id, changed in rows:
        changes = {}
        for k in order:
            if k in changed:
                before, after = ((_secret(v) if k in secret else _plain(v)) for v in changed[k])
                if before != after:
                    changes[k] = [before, after]
        if changes:
            entries.append(dict(at=now, actor=actor, table_name=model.__tablename__, row_id=row_id, op="update",
                                changes=changes))
    if entries:
        session.connection().execute(insert(AuditEntry.__table__), entries)


@event.listens_for(OrmSession, "after_flush")
def _write_audit(session: OrmSession, flush_context: Any) -> None:
    # after_flush: primary keys are assigned and attribute history still holds
    # the old values; Core inserts are allowed here, session.add() is not.
    rows = _entries(session)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
