"""Voluntary pledges, and the year-end round: every lead institution asked, by a workbook, for the
status of its actions and pledges; the returned workbooks read back and applied.

A returned workbook is applied whole or not at all: its token must be one we sent, its rows the
ones sent, each new status a known one. The same file imported twice changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from nmrf.documents.year_end import StatusRow, StatusSheet, read_status_return, write_status_request
from nmrf.errors import NmrfError, Problem
from nmrf.models import Cluster, FollowUpAction, Institution, Pledge, State, StatusRequest
from nmrf.models.recommendations import ACTION_STATUSES
from nmrf.services.followup import update_action
from nmrf.services.people import get_institution


def add_pledge(*, session: Session, state: State, text: str, institution: str, made_on: date, now: datetime,
               actor: str, mechanism: str = "UPR") -> Pledge:
    if not text.strip():
        raise NmrfError([Problem("a pledge needs its text", field="text")])
    inst = get_institution(session=session, state=state, key=institution)
    p = Pledge(state_id=state.id, text=text.strip(), institution_id=inst.id, made_on=made_on, mechanism=mechanism,
               created_at=now, updated_at=now, actor=actor)
    session.add(p)
    session.flush()
    return p


def _open_items(session: Session, state: State) -> dict[int, list[StatusRow]]:
    rows: dict[int, list[StatusRow]] = {}
    for a in session.exec(select(FollowUpAction).join(Cluster, Cluster.id == FollowUpAction.cluster_id)
                          .where(Cluster.state_id == state.id, FollowUpAction.status != "cancelled")
                          .order_by(FollowUpAction.due_date, FollowUpAction.id)):
        rows.setdefault(a.institution_id, []).append(
            StatusRow(ref=f"action-{a.id}", kind="action", what=a.title, due=a.due_date.isoformat(), status=a.status))
    for p in session.exec(select(Pledge).where(Pledge.state_id == state.id, Pledge.status != "cancelled")
                          .order_by(Pledge.made_on, Pledge.id)):
        rows.setdefault(p.institution_id, []).append(
            StatusRow(ref=f"pledge-{p.id}", kind="pledge", what=p.text, due="", status=p.status))
    return rows


@dataclass
class Sent:
    files: list[tuple[str, Path, int]] = field(default_factory=list)  # institution key, file, rows


def year_end_round(*, session: Session, state: State, year: int, out_dir: Path, now: datetime, actor: str) -> Sent:
    """One workbook per lead institution of an action or a pledge still open."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sent = Sent()
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    for inst_id, rows in sorted(_open_items(session, state).items(), key=lambda kv: insts[kv[0]].key):
        inst = insts[inst_id]
        token = secrets.token_hex(16)
        path = out_dir / f"year-end-{year}-{inst.key}.xlsx"
        path.write_bytes(write_status_request(StatusSheet(token=token, year=year, institution_key=inst.key,
                                                          institution_name=inst.name, rows=rows, generated_at=now)))
        session.add(StatusRequest(state_id=state.id, year=year, institution_id=inst_id, token=token,
                                  refs=[r.ref for r in rows], file_name=path.name, at=now, actor=actor))
        sent.files.append((inst.key, path, len(rows)))
    session.flush()
    return sent


@dataclass
class Applied:
    institution: str
    updated: int = 0
    unchanged: int = 0
    already: bool = False


def import_year_end(*, session: Session, state: State, path: Path, now: datetime, actor: str) -> Applied:
    data = path.read_bytes()
    got = read_status_return(data, file=path.name)
    if got.problems:
        raise NmrfError(got.problems)
    req = session.exec(select(StatusRequest).where(StatusRequest.state_id == state.id,
                                                   StatusRequest.token == got.token)).first()
    if req is None:
        raise NmrfError([Problem("this workbook's token is not one nmrf sent (or it was sent to another State)",
                                 file=path.name)])
    inst = session.get(Institution, req.institution_id)
    assert inst is not None
    digest = hashlib.sha256(data).hexdigest()
    if req.returned_sha256 == digest:
        return Applied(institution=inst.key, already=True)
    problems = []
    refs = [r.ref for r in got.rows]
    missing = [r for r in req.refs if r not in refs]
    added = [r for r in refs if r not in req.refs]
    if missing:
        problems.append(Problem(f"rows missing: {', '.join(missing)}", file=path.name))
    if added:
        problems.append(Problem(f"rows not sent: {', '.join(added)}", file=path.name))
    if problems:
        raise NmrfError(problems)
    out = Applied(institution=inst.key)
    for row in got.rows:
        kind, _, num = row.ref.partition("-")
        if kind == "action":
            action = session.get(FollowUpAction, int(num))
            assert action is not None
            if (not row.status or row.status == action.status) and not row.note:
                out.unchanged += 1
                continue
            update_action(session=session, state=state, action=action, now=now, actor=f"{actor} ({inst.key})",
                          status=row.status or None, note=row.note or f"year-end round {req.year}")
            out.updated += 1
        else:
            pledge = session.get(Pledge, int(num))
            assert pledge is not None
            if (not row.status or row.status == pledge.status) and (not row.note or row.note == pledge.note):
                out.unchanged += 1
                continue
            if row.status:
                pledge.status = row.status
            if row.note:
                pledge.note = row.note[:4000]
            pledge.updated_at = now
            out.updated += 1
    req.returned_sha256, req.returned_at = digest, now
    session.flush()
    return out


__all__ = ["ACTION_STATUSES", "add_pledge", "import_year_end", "year_end_round"]
