"""What a stage sends when it opens: the request for information to each institution's focal points with the
institution's workbook, the draft to the NHRI for its comments, the draft to each minister (and deputy) to
sign off.

The sweep writes these messages (before it decides the reminders), for every milestone of those stages that
is open and has not had them: the information request's inputs (one per institution), the NHRI's comment, the
ministers' sign-offs. A `stage_notice` row claims the milestone first (INSERT ... ON CONFLICT DO NOTHING), in
the transaction that writes its messages: a second sweep, or two at once, writes nothing, and a milestone
closed before the sweep saw it open gets nothing. Each message is in its reader's language, under the key
`opened:m<milestone>:p<person>`; its file (the workbook in the institution's working language, the draft in
the report's) is stored with it by checksum, so a retry sends the same bytes and the outbox shows what went.
A channel that cannot carry files gets the same message with a download link from the person's page.

All in the caller's session; never commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, true
from sqlmodel import Session

from nmrf.domain import wording
from nmrf.domain.clock import today_in
from nmrf.domain.i18n import babel_locale, reader_language, translator
from nmrf.domain.policy import policy_from_json
from nmrf.errors import NmrfError
from nmrf.models import (
    Attachment,
    Cycle,
    CycleDeparture,
    CycleMember,
    Institution,
    MessageFile,
    Milestone,
    NotificationPolicy,
    Person,
    StageNotice,
    State,
)
from nmrf.models.db import dialect_insert
from nmrf.notifications.delivery import LINK_BODY
from nmrf.notifications.direct import write_direct
from nmrf.notifications.messages import format_date, render
from nmrf.notifications.compose import reference
from nmrf.notifications.page_urls import page_generations, page_url
from nmrf.notifications.timing import release_at, release_on_working_day
from nmrf.notifications.tokens import signing_key
from nmrf.services.people import holders, work_calendar
from nmrf.settings import Settings

M, C, SN = Milestone.__table__, Cycle.__table__, StageNotice.__table__
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACTOR = "nmrf (request)"


@dataclass(frozen=True)
class File:
    name: str
    media_type: str
    content: bytes
    language: str  # the file's own language (a workbook's institution's, a draft's report's)
    rows: int = 0  # the recommendations a workbook asks about

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Told:
    """What a call wrote: per kind, the milestones told and the messages written (and those with a file)."""
    milestones: dict[str, int] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)
    with_file: dict[str, int] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)

    def count(self, kind: str, messages: int, with_file: int) -> None:
        self.milestones[kind] = self.milestones.get(kind, 0) + 1
        self.messages[kind] = self.messages.get(kind, 0) + messages
        self.with_file[kind] = self.with_file.get(kind, 0) + with_file

    def as_dict(self) -> dict[str, Any]:
        return {"stage_messages": sum(self.messages.values()), "stage_files": sum(self.with_file.values()),
                "stage_messages_by_kind": dict(self.messages), "stage_files_by_kind": dict(self.with_file)}


def kind_of(stage: str, template_key: str) -> str:
    """request | comment | signoff, for a milestone `pending_openings` found."""
    if stage == "inputs":
        return "request"
    return "comment" if stage == "nhri_comment" else "signoff"


def pending_openings(*, session: Session, cycle_ids: Sequence[int] | None = None) -> list[Any]:
    """Open milestones of those stages, in active cycles, whose messages are not written yet."""
    R = M.alias("request")
    # An input of the information request (a communication's or a visit's inputs are asked otherwise).
    asked = exists().where(R.c.cycle_id == M.c.cycle_id, R.c.template_key == "info_request")
    q = (select(M.c.id, M.c.cycle_id, M.c.key, M.c.stage, M.c.template_key, M.c.institution_id, M.c.owner_role,
                M.c.due_date, C.c.state_id, C.c.confidential)
         .select_from(M.join(C, C.c.id == M.c.cycle_id).outerjoin(SN, SN.c.milestone_id == M.c.id))
         .where(C.c.status == "active", M.c.status == "open", M.c.completion == "person",
                SN.c.milestone_id.is_(None),
                or_(and_(M.c.stage == "inputs", M.c.institution_id.is_not(None), asked),
                    M.c.stage == "nhri_comment", M.c.template_key == "signoff"))
         .order_by(M.c.cycle_id, M.c.id))
    if cycle_ids is not None:
        q = q.where(M.c.cycle_id.in_(list(cycle_ids)))
    return list(session.execute(q))


def write_stage_messages(*, session: Session, now: datetime, settings: Settings,
                         cycle_ids: Sequence[int] | None = None) -> Told:
    """Write the messages of every stage that opened and has not had them (see the module's docstring)."""
    told = Told()
    rows = pending_openings(session=session, cycle_ids=cycle_ids)
    if not rows:
        return told
    key = signing_key(settings)
    workbooks: dict[int, dict[str, File] | str] = {}  # cycle id -> institution key -> workbook, or why none
    drafts: dict[int, File | str] = {}
    for row in rows:
        claimed = session.execute(dialect_insert(session, SN).values(
            milestone_id=row.id, cycle_id=row.cycle_id, kind=kind_of(row.stage, row.template_key), at=now,
            messages=0, note="").on_conflict_do_nothing(index_elements=["milestone_id"])
            .returning(SN.c.milestone_id)).first()
        if claimed is None:
            continue  # another sweep wrote them
        cycle = session.get(Cycle, row.cycle_id)
        state = session.get(State, row.state_id)
        inst = session.get(Institution, row.institution_id) if row.institution_id else None
        assert cycle is not None and state is not None
        kind = kind_of(row.stage, row.template_key)
        if kind == "request":
            if row.cycle_id not in workbooks:
                workbooks[row.cycle_id] = _workbooks(session, state, cycle, rows, now)
            made = workbooks[row.cycle_id]
            got: File | str = (made.get(inst.key) or "no workbook: the institution leads or supports none of "
                               "the recommendations of this report") if isinstance(made, dict) and inst else (
                made if isinstance(made, str) else "no institution")
        else:
            if row.cycle_id not in drafts:
                drafts[row.cycle_id] = _draft(session, state, cycle, now)
            got = drafts[row.cycle_id]
        file = got if isinstance(got, File) else None
        people = _recipients(session, row, kind)
        written = _write(session, settings, key, now, row, kind, cycle, state, inst, people, file)
        session.execute(SN.update().where(SN.c.milestone_id == row.id).values(
            messages=len(written), note="" if file else str(got)[:300],
            **({"file_name": file.name, "media_type": file.media_type, "sha256": file.sha256} if file else {})))
        told.count(kind, len(written), len(written) if file else 0)
        told.summaries += [{"to": person.key, "name": person.name, "kind": kind, "step": kind, "subject": subject,
                            "status": "pending", "not_before": when.isoformat(), "urgent": False,
                            "file": file.name if file else None} for person, subject, when in written]
    session.flush()
    return told


def _workbooks(session: Session, state: State, cycle: Cycle, rows: Sequence[Any], now: datetime) -> dict[str, File] | str:
    """The workbooks of this cycle's institutions being asked now (one call: the rules are read once)."""
    from nmrf.services.inputs import request_workbooks

    insts = [session.get(Institution, r.institution_id) for r in rows
             if r.cycle_id == cycle.id and r.stage == "inputs" and r.institution_id]
    try:
        got = request_workbooks(session=session, state=state, cycle=cycle, out_dir=None, now=now, actor=ACTOR,
                                institutions=sorted({i.key for i in insts if i is not None}))
    except NmrfError as exc:
        return f"no workbook: {exc.problems[0].message if exc.problems else exc}"[:300]
    return {s.institution: File(s.name, XLSX, s.data, s.language, s.rows) for s in got.sent}


def _draft(session: Session, state: State, cycle: Cycle, now: datetime) -> File | str:
    """The draft as compiled from the record now, in the report's language; why not, for a cycle that
    compiles no report draft (a communication's reply, an urgent action: the secretariat writes those)."""
    from nmrf.documents.draft_docx import write_docx
    from nmrf.services.drafts import compile_draft, report_language

    asked = session.execute(select(M.c.id).where(M.c.cycle_id == cycle.id, M.c.template_key == "info_request")).first()
    if asked is None:
        return "no draft attached: this kind of cycle compiles no report draft"
    language = report_language(state, cycle.mechanism)
    try:
        d = compile_draft(session=session, state=state, cycle=cycle, today=today_in(state.timezone, now),
                          language=language)
    except NmrfError as exc:
        return f"no draft attached: {exc.problems[0].message if exc.problems else exc}"[:300]
    return File(f"draft-{cycle.id}-{cycle.mechanism}.docx", DOCX, write_docx(d, created=now), language)


def _recipients(session: Session, row: Any, kind: str) -> list[tuple[Person, Person | None]]:
    """(person, the minister they act for or None): who owes the item, and for a sign-off the deputies of the
    ministers who owe it; in a confidential cycle only its members; never who was taken off the cycle."""
    if row.owner_role is None:
        return []
    owners = holders(session=session, state_id=row.state_id, role=row.owner_role, institution_id=row.institution_id)
    out: list[tuple[Person, Person | None]] = [(p, None) for p in owners]
    if kind == "signoff" and owners:
        by_key = {p.key: p for p in owners}
        for deputy in session.execute(select(Person).where(Person.state_id == row.state_id, Person.active == true(),
                                                           Person.acts_for.in_(list(by_key)))  # type: ignore[union-attr]
                                      .order_by(Person.key)).scalars():
            if deputy.id not in {p.id for p, _ in out}:
                out.append((deputy, by_key[deputy.acts_for]))  # type: ignore[index]
    departed = set(session.execute(select(CycleDeparture.person_id).where(CycleDeparture.cycle_id == row.cycle_id))
                   .scalars())
    out = [(p, m) for p, m in out if p.id not in departed]
    if row.confidential:
        members = set(session.execute(select(CycleMember.person_id).where(CycleMember.cycle_id == row.cycle_id))
                      .scalars())
        out = [(p, m) for p, m in out if p.id in members]
    return out


def _release(session: Session, state: State, person: Person, now: datetime) -> datetime:
    """When the message may go: after the reader's quiet hours and, if the State's policy says so, on a
    working day (as the reminders)."""
    tz, quiet = person.timezone or state.timezone, person.quiet_hours or state.quiet_hours
    body = session.execute(select(NotificationPolicy.__table__.c.body).where(
        NotificationPolicy.__table__.c.state_id == state.id)
        .order_by(NotificationPolicy.__table__.c.version.desc()).limit(1)).scalar()
    if body is not None and policy_from_json(body).delivery.working_days_only:
        return release_on_working_day(now, tz, quiet, work_calendar(state).is_working_day)
    return release_at(now, tz, quiet)


def _write(session: Session, settings: Settings, key: bytes, now: datetime, row: Any, kind: str, cycle: Cycle,
           state: State, inst: Institution | None, people: list[tuple[Person, Person | None]],
           file: File | None) -> list[tuple[Person, str, datetime]]:
    """One message per person (with the file); (person, subject, when it may go) of those written now."""
    if not people:
        return []
    links = page_generations(session=session, person_ids={p.id for p, _ in people}, now=now)  # type: ignore[misc]
    if file is not None:
        session.execute(dialect_insert(session, MessageFile.__table__).values(
            sha256=file.sha256, size=len(file.content), content=file.content, created_at=now,
        ).on_conflict_do_nothing(index_elements=["sha256"]))
    written = []
    for person, principal in people:
        language = reader_language(person.language, state.language)
        t = translator(language, fallback=state.language)
        page = page_url(settings.public_url, key, person_id=person.id, link_id=links[person.id], now=now)  # type: ignore[arg-type]
        download = f"{page}/{'workbook' if kind == 'request' else 'draft'}/{row.id}"
        ctx = {
            "name": person.name, "cycle": wording.cycle_title(
                t, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                reference=cycle.reference, state_name=state.name, state_names=state.names),
            "institution": wording.name(t, inst.names, inst.name) if inst else "",
            "secretariat": wording.name(t, (state.names or {}).get("secretariat"), state.secretariat),
            "contact": state.secretariat_contact or "", "due": format_date(row.due_date, language),
            "page_url": page, "acts_for": principal.name if principal else None,
            "reason": "" if principal else wording.role_label(t, row.owner_role),
            "file": None if file is None else {
                "name": file.name, "rows": file.rows, "url": download,
                "language": babel_locale(t.tag).languages.get(file.language, file.language)},
        }
        dedup = f"opened:m{row.id}:p{person.id}"
        subject, body = render(kind, language, {**ctx, "attached": True}, ref=reference(dedup))
        _, linked = render(kind, language, {**ctx, "attached": False}, ref=reference(dedup))
        data: dict[str, Any] = {"kind": kind, "cycle_id": cycle.id, "milestone": row.key,
                                "due_date": row.due_date.isoformat() if row.due_date else None,
                                "recipient": person.key, "page_url": page}
        if file is not None:
            data["files"] = [{"name": file.name, "type": file.media_type, "size": len(file.content),
                              "sha256": file.sha256, "url": download}]
            data[LINK_BODY] = linked
        when = _release(session, state, person, now)
        got = write_direct(session=session, state_id=state.id, state_code=state.code, person_id=person.id,  # type: ignore[arg-type]
                           language=language, dedup_key=dedup, kind=kind, step=kind, subject=subject, body=body,
                           data=data, urgent=False, through_quiet_hours=False, now=now, not_before=when,
                           milestone_id=row.id)
        if got is None:
            continue
        if file is not None:
            session.execute(dialect_insert(session, Attachment.__table__).values(
                notification_id=got, file_name=file.name, media_type=file.media_type, size=len(file.content),
                sha256=file.sha256))
        written.append((person, subject, when))
    return written
