"""What the console and its API read and do: the day's view, cycles, recommendations, outbox, history.

Keyword-only functions on a session, with `today`/`now` passed in; the routes
only call these and render. Every act takes the actor (the signed-in person's
key), so the audit history names who did it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from nmrf.domain.i18n import N_
from nmrf.domain.progress import days_late
from nmrf.errors import NmrfError, Problem
from nmrf.models import (
    Acknowledgement,
    AuditEntry,
    Cycle,
    CycleDeparture,
    CycleInstitution,
    Delivery,
    DeliveryAttempt,
    Institution,
    Milestone,
    Notification,
    Person,
    Record,
    Recommendation,
    RoleAssignment,
    State,
)
from nmrf.services.cycle_changes import cancel_milestones
from nmrf.services.cycles import milestones_of, set_official_date
from nmrf.services.people import NMRF_WIDE_ROLES

OPEN = ("planned", "open")
POSITIONS = ("supported", "noted", "partially_supported")


# ---------------------------------------------------------------- the day

@dataclass(frozen=True)
class Filters:
    cycle: int | None = None
    mechanism: str | None = None
    institution: str | None = None  # institution key
    person: str | None = None  # person key: what they owe

    def as_query(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class Item:
    """One deadline on the day's view."""

    milestone_id: int
    cycle_id: int
    cycle_title: str
    mechanism: str
    key: str
    title: str
    due: date | None
    official: bool
    institution: str | None
    owners: list[str]
    days_late: int
    holds_up: list[str]
    level: str | None = None  # the last reminder or escalation step reached
    last_message: str | None = None  # its subject
    last_message_at: datetime | None = None
    delivery: str | None = None  # sent | pending | failed ...
    acknowledged_by: str | None = None
    promised_by: date | None = None


@dataclass
class Today:
    today: date
    due_this_week: list[Item] = field(default_factory=list)
    late: list[Item] = field(default_factory=list)
    next_obligations: list[Any] = field(default_factory=list)  # (Obligation, Cycle | None)
    failed: list[dict[str, Any]] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)


def _holders(session: Session, state_id: int) -> dict[tuple[str, int | None], list[str]]:
    out: dict[tuple[str, int | None], list[str]] = {}
    for role, inst_id, name in session.exec(
            select(RoleAssignment.role, RoleAssignment.institution_id, Person.name)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(Person.state_id == state_id, Person.active).order_by(Person.name)):
        out.setdefault((role, inst_id), []).append(name)
        out.setdefault((role, None), []).append(name)
    return out


def departed_names(session: Session, cycle_ids) -> dict[int, set[str]]:  # type: ignore[no-untyped-def]
    """cycle id -> the names of the people taken off it (the roles they still hold own nothing of it)."""
    ids = list(cycle_ids)
    q = select(CycleDeparture.cycle_id, Person.name).join(Person, Person.id == CycleDeparture.person_id)
    if len(ids) <= 900:  # else all of them (a small table), rather than an IN past SQLite's limit
        q = q.where(CycleDeparture.cycle_id.in_(ids or [-1]))  # type: ignore[attr-defined]
    out: dict[int, set[str]] = {}
    for cycle_id, name in session.exec(q):
        out.setdefault(cycle_id, set()).add(name)
    return out


def owners_of(m: Milestone, holders: dict, gone: dict[int, set[str]] | None = None) -> list[str]:
    """Who owns `m` by role (names), less those taken off its cycle (`gone`, by cycle id)."""
    if not m.owner_role:
        return []
    if m.owner_role in NMRF_WIDE_ROLES or m.institution_id is None:
        names = holders.get((m.owner_role, None), [])
    else:
        names = holders.get((m.owner_role, m.institution_id), [])
    left = (gone or {}).get(m.cycle_id, set())
    return [n for n in dict.fromkeys(names) if n not in left]


def today_view(*, session: Session, state: State, today: date, filters: Filters = Filters(),
               inventory: bool = True) -> Today:
    """What is due this week and everything late across every active cycle, with who and what follows."""
    view = Today(today=today)
    cycles = {c.id: c for c in session.exec(select(Cycle).where(Cycle.state_id == state.id, Cycle.status == "active")
                                           .order_by(Cycle.id))}
    view.cycles = list(cycles.values())
    view.mechanisms = sorted({c.mechanism for c in cycles.values()})
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id)
                                          .order_by(Institution.name))}
    view.institutions = [i for i in insts.values() if i.active]
    view.people = list(session.exec(select(Person).where(Person.state_id == state.id, Person.active)
                                    .order_by(Person.name)))
    wanted = [cid for cid, c in cycles.items()
              if (filters.cycle is None or cid == filters.cycle)
              and (not filters.mechanism or c.mechanism == filters.mechanism)]
    if not wanted:
        return view
    # Only the cycles' own rows (its index), the rest filtered here: with a date or status condition in the
    # query, SQLite walks the due_date index across every State (11 ms a page on the 193-State world).
    horizon = today + timedelta(days=7)
    inst_id = None
    if filters.institution:
        inst = next((i for i in insts.values() if i.key == filters.institution), None)
        inst_id = inst.id if inst else -1
    ms = sorted((m for m in session.exec(select(Milestone).where(Milestone.cycle_id.in_(wanted)))  # type: ignore[attr-defined]
                 if m.status in OPEN and m.kind == "deadline" and m.due_date is not None and m.due_date <= horizon
                 and (inst_id is None or m.institution_id == inst_id)),
                key=lambda m: (m.due_date, m.id))
    holders = _holders(session, state.id)  # type: ignore[arg-type]
    gone = departed_names(session, {m.cycle_id for m in ms})
    if filters.person:
        person = next((p for p in view.people if p.key == filters.person), None)
        names = {person.name} if person else set()
        ms = [m for m in ms if names & set(owners_of(m, holders, gone))]
    waiting: dict[int, list[tuple[int, str, list, list]]] = {}
    for oid, cid, title, depends, waits in session.exec(
            select(Milestone.id, Milestone.cycle_id, Milestone.title, Milestone.depends_on, Milestone.waits_for)
            .where(Milestone.cycle_id.in_({m.cycle_id for m in ms} or {-1}), Milestone.status.in_(OPEN))):  # type: ignore[attr-defined]
        waiting.setdefault(cid, []).append((oid, title, depends or [], waits or []))
    ids = [m.id for m in ms]
    last: dict[int, tuple] = {}
    if ids:
        for row in session.exec(select(Notification.milestone_id, Notification.step, Notification.subject,
                                       Notification.created_at, Notification.status)
                                .where(Notification.milestone_id.in_(ids))  # type: ignore[union-attr]
                                .order_by(Notification.created_at, Notification.id)):
            last[row[0]] = row  # the newest wins
    acks: dict[int, Acknowledgement] = {}
    if ids:
        for a in session.exec(select(Acknowledgement).where(Acknowledgement.milestone_id.in_(ids))  # type: ignore[attr-defined]
                              .order_by(Acknowledgement.at)):
            acks[a.milestone_id] = a
    for m in ms:
        c = cycles[m.cycle_id]
        i = insts.get(m.institution_id) if m.institution_id else None
        late = days_late(m.due_date, today) if m.completion == "person" else 0
        item = Item(milestone_id=m.id, cycle_id=c.id, cycle_title=c.title, mechanism=c.mechanism, key=m.key,  # type: ignore[arg-type]
                    title=m.title, due=m.due_date, official=m.official_date is not None,
                    institution=i.name if i else None, owners=owners_of(m, holders, gone), days_late=late,
                    holds_up=[t for oid, t, d, w in waiting.get(m.cycle_id, ())
                              if oid != m.id and (m.template_key in d or m.template_key in w)])
        if m.id in last:
            _, step, subject, at, status = last[m.id]
            item.level, item.last_message, item.last_message_at, item.delivery = step, subject, at, status
        if m.id in acks:
            item.acknowledged_by, item.promised_by = acks[m.id].actor, acks[m.id].promised_by
        if late > 0 and m.track:
            view.late.append(item)
        elif m.due_date and m.due_date >= today:
            view.due_this_week.append(item)
    view.late.sort(key=lambda x: (-x.days_late, x.cycle_id, x.key))
    if inventory and not (filters.cycle or filters.institution or filters.person):
        from nmrf.services.inventory import state_inventory

        view.next_obligations = [(o, c) for o, c in state_inventory(session=session, state=state, today=today,
                                                                       years=2)
                                 if c is None and o.due is not None and (not filters.mechanism
                                                                         or o.mechanism == filters.mechanism)][:10]
    view.failed = failed_deliveries(session=session, state=state, limit=20)
    return view


def failed_deliveries(*, session: Session, state: State, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.exec(select(Delivery.id, Notification.id, Notification.subject, Person.name, Delivery.label,
                               Delivery.attempts, Delivery.last_error, Delivery.updated_at)
                        .join(Notification, Notification.id == Delivery.notification_id)
                        .join(Person, Person.id == Notification.person_id)
                        .where(Notification.state_id == state.id, Delivery.status == "failed")
                        .order_by(Delivery.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
    return [dict(delivery=r[0], notification=r[1], subject=r[2], person=r[3], label=r[4], attempts=r[5],
                 error=r[6] or "", at=r[7]) for r in rows]


# ---------------------------------------------------------------- cycles

def cycles_list(*, session: Session, state: State, today: date) -> list[dict[str, Any]]:
    out = []
    counts: dict[int, tuple[int, int]] = {}
    for cid, open_n, late_n in session.exec(
            select(Milestone.cycle_id, func.count(),
                   func.sum(case((and_(Milestone.due_date < today, Milestone.track,  # type: ignore[operator]
                                       Milestone.completion == "person"), 1), else_=0)))
            .join(Cycle, Cycle.id == Milestone.cycle_id)
            .where(Cycle.state_id == state.id, Milestone.status.in_(OPEN))  # type: ignore[attr-defined]
            .group_by(Milestone.cycle_id)):
        counts[cid] = (open_n, late_n or 0)
    for c in session.exec(select(Cycle).where(Cycle.state_id == state.id).order_by(Cycle.id)):
        open_n, late_n = counts.get(c.id, (0, 0))  # type: ignore[arg-type]
        out.append(dict(cycle=c, open=open_n, late=late_n))
    return out


@dataclass
class CyclePage:
    cycle: Cycle
    milestones: list[Milestone]
    owners: dict[int, list[str]]
    institutions: dict[int, Institution]
    records: list[tuple[Record, str | None]]
    messages: list[dict[str, Any]]
    participating: list[Institution]
    today: date

    def late(self, m: Milestone) -> int:
        if m.status not in OPEN or m.completion != "person" or not m.track:
            return 0
        return days_late(m.due_date, self.today)


def cycle_page(*, session: Session, state: State, cycle_id: int, today: date) -> CyclePage:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or cycle.state_id != state.id:
        raise NmrfError(f"no cycle {cycle_id}")
    ms = milestones_of(session=session, cycle=cycle)
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    holders = _holders(session, state.id)  # type: ignore[arg-type]
    names = {p.id: p.name for p in session.exec(select(Person).where(Person.state_id == state.id))}
    records = [(r, names.get(r.person_id) if r.person_id else None) for r in session.exec(
        select(Record).where(Record.cycle_id == cycle.id).order_by(Record.at.desc()).limit(100))]  # type: ignore[attr-defined]
    ids = [m.id for m in ms]
    messages = [dict(id=r[0], subject=r[1], person=names.get(r[2], "?"), at=r[3], status=r[4], step=r[5])
                for r in session.exec(select(Notification.id, Notification.subject, Notification.person_id,
                                             Notification.created_at, Notification.status, Notification.step)
                                      .where(Notification.milestone_id.in_(ids or [-1]))  # type: ignore[union-attr]
                                      .order_by(Notification.id.desc()).limit(100))]
    part = list(session.exec(select(Institution).join(CycleInstitution, CycleInstitution.institution_id
                                                      == Institution.id)
                             .where(CycleInstitution.cycle_id == cycle.id).order_by(Institution.name)))
    gone = departed_names(session, [cycle.id])
    return CyclePage(cycle=cycle, milestones=ms, owners={m.id: owners_of(m, holders, gone) for m in ms},  # type: ignore[misc]
                     institutions=insts, records=records, messages=messages, participating=part, today=today)  # type: ignore[arg-type]


def timeline_svg(page: CyclePage, *, width: int = 900, row: int = 22, title: str = "Timeline") -> str:
    """The cycle's dated milestones on a line, drawn on the server (no script): one row per milestone."""
    from html import escape

    dated = [m for m in page.milestones if m.due_date]
    if not dated:
        return ""
    start = min(min(m.due_date for m in dated), page.today)  # type: ignore[type-var]
    end = max(max(m.due_date for m in dated), page.today)  # type: ignore[type-var]
    span = max((end - start).days, 1)
    left, right = 10, width - 10
    height = row * len(dated) + 40

    def x(d: date) -> float:
        return left + (right - left) * (d - start).days / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="tl-title" class="timeline"><title id="tl-title">{escape(title)}</title>',
             f'<line x1="{x(page.today):.1f}" y1="0" x2="{x(page.today):.1f}" y2="{height - 20}" class="today"/>',
             f'<text x="{x(page.today) + 3:.1f}" y="{height - 6}" class="label">{page.today.isoformat()}</text>']
    for n, m in enumerate(dated):
        y = 16 + n * row
        late = page.late(m)
        cls = "late" if late else ("done" if m.status == "done" else ("off" if m.is_closed else "open"))
        cx = x(m.due_date)  # type: ignore[arg-type]
        shape = (f'<rect x="{cx - 5:.1f}" y="{y - 5}" width="10" height="10" class="{cls}"/>' if late
                 else f'<circle cx="{cx:.1f}" cy="{y}" r="5" class="{cls}"/>')
        anchor = "end" if cx > width / 2 else "start"
        tx = cx - 9 if anchor == "end" else cx + 9
        label = f"{m.due_date.isoformat()} {m.title}" + (f" ({m.key.split(':', 1)[1]})" if ":" in m.key else "")  # type: ignore[union-attr]
        parts.append(f'<g><title>{escape(label)} [{escape(m.status)}]</title>{shape}'
                     f'<text x="{tx:.1f}" y="{y + 4}" text-anchor="{anchor}" class="label">{escape(label)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def preview_official_date(*, session: Session, cycle: Cycle, key: str, day: date, source: str, now: datetime,
                          actor: str) -> list[tuple[str, str, date | None, date | None]]:
    """What would move if the official date were saved: (key, title, before, after), nothing written."""
    before = {m.id: m.due_date for m in milestones_of(session=session, cycle=cycle)}
    nested = session.begin_nested()
    try:
        moved = set_official_date(session=session, cycle=cycle, key=key, day=day, source=source, now=now,
                                  actor=actor)
        out = [(m.key, m.title, before.get(m.id), m.due_date) for m in moved]
    finally:
        nested.rollback()
    # The rolled-back objects are expired: read them again before anyone uses them.
    session.expire_all()
    return out


def cancel_cycle(*, session: Session, cycle: Cycle, reason: str, now: datetime, actor: str,
                 person_id: int | None = None, close: bool = False) -> list[Milestone]:
    """Cancel (or close) a cycle with its reason: its open milestones cancelled (feeds say CANCELLED),
    messages not yet sent cancelled, no reminder after. Returns the milestones cancelled."""
    if not reason.strip():
        raise NmrfError("a reason is needed")
    if cycle.status != "active":
        raise NmrfError(f"cycle {cycle.id} is already {cycle.status}; nothing changed")
    changed = cancel_milestones(session=session, cycle=cycle, milestones=milestones_of(session=session, cycle=cycle),
                                reason=reason, now=now, actor=actor, person_id=person_id,
                                note=f"cycle {'closed' if close else 'cancelled'}")
    cycle.status = "closed" if close else "cancelled"
    cycle.completed_at, cycle.updated_at = now, now
    session.add(Record(cycle_id=cycle.id, milestone_id=None, kind="closed" if close else "cancelled",  # type: ignore[arg-type]
                       person_id=person_id, actor=actor, at=now, note=reason))
    session.flush()
    return changed


# ---------------------------------------------------------------- recommendations

@dataclass
class RecPage:
    rows: list[Recommendation]
    total: int
    page: int
    pages: int
    mechanisms: list[str]
    themes: list[str]


def recommendations_table(*, session: Session, state: State, q: str = "", mechanism: str | None = None,
                          theme: str | None = None, position: str | None = None, cluster: int | None = None,
                          page: int = 1, per_page: int = 50) -> RecPage:
    base = select(Recommendation).where(Recommendation.state_id == state.id)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        base = base.where(or_(func.lower(Recommendation.text).like(like), func.lower(Recommendation.body).like(like),
                              func.lower(Recommendation.document).like(like)))
    if mechanism:
        base = base.where(Recommendation.mechanism == mechanism)
    if position == "none":
        base = base.where(Recommendation.position == "")
    elif position:
        base = base.where(Recommendation.position == position)
    if cluster:
        base = base.where(Recommendation.cluster_id == cluster)
    rows = list(session.exec(base.order_by(Recommendation.id)))
    if theme:  # themes are a JSON list: filtered here, the same on SQLite and PostgreSQL
        rows = [r for r in rows if theme in (r.themes or [])]
    total = len(rows)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    mechanisms = sorted(set(session.exec(select(Recommendation.mechanism).where(
        Recommendation.state_id == state.id).distinct())))
    themes = sorted({t for (ts,) in session.exec(select(Recommendation.themes).where(  # type: ignore[misc]
        Recommendation.state_id == state.id)) for t in (ts or [])}) if False else []
    return RecPage(rows=rows[(page - 1) * per_page: page * per_page], total=total, page=page, pages=pages,
                   mechanisms=mechanisms, themes=themes)


def position_problems(*, position: str, source: str) -> list[Problem]:
    problems = []
    if position not in POSITIONS:
        problems.append(Problem("Choose supported, noted or partially supported.", field="position"))
    if not source.strip():
        problems.append(Problem("Name the document the position comes from (e.g. the addendum, A/HRC/…/Add.1).",
                                field="source"))
    return problems


def record_position(*, session: Session, recommendation: Recommendation, position: str, source: str, now: datetime,
                    actor: str, expected_updated_at: datetime | None = None) -> Recommendation:
    """The State's position on one recommendation, with the document it comes from. A stale form is refused."""
    problems = position_problems(position=position, source=source)
    if problems:
        raise NmrfError("; ".join(p.message for p in problems))
    if expected_updated_at is not None and _stale(recommendation.updated_at, expected_updated_at):
        raise StaleForm(f"recommendation {recommendation.id} changed since the form was opened "
                        f"(position now {recommendation.position or 'none'}, by {recommendation.position_by or '-'})")
    recommendation.position, recommendation.position_source = position, source.strip()[:500]
    recommendation.position_by, recommendation.position_at, recommendation.updated_at = actor, now, now
    session.flush()
    return recommendation


class StaleForm(NmrfError):
    """The record changed since the form was opened."""


def _stale(current: datetime, seen: datetime) -> bool:
    return abs((current - seen).total_seconds()) > 0.000999


def version_of(moment: datetime) -> str:
    return moment.isoformat()


# ---------------------------------------------------------------- outbox and history

def outbox_page(*, session: Session, state: State, status: str | None = None, person: str | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
    q = (select(Notification, Person.name).join(Person, Person.id == Notification.person_id)
         .where(Notification.state_id == state.id))
    if status:
        q = q.where(Notification.status == status)
    if person:
        q = q.where(Person.key == person)
    rows = list(session.exec(q.order_by(Notification.id.desc()).limit(limit)))  # type: ignore[union-attr]
    ids = [n.id for n, _ in rows]
    tries: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for d, a in session.exec(select(Delivery, DeliveryAttempt).outerjoin(
                DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id)
                .where(Delivery.notification_id.in_(ids)).order_by(Delivery.id, DeliveryAttempt.id)):  # type: ignore[attr-defined]
            tries.setdefault(d.notification_id, []).append(dict(
                label=d.label, delivery=d.status,
                at=getattr(a, "finished_at", None) or getattr(a, "started_at", None) if a else None,
                result=getattr(a, "result", None) if a else None, error=getattr(a, "error", None) if a else None))
    return [dict(id=n.id, kind=n.kind, step=n.step, subject=n.subject, person=name, status=n.status,
                 at=n.created_at, note=n.status_note, tries=tries.get(n.id, [])) for n, name in rows]  # type: ignore[arg-type]


TABLE_WORDS = {
    "milestone": N_("a deadline"), "cycle": N_("a cycle"), "record": N_("a record"), "person": N_("a person"),
    "institution": N_("an institution"), "recommendation": N_("a recommendation"), "address": N_("an address"),
    "role_assignment": N_("a role"), "feed_link": N_("a calendar link"), "page_link": N_("a personal page link"),
    "sign_in_link": N_("a sign-in link"), "console_session": N_("a console session"),
    "api_token": N_("an API token"), "acknowledgement": N_("an acknowledgement"),
    "follow_up_action": N_("a follow-up action"),
}


# Why a sign-in through the identity provider was refused (nmrf.services.console_oidc's words).
REFUSED_WORDS = {
    "unknown": N_("nobody in the profile has this identity"),
    "no_role": N_("no console role in the profile"),
    "unverified": N_("the provider has not verified this e-mail address"),
    "no_claim": N_("the provider did not say who it was"),
}


def history_sentences(*, session: Session, state: State, actor: str | None = None, table: str | None = None,
                      limit: int = 100, t: Any = None) -> list[dict[str, Any]]:
    """The audit history as sentences in the reader's language (`t`, a translator; English without it):
    who did what to which, when. Secrets are never shown (the history holds only their digests)."""
    if t is None:
        from nmrf.domain.i18n import translator

        t = translator("en")
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if table:
        q = q.where(AuditEntry.table_name == table)
    people = {p.key: p.name for p in session.exec(select(Person).where(Person.state_id == state.id))}
    out = []
    for e in session.exec(q):
        who = people.get(e.actor, e.actor)
        what = t.gettext(TABLE_WORDS[e.table_name]) if e.table_name in TABLE_WORDS else e.table_name.replace("_", " ")
        if e.op == "refused" and e.changes.get("via") == "oidc":
            sentence = t.gettext("%(who)s tried to sign in with %(provider)s and was refused: %(why)s") % {
                "who": who, "provider": e.changes.get("provider", "?"),
                "why": t.gettext(REFUSED_WORDS.get(e.changes.get("why", ""), N_("refused")))}
        elif e.op == "refused":
            sentence = t.gettext("%(who)s tried to %(act)s without the role (refused)") % {
                "who": who, "act": e.changes.get("act", "act")}
        elif e.op == "sign_in" and e.changes.get("via") == "oidc":
            sentence = t.gettext("%(who)s signed in to the console with %(provider)s") % {
                "who": who, "provider": e.changes.get("provider", "?")}
        elif e.op == "sign_in":
            sentence = t.gettext("%(who)s signed in to the console with a link sent by e-mail") % {"who": who}
        elif e.op == "insert":
            sentence = t.gettext("%(who)s created %(what)s (#%(id)s)") % {"who": who, "what": what, "id": e.row_id}
            sentence += _said(e.changes, ("title", "name", "kind", "key"))
        elif e.op == "delete":
            sentence = t.gettext("%(who)s deleted %(what)s (#%(id)s)") % {"who": who, "what": what, "id": e.row_id}
        else:
            changes = [t.gettext("%(field)s from %(before)s to %(after)s") % {
                "field": k.replace("_", " "), "before": _v(b, t), "after": _v(a, t)}
                for k, (b, a) in e.changes.items() if k not in ("updated_at", "sequence")]
            sentence = t.gettext("%(who)s changed %(what)s (#%(id)s): %(changes)s") % {
                "who": who, "what": what, "id": e.row_id, "changes": "; ".join(changes[:5]) or "-"}
        out.append(dict(at=e.at, actor=who, table=e.table_name, sentence=sentence))
    return out


def _v(value: Any, t: Any) -> str:
    if value is None or value == "":
        return t.gettext("nothing")
    text = str(value)
    return t.gettext("(hidden)") if text.startswith("redacted:") else text[:80]


def _said(changes: dict, keys: tuple[str, ...]) -> str:
    for k in keys:
        if k in changes and changes[k][1]:
            return f": {str(changes[k][1])[:80]}"
    return ""


# ---------------------------------------------------------------- launching from the inventory

def launchable(*, session: Session, state: State, today: date, years: int = 5) -> list[dict[str, Any]]:
    """The inventory's lines that a cycle can answer and none does yet, with the official dates a launch
    needs (prefilled from what the inventory knows, and what it rests on)."""
    from nmrf.domain.planning import missing_anchors
    from nmrf.domain.rules import load_catalogue
    from nmrf.services.inventory import state_inventory

    catalogue = load_catalogue()
    out = []
    for o, cycle in state_inventory(session=session, state=state, today=today, years=years):
        if cycle is not None or not o.template or o.due is None:
            continue
        try:
            tpl = catalogue.template(o.template)
        except KeyError:
            continue
        anchors = missing_anchors(tpl, {})
        known = {k: v for k, v in (o.anchors or {}).items() if k in anchors}
        if not known and len(anchors) == 1:
            known = {anchors[0]: o.due}
        out.append({"mechanism": o.mechanism, "template": o.template, "title": o.title, "due": o.due,
                    "basis": o.basis, "source": o.source, "anchors": anchors, "known": known})
    return out
