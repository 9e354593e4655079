"""Documents handed in: an institution's input as a DOCX, ODT or PDF, or the evidence of a record.

Checked by content and size, stored with its SHA-256 in the database (see
models/documents.py for why there), and recorded: an input document closes the
institution's input milestone like a returned workbook, with whose act it is,
who recorded it and how. All in the caller's transaction: nothing is kept if
anything is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from nmrf.documents.handed_in import extract_text, sniff
from nmrf.domain.i18n import N_
from nmrf.errors import AlreadyClosed, NmrfError
from nmrf.notifications.notes import item_status
from nmrf.models import Cycle, DocumentContent, InputDocument, Milestone, Record
from nmrf.services.cycles import record_action


@dataclass(frozen=True)
class HandedIn:
    document: InputDocument
    record: Record | None


def store_document(*, session: Session, cycle: Cycle, milestone: Milestone, data: bytes, file_name: str,
                   role: str, recorded_by: str, on_behalf_of: str | None, via: str, now: datetime) -> InputDocument:
    kind = sniff(data)
    paragraphs = extract_text(kind, data)
    doc = InputDocument(cycle_id=cycle.id, milestone_id=milestone.id, institution_id=milestone.institution_id,  # type: ignore[arg-type]
                        role=role, file_name=Path(file_name).name[:300] or "document", kind=kind, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), text="\n\n".join(paragraphs),
                        on_behalf_of=on_behalf_of, recorded_by=recorded_by, via=via, at=now)
    session.add(doc)
    session.flush()
    session.add(DocumentContent(document_id=doc.id, content=data))  # type: ignore[arg-type]
    session.flush()
    return doc


def hand_in_document(*, session: Session, cycle: Cycle, milestone: Milestone, data: bytes, file_name: str,
                     recorded_by: str, on_behalf_of: str | None, via: str, now: datetime,
                     by: str | None = None, note: str = "", extra: Mapping[str, Any] | None = None) -> HandedIn:
    """An institution's input as a document: stored, and the input milestone recorded done."""
    if milestone.stage != "inputs" or milestone.institution_id is None:
        raise NmrfError(f"{milestone.key} is not an institution's input")
    if milestone.is_closed:
        status = item_status(milestone.status)
        if milestone.completed_at is None:
            raise AlreadyClosed.said(N_("Already handed in: %(key)s was recorded %(status)s."), key=milestone.key,
                                     status=status)
        raise AlreadyClosed.said(N_("Already handed in: %(key)s was recorded %(status)s on %(when)s UTC by %(who)s."),
                                 key=milestone.key, status=status, when=f"{milestone.completed_at:%Y-%m-%d %H:%M}",
                                 who=milestone.completed_actor or "-")
    doc = store_document(session=session, cycle=cycle, milestone=milestone, data=data, file_name=file_name,
                         role="input", recorded_by=recorded_by, on_behalf_of=on_behalf_of, via=via, now=now)
    rec = record_action(session=session, cycle=cycle, key=milestone.key, kind="done", now=now, actor=recorded_by,
                        by=by, note=note or f"document {doc.file_name} ({doc.kind.upper()})",
                        data={"document_id": doc.id, "sha256": doc.sha256, "via": via, "recorded_by": recorded_by,
                              "on_behalf_of": on_behalf_of, **dict(extra or {})})
    return HandedIn(doc, rec)


def input_documents(*, session: Session, cycle: Cycle) -> list[InputDocument]:
    """The documents handed in as inputs of a cycle, oldest first."""
    return list(session.exec(select(InputDocument).where(InputDocument.cycle_id == cycle.id,
                                                         InputDocument.role == "input").order_by(InputDocument.id)))
