"""The notifications' database work: policy versions, what the decision needs, writing the outbox.

Reads use Core queries (tens of thousands of deadlines in one sweep); writes are
INSERT ... ON CONFLICT DO NOTHING on unique keys, so two sweeps at the same
moment cannot create a message twice. Functions take the caller's session and
never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select, true
from sqlmodel import Session

from nmrf.domain.dates import WorkCalendar, national_calendar
from nmrf.domain import wording
from nmrf.domain.i18n import reader_language, translator
from nmrf.models.db import dialect_insert
from nmrf.models import (
    OPENING_KINDS,
    Acknowledgement,
    Address,
    Cycle,
    CycleDeparture,
    CycleMember,
    Delivery,
    EscalationChain,
    Institution,
    Milestone,
    Notification,
    NotificationPolicy,
    Person,
    Record,
    RoleAssignment,
    State,
)
from nmrf.notifications.compose import AckFacts, ItemFacts, compose_digest, compose_single
from nmrf.notifications.decide import (
    Ack,
    Chain,
    Directory,
    Intent,
    Item,
    Recipient,
    Unresolved,
    decide,
    plan_digests,
)
from nmrf.notifications.messages import window_label
from nmrf.notifications.notes import COVERED, LISTED_IN, NO_ADDRESS
from nmrf.domain.policy import NotificationsSpec, Policy, effective_policy, policy_from_json
from nmrf.domain.clock import today_in
from nmrf.notifications.page_urls import page_generations, page_url
from nmrf.notifications.timing import release_at, release_on_working_day, window_of
from nmrf.notifications.tokens import make_token, signing_key
from nmrf.settings import Settings

M, C, N, D = Milestone.__table__, Cycle.__table__, Notification.__table__, Delivery.__table__
CHUNK = 500


def _chunks(values: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), n):
        yield values[i:i + n]


# ---------------------------------------------------------------- policy versions

def ensure_policy(*, session: Session, state: State, spec: NotificationsSpec | None, now: datetime) -> NotificationPolicy:
    """Store the State's effective policy as a new version when it changed; return the current one."""
    policy = effective_policy(spec)
    latest = session.execute(select(NotificationPolicy).where(NotificationPolicy.state_id == state.id)
                             .order_by(NotificationPolicy.version.desc()).limit(1)).scalars().first()  # type: ignore[attr-defined]
    if latest is not None and latest.digest == policy.digest_hash:
        return latest
    version = (latest.version + 1) if latest else 1
    session.execute(dialect_insert(session, NotificationPolicy.__table__).values(
        state_id=state.id, version=version, digest=policy.digest_hash, body=policy.canonical(), created_at=now,
    ).on_conflict_do_nothing(index_elements=["state_id", "version"]))
    return session.execute(select(NotificationPolicy).where(NotificationPolicy.state_id == state.id)
                           .order_by(NotificationPolicy.version.desc()).limit(1)).scalars().one()  # type: ignore[attr-defined]


_POLICY_CACHE: dict[tuple[int, str], Policy] = {}


def _policy(row_id: int, digest: str, body: dict) -> Policy:
    key = (row_id, digest)
    if key not in _POLICY_CACHE:
        _POLICY_CACHE[key] = policy_from_json(body)
    return _POLICY_CACHE[key]


# ---------------------------------------------------------------- what the decision needs

@dataclass
class StateInfo:
    id: int
    code: str
    name: str
    secretariat: str
    timezone: str
    quiet_hours: str


@dataclass
class DecisionInputs:
    now: datetime
    states: dict[int, StateInfo]
    today: dict[int, date]
    calendars: dict[int, WorkCalendar]
    policies: dict[int, Policy]
    current_policy: dict[int, int]
    items: list[Item]
    chains: dict[int, list[Chain]]
    acks: dict[int, list[Ack]]
    ack_rows: dict[int, dict[str, Any]]
    reopened: dict[int, datetime]
    directory: Directory
    existing: set[str]
    # (milestone, person) -> when a stage's opening message (the request, the draft) was written to them.
    opened: dict[tuple[int, int], datetime] = field(default_factory=dict)

    def told_today(self, intent: Intent) -> bool:
        """Whether the reader got the item's opening message today (their day): it says what a reminder would."""
        at = self.opened.get((intent.item.milestone_id, intent.person_id))
        person = self.directory.people.get(intent.person_id)
        return at is not None and person is not None and today_in(person.timezone, at) == today_in(
            person.timezone, self.now)


def candidate_filter(lo: date, hi: date) -> Any:
    """Open deadlines people owe, due within the window the policies can still act on,
    or acknowledged (a promise can lapse long after the last level)."""
    acked = select(Acknowledgement.__table__.c.milestone_id)
    return and_(C.c.status == "active", M.c.status == "open", M.c.completion == "person", M.c.track == true(),
                M.c.due_date.is_not(None), or_(M.c.due_date.between(lo, hi), M.c.id.in_(acked)))


def candidate_ids(lo: date, hi: date) -> Any:
    return select(M.c.id).select_from(M.join(C, C.c.id == M.c.cycle_id)).where(candidate_filter(lo, hi))


def ensure_policies(*, session: Session, state_ids: Iterable[int], now: datetime) -> None:
    """A State whose profile was loaded before notifications existed gets the default policy."""
    have = set(session.execute(select(NotificationPolicy.__table__.c.state_id).distinct()).scalars())
    for sid in set(state_ids) - have:
        state = session.get(State, sid)
        if state is not None:
            ensure_policy(session=session, state=state, spec=None, now=now)


def load_decision_inputs(*, session: Session, now: datetime, today: date | None = None) -> DecisionInputs:
    ST = State.__table__
    states: dict[int, StateInfo] = {}
    cals: dict[int, WorkCalendar] = {}
    for sid, code, name, secretariat, tz, quiet, country, subdiv, extra in session.execute(
            select(ST.c.id, ST.c.code, ST.c.name, ST.c.secretariat, ST.c.timezone, ST.c.quiet_hours,
                   ST.c.holidays_country, ST.c.holidays_subdiv, ST.c.extra_holidays)):
        states[sid] = StateInfo(sid, code, name, secretariat, tz, quiet)
        cals[sid] = national_calendar(country, subdiv, [date.fromisoformat(d) for d in extra or ()])
    ensure_policies(session=session, state_ids=states, now=now)
    today_of = {sid: today or today_in(s.timezone, now) for sid, s in states.items()}

    P = NotificationPolicy.__table__
    policies: dict[int, Policy] = {}
    current: dict[int, tuple[int, int]] = {}
    unparsed = []
    for pid, sid, version, digest in session.execute(select(P.c.id, P.c.state_id, P.c.version, P.c.digest)):
        if (pid, digest) in _POLICY_CACHE:
            policies[pid] = _POLICY_CACHE[(pid, digest)]
        else:
            unparsed.append(pid)
        if sid not in current or version > current[sid][1]:
            current[sid] = (pid, version)
    for chunk in _chunks(unparsed):  # policy bodies are read once per process
        for pid, digest, body in session.execute(select(P.c.id, P.c.digest, P.c.body).where(P.c.id.in_(chunk))):
            policies[pid] = _policy(pid, digest, body)
    horizon = max((p.horizon_days() for p in policies.values()), default=60)
    lead = max((p.lead_days() for p in policies.values()), default=30)
    lo = min(today_of.values(), default=now.date()) - timedelta(days=horizon)
    hi = max(today_of.values(), default=now.date()) + timedelta(days=lead)

    items = [Item(*row[:8], bool(row[8])) for row in session.execute(
        select(M.c.id, C.c.state_id, M.c.cycle_id, M.c.sequence, M.c.stage, M.c.owner_role,
               M.c.institution_id, M.c.due_date, C.c.confidential)
        .select_from(M.join(C, C.c.id == M.c.cycle_id)).where(candidate_filter(lo, hi)))]
    cand = candidate_ids(lo, hi)

    E = EscalationChain.__table__
    chains: dict[int, list[Chain]] = {}
    for r in session.execute(select(E.c.milestone_id, E.c.sequence, E.c.due_date, E.c.policy_id, E.c.started_at)
                             .where(E.c.milestone_id.in_(cand))):
        chains.setdefault(r.milestone_id, []).append(
            Chain(r.milestone_id, r.sequence, r.due_date, r.policy_id, _aware(r.started_at)))
    A = Acknowledgement.__table__
    acks: dict[int, list[Ack]] = {}
    ack_rows: dict[int, dict[str, Any]] = {}
    for r in session.execute(select(A).where(A.c.milestone_id.in_(cand))):
        acks.setdefault(r.milestone_id, []).append(
            Ack(r.id, r.milestone_id, r.sequence, r.person_id, _aware(r.at), r.promised_by))
        ack_rows[r.id] = dict(r._mapping)
    R = Record.__table__
    reopened = {r.milestone_id: _aware(r.at) for r in session.execute(
        select(R.c.milestone_id, func.max(R.c.at).label("at"))
        .where(R.c.kind == "reopened", R.c.milestone_id.in_(cand)).group_by(R.c.milestone_id))}

    existing = set(session.execute(select(N.c.dedup_key).where(N.c.milestone_id.in_(cand))).scalars())
    opened = {(r.milestone_id, r.person_id): _aware(r.created_at) for r in session.execute(
        select(N.c.milestone_id, N.c.person_id, N.c.created_at).where(
            N.c.kind.in_(OPENING_KINDS), N.c.milestone_id.in_(cand), N.c.created_at >= now - timedelta(days=2)))}
    existing.update(session.execute(select(N.c.dedup_key).where(
        N.c.kind == "digest", N.c.created_at >= now - timedelta(days=9))).scalars())
    return DecisionInputs(now=now, states=states, today=today_of, calendars=cals, policies=policies,
                 current_policy={sid: pid for sid, (pid, _) in current.items()}, items=items, chains=chains,
                 acks=acks, ack_rows=ack_rows, reopened=reopened, directory=load_directory(session=session),
                 existing=existing, opened=opened)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_directory(*, session: Session) -> Directory:
    P, S, AD, RA = Person.__table__, State.__table__, Address.__table__, RoleAssignment.__table__
    addressed = set(session.execute(select(AD.c.person_id).where(AD.c.active == true())).scalars())
    rows = session.execute(select(P.c.id, P.c.state_id, P.c.key, P.c.name, P.c.institution_id, P.c.timezone,
                                  P.c.language, P.c.quiet_hours, S.c.quiet_hours, S.c.language)
                           .select_from(P.join(S, S.c.id == P.c.state_id)).where(P.c.active == true()))
    # Plain tuples: eight thousand people are read on every sweep. A language without a catalog (wo) falls
    # back to the State's before English.
    people = [Recipient(pid, sid, key, name, inst, tz, reader_language(lang, state_lang), quiet or state_quiet,
                        pid in addressed)
              for pid, sid, key, name, inst, tz, lang, quiet, state_quiet, state_lang in rows]
    roles = session.execute(select(RA.c.person_id, RA.c.role, RA.c.institution_id)).all()
    CM = CycleMember.__table__
    members: dict[int, list[int]] = {}
    for cycle_id, person_id in session.execute(select(CM.c.cycle_id, CM.c.person_id).select_from(
            CM.join(C, C.c.id == CM.c.cycle_id)).where(C.c.confidential == true())):
        members.setdefault(cycle_id, []).append(person_id)
    CD = CycleDeparture.__table__
    departed: dict[int, list[int]] = {}
    for cycle_id, person_id in session.execute(select(CD.c.cycle_id, CD.c.person_id).select_from(
            CD.join(C, C.c.id == CD.c.cycle_id)).where(C.c.status == "active")):
        departed.setdefault(cycle_id, []).append(person_id)
    return Directory.build(people, roles, members, departed)


# ---------------------------------------------------------------- planning

@dataclass
class Plan:
    intents: list[Intent]  # new ones, sent on their own
    digests: list[Any]  # DigestPlan
    new_chains: dict[int, tuple[int, int, date, int]]
    unresolved: list[Unresolved]
    decided: int = 0  # every step due, new or not
    # Reminders the item's opening message (sent to the same person the same day) already says: written
    # as cancelled, so that they are not decided again, and never sent.
    covered: list[Intent] = field(default_factory=list)


def plan(world: DecisionInputs) -> Plan:
    decision = decide(world.items, chains=world.chains, acks=world.acks, reopened=world.reopened,
                      policies=world.policies, current_policy=world.current_policy, directory=world.directory,
                      calendars=world.calendars, state_zones={s: i.timezone for s, i in world.states.items()},
                      now=world.now)
    new = [i for i in decision.intents if i.dedup_key not in world.existing]
    # One message per person per item per day: the request (or the draft) that went out today says what a
    # reminder would, with the due date and the page.
    said = [i for i in new if i.kind == "reminder" and world.told_today(i)]
    new = [i for i in new if not (i.kind == "reminder" and world.told_today(i))]
    covered = [i for i in said if not i.early]
    digest_specs = {sid: (world.policies[pid].digest.window, world.policies[pid].digest.min_items)
                    for sid, pid in world.current_policy.items()}
    digests, alone = plan_digests(new, existing_digests=world.existing, people=world.directory.people,
                                  digest_specs=digest_specs, now=world.now)
    used = ({i.item.milestone_id for i in alone} | {i.item.milestone_id for d in digests for i in d.intents}
            | {i.item.milestone_id for i in covered})
    chains = {m: c for m, c in decision.new_chains.items() if m in used}
    return Plan(intents=alone, digests=digests, new_chains=chains, unresolved=decision.unresolved,
                decided=sum(1 for i in decision.intents if not i.early), covered=covered)


# ---------------------------------------------------------------- facts for the words

def load_facts(*, session: Session, world: DecisionInputs, milestone_ids: Iterable[int]) -> dict[int, ItemFacts]:
    ids = sorted(set(milestone_ids))
    if not ids:
        return {}
    I, ST = Institution.__table__, State.__table__
    rows = []
    for chunk in _chunks(ids):
        rows += list(session.execute(
            select(M.c.id, M.c.key, M.c.template_key, M.c.title, M.c.stage, M.c.cycle_id, M.c.institution_id,
                   M.c.owner_role, M.c.due_date, C.c.title.label("cycle_title"), C.c.state_id,
                   C.c.template.label("cycle_template"), C.c.mechanism, C.c.reference,
                   I.c.key.label("inst_key"), I.c.name.label("inst_name"), I.c.names.label("inst_names"),
                   ST.c.name.label("state_name"), ST.c.names.label("state_names"))
            .select_from(M.join(C, C.c.id == M.c.cycle_id).join(ST, ST.c.id == C.c.state_id)
                         .outerjoin(I, I.c.id == M.c.institution_id))
            .where(M.c.id.in_(chunk))))
    cycles = sorted({r.cycle_id for r in rows})
    waiting_on: dict[tuple[int, str], list[Any]] = {}
    for chunk in _chunks(cycles):
        for b in session.execute(select(M.c.cycle_id, M.c.title, M.c.due_date, M.c.depends_on, M.c.waits_for,
                                        M.c.owner_role, M.c.institution_id, M.c.stage, M.c.id, M.c.sequence,
                                        C.c.state_id)
                                 .select_from(M.join(C, C.c.id == M.c.cycle_id))
                                 .where(M.c.cycle_id.in_(chunk), M.c.status.in_(("planned", "open")))
                                 .order_by(M.c.due_date, M.c.id)):
            for tk in set(b.depends_on or []) | set(b.waits_for or []):
                waiting_on.setdefault((b.cycle_id, tk), []).append(b)
    d = world.directory
    out = {}
    for r in rows:
        item = Item(r.id, r.state_id, r.cycle_id, 0, r.stage, r.owner_role, r.institution_id, r.due_date)
        # Who owns it, less anyone taken off the cycle (they are not the one to chase).
        gone = d.departed.get(r.cycle_id, frozenset())
        owners = [d.people[p] for p in d.owners(item) if p in d.people and p not in gone]
        blocked = waiting_on.get((r.cycle_id, r.template_key), [])
        waiting: list[str] = []
        for b in blocked:
            bitem = Item(b.id, b.state_id, b.cycle_id, b.sequence, b.stage, b.owner_role, b.institution_id,
                         b.due_date or r.due_date)
            waiting += [d.people[p].name for p in d.owners(bitem) if p in d.people and p not in gone]
        out[r.id] = ItemFacts(
            milestone_id=r.id, key=r.key, title=r.title, stage=r.stage, cycle_id=r.cycle_id,
            cycle_title=r.cycle_title, institution_key=r.inst_key, institution_name=r.inst_name,
            due_date=r.due_date, owner_names=tuple(p.name for p in owners), owner_keys=tuple(p.key for p in owners),
            blocks=tuple(dict.fromkeys((b.title, b.due_date) for b in blocked)),
            waiting=tuple(dict.fromkeys(waiting)), institution_names=r.inst_names or None,
            cycle_template=r.cycle_template, mechanism=r.mechanism, reference=r.reference,
            state_name=r.state_name, state_names=r.state_names or None)
    return out


def _ack_facts(world: DecisionInputs, intent: Intent, today: date) -> AckFacts | None:
    acks = [a for a in world.acks.get(intent.item.milestone_id, ()) if a.sequence == intent.chain_sequence]
    if intent.ack_id is not None:
        acks = [a for a in acks if a.id == intent.ack_id] or acks
    if not acks:
        return None
    ack = max(acks, key=lambda a: (a.at, a.id))
    state = world.states[intent.item.state_id]
    cal = world.calendars[intent.item.state_id]
    policy = world.policies[intent.policy_id]
    on = today_in(state.timezone, ack.at)
    promised = ack.promised_by or policy.acknowledgement.holds_for.after(cal, on)
    p = world.directory.people.get(ack.person_id) if ack.person_id else None
    row = world.ack_rows.get(ack.id, {})
    return AckFacts(by=p.name if p else str(row.get("actor", "")), on=on, note=str(row.get("note", "")),
                    promised_by=promised, lapsed=today > promised)


# ---------------------------------------------------------------- writing the outbox

@dataclass
class Written:
    notifications: int = 0
    deliveries: int = 0
    digests: int = 0
    digested: int = 0
    chains: int = 0
    held: int = 0  # deliveries held by quiet hours
    no_address: list[str] = field(default_factory=list)


def idempotency_key(state_code: str, dedup_key: str, label: str) -> str:
    return "nmrf-" + hashlib.sha256(f"{state_code}|{dedup_key}|{label}".encode()).hexdigest()[:32]


def message_domain(settings: Settings) -> str:
    host = urlsplit(settings.public_url).hostname or "nmrf.local"
    return host if "." in host and not host.replace(".", "").isdigit() else "nmrf.local"


def ack_url(settings: Settings, key: bytes, world: DecisionInputs, intent: Intent) -> str:
    policy = world.policies[intent.policy_id]
    valid = timedelta(days=policy.acknowledgement.link_valid_for.days or 14)
    expires = max(world.now, datetime.now(UTC)) + valid
    token = make_token(key, purpose="ack", expires_at=expires, data={
        "m": intent.item.milestone_id, "s": intent.chain_sequence, "u": intent.person_id})
    return f"{settings.public_url.rstrip('/')}/ack/{token}"


def compose_plan(*, session: Session, world: DecisionInputs, plan: Plan, settings: Settings) -> list[dict[str, Any]]:
    """Every message of the plan, in words: rows ready for the notification table
    (digests first, each followed by the entries it lists)."""
    facts = load_facts(session=session, world=world,
                       milestone_ids=[i.item.milestone_id for i in plan.intents + plan.covered]
                       + [i.item.milestone_id for d in plan.digests for i in d.intents])
    people = world.directory.people
    # Everyone outside the secretariat acts from their page: their messages link to it instead of
    # naming a command.
    holders = world.directory.holders
    readers = {i.person_id for i in plan.intents + plan.covered} | {d.person_id for d in plan.digests}
    outside = {pid for pid in readers
               if not any(pid in holders.get((people[pid].state_id, role, None), ())
                          for role in ("secretariat", "head_of_secretariat"))}
    key = signing_key(settings) if outside or any(i.kind in ("escalation", "lapse") for i in plan.intents) else b""
    generations = page_generations(session=session, person_ids=outside, now=world.now)

    # The secretariat by function, in each reader's language, with the profile's contact address.
    state_rows = {st.id: st for st in session.execute(select(State.__table__.c.id, State.__table__.c.secretariat,
                                                             State.__table__.c.names,
                                                             State.__table__.c.secretariat_contact))}

    def secretariat_of(person: Recipient) -> tuple[str, str | None] | None:
        st = state_rows.get(person.state_id)
        if st is None or person.id not in outside:
            return None
        t = translator(person.language, fallback=None)
        return wording.name(t, (st.names or {}).get("secretariat"), st.secretariat), st.secretariat_contact

    def page(person_id: int) -> str | None:
        if person_id not in generations:
            return None
        return page_url(settings.public_url, key, person_id=person_id, link_id=generations[person_id],
                        now=world.now)

    rows: list[dict[str, Any]] = []

    for dp in plan.digests:
        person = people[dp.person_id]
        today = today_in(person.timezone, world.now)
        window = world.policies[world.current_policy[person.state_id]].digest.window
        _, start, _ = window_of(today, window)
        entries = [(i, facts[i.item.milestone_id]) for i in dp.intents]
        subject, body, data = compose_digest(dp.dedup_key, entries, person, today,
                                             window_label(window, start, person.language),
                                             page_url=page(person.id), secretariat=secretariat_of(person))
        rows.append({"state_id": person.state_id, "dedup_key": dp.dedup_key, "person_id": person.id,
                     "language": person.language, "created_at": world.now, "status": "pending",
                     "status_note": "", "urgent": False, "through_quiet_hours": False, "kind": "digest", "step": f"digest {dp.window_id}",
                     "subject": subject, "body": body, "data": data, "milestone_id": None,
                     "chain_sequence": None, "due_date": None, "policy_id": None,
                     "not_before": _release(world, person, None),
                     "_entries": [i.dedup_key for i in dp.intents]})
        for intent in dp.intents:
            f = facts[intent.item.milestone_id]
            subject, body, data = compose_single(intent, f, person, today, world.calendars[person.state_id],
                                                 _ack_facts(world, intent, today), None, page_url=page(person.id),
                                                 secretariat=secretariat_of(person))
            rows.append({**_intent_row(intent, person, world), "subject": subject, "body": body, "data": data,
                         "status": "digested", "status_note": LISTED_IN.format(digest=dp.dedup_key),
                         "_digest": dp.dedup_key})
    for intent in plan.intents:
        person = people[intent.person_id]
        today = today_in(person.timezone, world.now)
        url = ack_url(settings, key, world, intent) if intent.kind in ("escalation", "lapse") else None
        subject, body, data = compose_single(intent, facts[intent.item.milestone_id], person, today,
                                             world.calendars[person.state_id], _ack_facts(world, intent, today), url,
                                             page_url=page(person.id), secretariat=secretariat_of(person))
        rows.append({**_intent_row(intent, person, world), "subject": subject, "body": body, "data": data})
    for intent in plan.covered:
        person = people[intent.person_id]
        today = today_in(person.timezone, world.now)
        subject, body, data = compose_single(intent, facts[intent.item.milestone_id], person, today,
                                             world.calendars[person.state_id], _ack_facts(world, intent, today), None,
                                             page_url=page(person.id), secretariat=secretariat_of(person))
        rows.append({**_intent_row(intent, person, world), "subject": subject, "body": body, "data": data,
                     "status": "cancelled", "status_note": COVERED})
    return rows


def _release(world: DecisionInputs, person: Recipient, intent: Intent | None) -> datetime:
    """When delivery may start: now, or the end of the recipient's quiet hours (and, if the
    policy says so, not before the next working day); some levels are let through."""
    if intent is not None and intent.through_quiet_hours:
        return world.now
    policy = world.policies[intent.policy_id if intent else world.current_policy[person.state_id]]
    if policy.delivery.working_days_only:
        return release_on_working_day(world.now, person.timezone, person.quiet_hours,
                                      world.calendars[person.state_id].is_working_day)
    return release_at(world.now, person.timezone, person.quiet_hours)


def _intent_row(intent: Intent, person: Recipient, world: DecisionInputs) -> dict[str, Any]:
    held = _release(world, person, intent)
    return dict(state_id=person.state_id, dedup_key=intent.dedup_key, kind=intent.kind, step=intent.step,
                milestone_id=intent.item.milestone_id, chain_sequence=intent.chain_sequence,
                due_date=intent.item.due_date, policy_id=intent.policy_id, person_id=person.id,
                language=person.language, urgent=intent.urgent, through_quiet_hours=intent.through_quiet_hours,
                status="pending", status_note="",
                created_at=world.now, not_before=held)


def write_outbox(*, session: Session, world: DecisionInputs, plan: Plan, rows: list[dict[str, Any]]) -> Written:
    """Write the chains, the messages and one delivery per active address of each recipient.

    ON CONFLICT DO NOTHING everywhere: what a concurrent sweep already wrote stays as it
    wrote it, and only the rows this sweep inserted get deliveries.
    """
    out = Written()
    if plan.new_chains:
        res = session.execute(dialect_insert(session, EscalationChain.__table__).on_conflict_do_nothing(
            index_elements=["milestone_id", "sequence"]),
            [dict(milestone_id=m, sequence=s, due_date=d, policy_id=p, started_at=world.now)
             for m, s, d, p in plan.new_chains.values()])
        out.chains = max(res.rowcount, 0)
    if not rows:
        return out
    columns = [c.name for c in N.columns if c.name != "id"]
    ins = dialect_insert(session, N).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(N.c.id, N.c.dedup_key)
    digest_rows = [r for r in rows if r["kind"] == "digest"]
    ids: dict[str, int] = {}
    for r in digest_rows:
        got = session.execute(ins.values({c: r.get(c) for c in columns})).first()
        if got is not None:
            ids[got.dedup_key] = got.id
    digest_ids = dict(ids)
    plain = []
    for r in rows:
        if r["kind"] == "digest":
            continue
        r = {c: r.get(c) for c in columns} | {"_digest": r.get("_digest")}
        if r["_digest"] is not None:
            if r["_digest"] in digest_ids:
                r["digest_id"] = digest_ids[r["_digest"]]
            else:  # another sweep made this digest first: the next sweep decides this entry again
                continue
        plain.append(r)
    for chunk in _chunks(plain):
        for got in session.execute(ins, [{c: r[c] for c in columns} for r in chunk]):
            ids[got.dedup_key] = got.id
    created = [r for r in digest_rows + plain if r["dedup_key"] in ids]
    out.notifications = sum(1 for r in created if r["status"] == "pending")
    out.digests = sum(1 for r in created if r["kind"] == "digest")
    out.digested = sum(1 for r in created if r["status"] == "digested")
    # One delivery per active address of each recipient of a message to send.
    to_send = [r for r in created if r["status"] == "pending"]
    person_ids = sorted({r["person_id"] for r in to_send})
    AD = Address.__table__
    addresses: dict[int, list[Any]] = {}
    for chunk in _chunks(person_ids):
        for a in session.execute(select(AD.c.id, AD.c.person_id, AD.c.label).where(
                AD.c.person_id.in_(chunk), AD.c.active == true()).order_by(AD.c.id)):
            addresses.setdefault(a.person_id, []).append(a)
    deliveries = []
    for r in to_send:
        code = world.states[r["state_id"]].code
        addrs = addresses.get(r["person_id"], [])
        if not addrs:
            out.no_address.append(r["dedup_key"])
        if r["not_before"] > world.now:
            out.held += len(addrs)
        for a in addrs:
            deliveries.append(dict(notification_id=ids[r["dedup_key"]], address_id=a.id, label=a.label,
                                   idempotency_key=idempotency_key(code, r["dedup_key"], a.label),
                                   status="pending", attempts=0, next_attempt_at=r["not_before"],
                                   created_at=world.now, updated_at=world.now))
    for chunk in _chunks(deliveries):
        res = session.execute(dialect_insert(session, D).on_conflict_do_nothing(
            index_elements=["notification_id", "address_id"]), list(chunk))
        out.deliveries += max(res.rowcount, 0)
    if out.no_address:
        # A recipient without any address: the message stays visible as failed.
        session.execute(N.update().where(N.c.dedup_key.in_(out.no_address)).values(
            status="failed", status_note=NO_ADDRESS))
    return out
