"""Personal pages: the secret link of each person, and what their page shows and lets them do.

A link is 32 random bytes (the feed links' helpers), shown once and stored only
as its SHA-256 hash; one active link per person; the secretariat rotates or
revokes it at once. A wrong, revoked or rotated link finds nothing, and the
page answers the same plain 404 for all three.

What the page shows is what the person owes: the milestones of active cycles
owed by a role they hold (for their institution), open or planned, with the
due date, whether it is late and what it holds up; and what they handed in
lately, with who recorded it and when. The acts (hand in an input, sign off)
are records like the command line's, marked as made on the page.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from nmrf.calendars.links import new_token, token_hash, well_formed
from nmrf.domain.i18n import N_
from nmrf.domain.progress import days_late
from nmrf.errors import AlreadyClosed, NmrfError
from nmrf.models import (
    Cycle,
    CycleDeparture,
    CycleMember,
    InputRequest,
    Institution,
    Milestone,
    PageLink,
    Person,
    Record,
    RoleAssignment,
    StageNotice,
    State,
)
from nmrf.services.cycles import record_action
from nmrf.services.people import NMRF_WIDE_ROLES
from nmrf.services.plan_rows import latest_promises

PAGE_PATH = "/p/{token}"
# Who issues the page link a person's messages name when they had none (notifications/page_urls.py).
MESSAGES_ACTOR = "nmrf (messages)"
# Items closed this long ago still show on the page, with who recorded them.
RECENT = timedelta(days=60)


# ---------------------------------------------------------------- links

def active_page_link(*, session: Session, person: Person) -> PageLink | None:
    return session.exec(select(PageLink).where(PageLink.person_id == person.id, PageLink.revoked_at.is_(None))  # type: ignore[union-attr]
                        .order_by(PageLink.id.desc())).first()  # type: ignore[union-attr]


def issue_page_link(*, session: Session, person: Person, now: datetime, actor: str) -> tuple[PageLink, str]:
    """A new link for a person who has none (a link is shown once: rotate to get another)."""
    if not person.active:
        raise NmrfError(f"{person.key} is no longer active; no link issued")
    existing = active_page_link(session=session, person=person)
    if existing is not None and existing.created_by == MESSAGES_ACTOR:
        # Made by a sweep for the links in the person's messages; its own secret was never shown. Give it one
        # now, keeping the row: the links already sent (which name it) keep working.
        token = new_token()
        existing.token_hash, existing.created_by, existing.updated_at = token_hash(token), actor, now
        session.flush()
        return existing, token
    if existing is not None:
        raise NmrfError(f"{person.key} already has a page link (issued {existing.created_at:%Y-%m-%d}); a link is "
                        "shown only once: `nmrf people rotate` issues a new one and retires the old")
    return _create(session, person, now, actor)


def _create(session: Session, person: Person, now: datetime, actor: str) -> tuple[PageLink, str]:
    token = new_token()
    link = PageLink(state_id=person.state_id, person_id=person.id, token_hash=token_hash(token),  # type: ignore[arg-type]
                    created_at=now, created_by=actor, updated_at=now)
    session.add(link)
    session.flush()
    return link, token


def revoke_page_link(*, session: Session, person: Person, now: datetime, actor: str, reason: str) -> PageLink:
    link = active_page_link(session=session, person=person)
    if link is None:
        raise NmrfError(f"{person.key} has no active page link; nothing changed")
    link.revoked_at, link.revoked_by, link.revoked_reason, link.updated_at = now, actor, reason, now
    session.flush()
    return link


def rotate_page_link(*, session: Session, person: Person, now: datetime, actor: str) -> tuple[PageLink, str]:
    """Retire the person's link (if any) and issue a new one: the old one answers 404 at once."""
    if not person.active:
        raise NmrfError(f"{person.key} is no longer active; no link issued")
    if active_page_link(session=session, person=person) is not None:
        revoke_page_link(session=session, person=person, now=now, actor=actor, reason="rotated")
    return _create(session, person, now, actor)


def find_page_link(*, session: Session, token: str) -> tuple[PageLink, Person] | None:
    """The active link a token opens and its person, or None. Malformed tokens never reach the database."""
    if not well_formed(token):
        return None
    digest = token_hash(token)
    link = session.exec(select(PageLink).where(PageLink.token_hash == digest)).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest) or link.revoked_at is not None:
        return None
    person = session.get(Person, link.person_id)
    if person is None or not person.active:
        return None
    return link, person


def page_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + PAGE_PATH.format(token=token)


# ---------------------------------------------------------------- what the page shows

@dataclass(frozen=True)
class Done:
    at: datetime
    by: str  # whose act it is
    recorded_by: str  # who recorded it (the person on the page, or the secretariat's officer)
    via: str  # page | command line
    note: str


@dataclass(frozen=True)
class Owed:
    milestone_id: int
    cycle_id: int
    cycle_title: str
    key: str
    title: str
    institution: str | None
    due: date | None
    official: bool
    status: str  # planned | open | done | waived | cancelled
    days_late: int
    holds_up: tuple[str, ...]
    action: str | None  # input | signoff | None (a record by the secretariat)
    request_id: int | None  # the information-request workbook to download, for an input
    done: Done | None = None
    # What the page needs to say the names in the reader's language.
    template: str | None = None
    mechanism: str = ""
    reference: str | None = None
    institution_names: dict | None = None
    # The latest promise for the current deadline (an acknowledgement with a date), and who made it.
    promised_by: date | None = None
    promised_by_whom: str = ""
    # A deputy's item: the name of the minister they act for.
    on_behalf_of: str | None = None
    # The draft sent with the item's opening message (to comment, to sign off): its file name.
    draft_file: str | None = None


@dataclass
class PageView:
    person: Person
    state: State
    institution: Institution | None
    today: date
    roles: list[str] = field(default_factory=list)
    owed: list[Owed] = field(default_factory=list)
    # The names as the reader reads them (the page fills them in; the stored names otherwise).
    state_name: str = ""
    secretariat: str = ""
    institution_name: str | None = None

    @property
    def open_items(self) -> list[Owed]:
        return [o for o in self.owed if o.done is None and o.status in ("planned", "open")]

    @property
    def closed_items(self) -> list[Owed]:
        return [o for o in self.owed if o.done is not None or o.status not in ("planned", "open")]

    @property
    def late(self) -> list[Owed]:
        return [o for o in self.open_items if o.days_late > 0]


def _owes(roles: set[tuple[str, int | None]], m: Milestone) -> bool:
    if m.owner_role is None:
        return False
    for role, inst in roles:
        if role == m.owner_role and (role in NMRF_WIDE_ROLES or m.institution_id is None
                                     or m.institution_id == inst):
            return True
    return False


def _action(m: Milestone) -> str | None:
    if m.completion != "person":
        return None
    if m.stage == "inputs" and m.institution_id is not None:
        return "input"
    if m.template_key == "signoff":
        return "signoff"
    return None


def done_of(*, session: Session, milestone: Milestone) -> Done | None:
    """Who recorded a closed milestone, when and how (the latest closing record)."""
    if not milestone.is_closed:
        return None
    rec = session.exec(select(Record).where(Record.milestone_id == milestone.id,
                                            Record.kind == milestone.status).order_by(Record.id.desc())).first()  # type: ignore[union-attr]
    if rec is None:
        return Done(at=milestone.completed_at or milestone.updated_at, by=milestone.completed_actor or "-",
                    recorded_by=milestone.completed_actor or "-", via="engine", note="")
    data = rec.data or {}
    return Done(at=rec.at, by=milestone.completed_actor or rec.actor,
                recorded_by=str(data.get("recorded_by") or rec.actor), via=str(data.get("via") or "command line"),
                note=rec.note)


def page_view(*, session: Session, person: Person, today: date) -> PageView:
    state = session.get(State, person.state_id)
    assert state is not None
    inst = session.get(Institution, person.institution_id) if person.institution_id else None
    roles = {(r.role, r.institution_id) for r in
             session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id))}
    view = PageView(person=person, state=state, institution=inst, today=today,
                    roles=sorted({r for r, _ in roles}))
    principal = acting_for(session=session, person=person)
    # A deputy also owes the sign-offs of the minister they act for.
    deputy_roles = set() if principal is None else {
        (r.role, r.institution_id) for r in session.exec(select(RoleAssignment).where(
            RoleAssignment.person_id == principal.id, RoleAssignment.role == "minister"))}
    if not roles and not deputy_roles:
        return view
    member_of = set(session.exec(select(CycleMember.cycle_id).where(CycleMember.person_id == person.id)))
    # A cycle the person was taken off owes them nothing, whatever roles they hold.
    left = set(session.exec(select(CycleDeparture.cycle_id).where(CycleDeparture.person_id == person.id)))
    cycles = {c.id: c for c in session.exec(select(Cycle).where(Cycle.state_id == state.id,
                                                                  Cycle.status == "active"))
              if (not c.confidential or c.id in member_of) and c.id not in left}
    if not cycles:
        return view
    # Owed by one of the person's roles, for their institution (exactly as _owes, narrowed in SQL).
    owned = []
    for role, inst_id in sorted(roles | deputy_roles, key=str):
        if role in NMRF_WIDE_ROLES or inst_id is None:
            owned.append(Milestone.owner_role == role)
        else:
            owned.append(and_(Milestone.owner_role == role, or_(Milestone.institution_id.is_(None),  # type: ignore[union-attr]
                                                                Milestone.institution_id == inst_id)))
    ms = list(session.exec(select(Milestone).where(Milestone.cycle_id.in_(list(cycles)),  # type: ignore[attr-defined]
                                                   or_(*owned), Milestone.completion == "person",
                                                   Milestone.kind == "deadline")))
    mine = [m for m in ms if (_owes(roles, m) or (_owes(deputy_roles, m) and _action(m) == "signoff"))
            and (not m.confidential or m.cycle_id in member_of)]
    if not mine:
        return view
    # What each item holds up: the open milestones of its cycle that wait for it (only the columns needed:
    # the page is served on every open of a link).
    by_cycle: dict[int, list[tuple[int, str, list, list]]] = {}
    for row in session.exec(select(Milestone.id, Milestone.cycle_id, Milestone.title, Milestone.depends_on,
                                   Milestone.waits_for)
                            .where(Milestone.cycle_id.in_({m.cycle_id for m in mine}),  # type: ignore[attr-defined]
                                   Milestone.status.in_(("planned", "open")))):  # type: ignore[attr-defined]
        by_cycle.setdefault(row[1], []).append((row[0], row[2], row[3] or [], row[4] or []))
    inst_ids = {m.institution_id for m in mine if m.institution_id}
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.id.in_(inst_ids)))}  # type: ignore[union-attr]
    requests: dict[tuple[int, int], int] = {}
    for rid, cid, iid in session.exec(select(InputRequest.id, InputRequest.cycle_id, InputRequest.institution_id)
                                      .where(InputRequest.cycle_id.in_(list(cycles)),  # type: ignore[attr-defined]
                                             InputRequest.institution_id.in_(inst_ids))  # type: ignore[attr-defined]
                                      .order_by(InputRequest.id)):
        requests[(cid, iid)] = rid  # type: ignore[assignment]
    cutoff = today - RECENT
    promises = latest_promises(session=session, milestones=mine)
    drafts = dict(session.exec(select(StageNotice.milestone_id, StageNotice.file_name).where(
        StageNotice.milestone_id.in_([m.id for m in mine]), StageNotice.kind != "request",  # type: ignore[attr-defined]
        StageNotice.sha256.is_not(None))).all())  # type: ignore[union-attr]
    for m in mine:
        done = done_of(session=session, milestone=m)
        if done is not None and done.at.date() < cutoff:
            continue
        waiting = tuple(title for oid, title, depends, waits in by_cycle.get(m.cycle_id, ())
                        if oid != m.id and (m.template_key in depends or m.template_key in waits))
        late = days_late(m.due_date, today) if m.status in ("planned", "open") else 0
        i = insts.get(m.institution_id) if m.institution_id else None
        view.owed.append(Owed(
            milestone_id=m.id, cycle_id=m.cycle_id, cycle_title=cycles[m.cycle_id].title, key=m.key,  # type: ignore[arg-type]
            title=m.title, institution=i.name if i else None, due=m.due_date, official=m.official_date is not None,
            status=m.status, days_late=late, holds_up=waiting, action=_action(m),
            request_id=requests.get((m.cycle_id, m.institution_id)) if m.institution_id else None,  # type: ignore[arg-type]
            done=done, template=cycles[m.cycle_id].template, mechanism=cycles[m.cycle_id].mechanism,
            reference=cycles[m.cycle_id].reference, institution_names=dict(i.names or {}) if i else None,
            promised_by=promises[m.id][0] if m.id in promises else None,
            promised_by_whom=promises[m.id][1] if m.id in promises else "",
            on_behalf_of=principal.name if principal is not None and not _owes(roles, m) else None,
            draft_file=drafts.get(m.id)))
    view.owed.sort(key=lambda o: (o.done is not None, o.due or date.max, o.key))
    return view


# ---------------------------------------------------------------- acts

def owed_milestone(*, session: Session, person: Person, milestone_id: int, today: date,
                   lock: bool = False) -> Milestone:
    """A milestone the person owes (the page acts only on those).

    `lock` takes the milestone's row for this transaction (PostgreSQL's FOR UPDATE;
    SQLite's writers are already serialised by BEGIN IMMEDIATE), so of two uploads
    at once for the same input one records and the other then finds it handed in.
    """
    q = select(Milestone).where(Milestone.id == milestone_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    m = session.exec(q).first()
    view_ids = {o.milestone_id for o in page_view(session=session, person=person, today=today).owed}
    if m is None or m.id not in view_ids:
        raise NmrfError("this item is not yours to act on")
    return m


def acting_for(*, session: Session, person: Person) -> Person | None:
    """The minister a deputy acts for (the profile's `acts_for`), when they are still active."""
    if not person.acts_for:
        return None
    return session.exec(select(Person).where(Person.state_id == person.state_id, Person.key == person.acts_for,
                                             Person.active == True)).first()  # noqa: E712


def sign_off(*, session: Session, person: Person, milestone: Milestone, now: datetime, note: str = "") -> Record:
    """The minister's sign-off, made on their page by the minister, or by their deputy on their behalf (the
    record keeps both: the deputy recorded it, the act is the minister's)."""
    if _action(milestone) != "signoff":
        raise NmrfError("this item is not a sign-off")
    cycle = session.get(Cycle, milestone.cycle_id)
    assert cycle is not None
    own = {(r.role, r.institution_id) for r in
           session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id))}
    principal = None if _owes(own, milestone) else acting_for(session=session, person=person)
    if principal is None:
        return record_action(session=session, cycle=cycle, key=milestone.key, kind="done", now=now,
                             actor=f"{person.key} (page)", by=person.key, note=note,
                             data={"via": "page", "recorded_by": person.key, "confirmed": True})
    return record_action(session=session, cycle=cycle, key=milestone.key, kind="done", now=now,
                         actor=f"{person.key} (page)", by=principal.key, note=note,
                         data={"via": "page", "recorded_by": person.key, "on_behalf_of": principal.key,
                               "deputy": person.name, "confirmed": True})


def request_workbook(*, session: Session, person: Person, milestone: Milestone, now: datetime) -> tuple[str, bytes]:
    """(file name, bytes) of the institution's information-request workbook for this input.

    The same request again reuses its token (services.inputs), so downloading
    twice gives the same workbook and either copy can be returned.
    """
    from nmrf.services.inputs import request_workbooks

    if _action(milestone) != "input":
        raise NmrfError.said(N_("This item is not an input."))
    cycle = session.get(Cycle, milestone.cycle_id)
    state = session.get(State, person.state_id)
    inst = session.get(Institution, milestone.institution_id) if milestone.institution_id else None
    assert cycle is not None and state is not None and inst is not None
    try:
        got = request_workbooks(session=session, state=state, cycle=cycle, out_dir=None, now=now,
                                actor=f"{person.key} (page)", institutions=[inst.key])
    except NmrfError:
        got = None
    if got is None or not got.sent:
        # Said to the reader, not to the secretariat: no command to run.
        raise NmrfError(f"there is no workbook for {inst.name} in this report yet: {state.secretariat} has not "
                        "asked it about any recommendation. Write to them if you expected one.")
    return got.sent[0].name, got.sent[0].data


def sent_draft(*, session: Session, milestone: Milestone) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of the draft sent with this item's opening message, exactly as sent."""
    from nmrf.models import MessageFile

    notice = session.get(StageNotice, milestone.id)
    if notice is None or notice.kind == "request" or notice.sha256 is None:
        raise NmrfError(N_("No draft was sent with this item."))
    content = session.get(MessageFile, notice.sha256)
    assert content is not None
    return notice.file_name or "draft", notice.media_type or "application/octet-stream", content.content


def hand_in_workbook(*, session: Session, person: Person, milestone: Milestone, data: bytes, file_name: str,
                     now: datetime):  # type: ignore[no-untyped-def]
    """Import a returned workbook exactly as `nmrf inputs import` does, for this item's institution only."""
    from nmrf.services.inputs import import_workbook

    if _action(milestone) != "input":
        raise NmrfError.said(N_("This item is not an input."))
    state = session.get(State, person.state_id)
    assert state is not None
    if milestone.is_closed:
        done = done_of(session=session, milestone=milestone)
        if done is None:
            raise AlreadyClosed.said(N_("Already handed in."))
        raise AlreadyClosed.said(N_("Already handed in: recorded on %(when)s UTC by %(who)s."),
                                 when=f"{done.at:%Y-%m-%d %H:%M}", who=done.recorded_by)
    got = import_workbook(session=session, state=state, data=data, file_name=file_name, now=now,
                          actor=f"{person.key} (page)")
    if got.cycle.id != milestone.cycle_id or got.institution.id != milestone.institution_id:
        raise NmrfError.said(N_("%(file)s: this workbook is %(institution)s's for cycle #%(cycle)s, not the one "
                                "asked of you here."), file=file_name, institution=got.institution.name,
                             cycle=got.cycle.id)
    if got.milestone_done:
        # Say on the record that it came through the page, and who handed it in.
        rec = session.exec(select(Record).where(Record.milestone_id == milestone.id, Record.kind == "done")
                           .order_by(Record.id.desc())).first()  # type: ignore[union-attr]
        if rec is not None:
            rec.data = {**(rec.data or {}), "via": "page", "recorded_by": person.key}
            rec.person_id = person.id
        # Her own act, handed in by her: the milestone names her, as a record --by would.
        milestone.completed_by_id, milestone.completed_actor = person.id, person.name
        session.flush()
    return got


def calendar_link(*, session: Session, person: Person, now: datetime) -> str:
    """A new private calendar link for the person (their feed), shown once on the page.

    The feed link's secret is stored hashed, so the page cannot show the one they
    may already hold: asking again retires the previous link (subscribe again).
    """
    from nmrf.calendars.links import Subject, active_link, issue_link, rotate

    subject = Subject(scope="person", holder=person)
    existing = active_link(session=session, subject=subject)
    actor = f"{person.key} (page)"
    if existing is not None:
        _, token = rotate(session=session, link=existing, now=now, actor=actor)
    else:
        _, token = issue_link(session=session, subject=subject, now=now, actor=actor)
    return token
