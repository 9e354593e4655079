"""Read what a feed shows from the database: keyword-only functions, no writes.

Each feed is gathered with a handful of queries on the State's own rows (its
institutions, its role holders, its cycles, the milestones and meetings in the
window), then filtered and written by the pure modules (audience, text, build).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, func, or_
from sqlmodel import Session, select

from nmrf.calendars.audience import INSTITUTION_ROLES, NMRF_WIDE_ROLES, Audience, may_see_cycle, sees_meeting, sees_milestone
from nmrf.calendars.build import FeedSpec, Window
from nmrf.calendars.items import CycleFacts, FeedItem, MeetingFacts, MilestoneFacts, SeriesFacts, StateFacts, Who
from nmrf.calendars.series import recurrence_of
from nmrf.calendars.text import meeting_item, milestone_item, series_items
from nmrf.domain import wording
from nmrf.domain.i18n import Translator, translator
from nmrf.domain.recurrence import local_start, occurrences
from nmrf.domain.clock import today_in
from nmrf.models import (
    Acknowledgement,
    Cycle,
    CycleDeparture,
    CycleInstitution,
    CycleMember,
    FeedLink,
    Institution,
    Meeting,
    MeetingSeries,
    Milestone,
    Person,
    RoleAssignment,
    State,
)

# A day either side of the window: the exact window is applied by the pure builder
# in the reader's zone; the query only keeps the rows small.
SLACK = timedelta(days=2)


@dataclass(frozen=True)
class Feed:
    spec: FeedSpec
    items: list[FeedItem]


@dataclass(frozen=True)
class StateView:
    """The State's institutions, role holders and cycles: what every feed's text needs.

    Plain data (no ORM rows), so that a server may keep it between requests while
    nothing changed: the people of one State share it.
    """

    state_id: int
    facts: StateFacts
    institutions: dict[int, Who]
    holders: dict[tuple[str, int | None], list[Who]]
    cycles: dict[int, CycleFacts]

    def owners(self, role: str | None, institution_id: int | None) -> tuple[Who, ...]:
        if role is None:
            return ()
        key = (role, None) if role in NMRF_WIDE_ROLES or institution_id is None else (role, institution_id)
        return tuple(self.holders.get(key, ()))

    def institution_names(self, ids: Iterable[int]) -> tuple[str, ...]:
        return tuple(sorted(self.institutions[i].name for i in ids if i in self.institutions))


def state_view(*, session: Session, state: State, views: dict[int, StateView] | None = None) -> StateView:
    """The State's view, from `views` when the caller keeps them (keyed by State id)."""
    if views is not None and state.id in views:
        return views[state.id]
    view = _state_view(session, state)
    if views is not None:
        views[state.id] = view
    return view


def _state_view(session: Session, state: State) -> StateView:
    several = (session.exec(select(func.count()).select_from(State)).one()) > 1
    facts = StateFacts(code=state.code, name=state.name, secretariat=state.secretariat,
                       timezone=state.timezone, several_states=several, language=state.language,
                       names=dict(state.names or {}))
    institutions = {i.id: Who(i.key, i.name, tuple(sorted((i.names or {}).items()))) for i in
                    session.exec(select(Institution).where(Institution.state_id == state.id))}
    holders: dict[tuple[str, int | None], list[Who]] = {}
    rows = session.exec(select(RoleAssignment.role, RoleAssignment.institution_id, Person.key, Person.name)
                        .join(Person, Person.id == RoleAssignment.person_id)
                        .where(Person.state_id == state.id, Person.active).order_by(Person.key))
    for role, inst_id, key, name in rows:
        who = Who(key=key, name=name)
        holders.setdefault((role, None), []).append(who)
        if role not in NMRF_WIDE_ROLES:
            holders.setdefault((role, inst_id), []).append(who)
    participants: dict[int, set[int]] = {}
    for cycle_id, inst_id in session.exec(
            select(CycleInstitution.cycle_id, CycleInstitution.institution_id)
            .join(Cycle, Cycle.id == CycleInstitution.cycle_id).where(Cycle.state_id == state.id)):
        participants.setdefault(cycle_id, set()).add(inst_id)
    departed: dict[int, set[str]] = {}
    for cycle_id, key in session.exec(select(CycleDeparture.cycle_id, Person.key)
                                      .join(Person, Person.id == CycleDeparture.person_id)
                                      .where(Person.state_id == state.id)):
        departed.setdefault(cycle_id, set()).add(key)
    cycles = {}
    for c in session.exec(select(Cycle).where(Cycle.state_id == state.id)):
        mech = (c.rules_snapshot or {}).get("mechanism", {})
        cycles[c.id] = CycleFacts(id=c.id, key=c.key, title=c.title, mechanism=c.mechanism,
                                  template=c.template, reference=c.reference,
                                  mechanism_name=mech.get("name", c.mechanism), confidential=c.confidential,
                                  participants=frozenset(participants.get(c.id, ())),
                                  departed=frozenset(departed.get(c.id, ())))
    return StateView(state_id=state.id, facts=facts, institutions=institutions, holders=holders, cycles=cycles)


def _date_range(now: datetime, window: Window, timezone: str):  # type: ignore[no-untyped-def]
    first, last = window.bounds(today_in(timezone, now))
    return first - SLACK, last + SLACK


def _milestone_facts(view: StateView, m: Milestone) -> MilestoneFacts:
    cycle = view.cycles[m.cycle_id]
    inst = view.institutions.get(m.institution_id) if m.institution_id else None
    attending: tuple[str, ...] = ()
    if m.audience_roles and any(r in INSTITUTION_ROLES for r in m.audience_roles):
        attending = view.institution_names(cycle.participants)
    return MilestoneFacts(
        id=m.id, cycle=cycle, key=m.key, template_key=m.template_key, stage=m.stage, title=m.title,
        description=m.description, kind=m.kind, side=m.side, owner_role=m.owner_role,
        institution_id=m.institution_id, institution=inst,
        completion=m.completion, status=m.status, due_date=m.due_date, official_date=m.official_date,
        official_source=m.official_source, starts_at=m.starts_at, ends_at=m.ends_at, timezone=m.timezone,
        location=m.location, audience_roles=tuple(m.audience_roles), word_limit=m.word_limit, source=m.source,
        verified=m.verified, sequence=m.sequence, created_at=m.created_at, updated_at=m.updated_at,
        completed_at=m.completed_at, completed_actor=m.completed_actor,
        owners=tuple(w for w in view.owners(m.owner_role, m.institution_id) if w.key not in cycle.departed),
        attending_institutions=attending,
    )


def _meeting_facts(view: StateView, meeting: Meeting) -> MeetingFacts:
    cycle = view.cycles.get(meeting.cycle_id) if meeting.cycle_id else None
    if meeting.institutions:
        by_key = {i.key: i.name for i in view.institutions.values()}
        attending = tuple(sorted(by_key.get(k, k) for k in meeting.institutions))
    elif cycle is not None:
        attending = view.institution_names(cycle.participants)
    else:
        attending = ()
    return MeetingFacts(
        id=meeting.id, key=meeting.key, kind=meeting.kind, title=meeting.title, description=meeting.description,
        starts_at=meeting.starts_at, ends_at=meeting.ends_at, timezone=meeting.timezone, location=meeting.location,
        attendee_roles=tuple(meeting.attendee_roles), institution_keys=tuple(meeting.institutions),
        status=meeting.status, note=meeting.note, sequence=meeting.sequence, created_at=meeting.created_at,
        updated_at=meeting.updated_at, cycle=cycle, attending_institutions=attending,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _promises(session: Session, open_items: list[MilestoneFacts]) -> dict[int, tuple[date, str, datetime]]:
    """Milestone id -> (promised date, who) of the latest acknowledgement promising a date for the current
    deadline: an event shows the promise wherever the item is shown (one query for the whole feed)."""
    if not open_items:
        return {}
    due = {f.id: f.due_date for f in open_items}
    out: dict[int, tuple[date, str, datetime]] = {}
    A = Acknowledgement.__table__
    for mid, day, promised, actor, at in session.execute(
            select(A.c.milestone_id, A.c.due_date, A.c.promised_by, A.c.actor, A.c.at)
            .where(A.c.milestone_id.in_(list(due)), A.c.promised_by.is_not(None)).order_by(A.c.at, A.c.id)):
        if day == due[mid]:
            out[mid] = (promised, actor, _aware(at))
    return out


def _gather(session: Session, view: StateView, audience: Audience, *, now: datetime, window: Window,
            timezone: str, viewer: str | None, cycle_id: int | None = None, narrow: bool = False,
            t: Translator | None = None, outside: bool = False) -> list[FeedItem]:
    lo, hi = _date_range(now, window, timezone)
    visible = [c.id for c in view.cycles.values()
               if (cycle_id is None or c.id == cycle_id)
               and may_see_cycle(audience, c.id, c.confidential)]
    items: list[FeedItem] = []
    if visible:
        q = select(Milestone).where(Milestone.cycle_id.in_(visible),  # type: ignore[attr-defined]
                                    Milestone.due_date >= lo, Milestone.due_date <= hi)  # type: ignore[operator]
        if narrow:
            # Only what the reader might owe or attend: owned by one of its roles or
            # its institution, or with one of its roles in the audience (checked exactly below).
            roles = sorted({role for role, _ in audience.roles})
            audience_text = cast(Milestone.audience_roles, String)
            conditions = []
            for role, inst in sorted(audience.roles, key=str):
                if role in NMRF_WIDE_ROLES or inst is None:
                    conditions.append(Milestone.owner_role == role)
                else:
                    conditions.append(and_(Milestone.owner_role == role,
                                           or_(Milestone.institution_id.is_(None),  # type: ignore[union-attr]
                                               Milestone.institution_id == inst)))
            # The JSON list as text holds the role in quotes (SQLite and PostgreSQL alike).
            conditions += [audience_text.like(f'%"{role}"%') for role in roles]
            if audience.institution_id is not None:
                conditions.append(Milestone.institution_id == audience.institution_id)
            q = q.where(or_(*conditions)) if conditions else None
        seen = []
        for m in session.exec(q) if q is not None else ():
            facts = _milestone_facts(view, m)
            if sees_milestone(audience, facts):
                seen.append(facts)
        promises = _promises(session, [f for f in seen if f.status in ("planned", "open")])
        for facts in seen:
            if facts.id in promises:
                # The promise changes the event's text: its last change is the promise's (If-Modified-Since).
                promised, whom, at = promises[facts.id]
                facts = replace(facts, promised_by=promised, promised_by_whom=whom,
                                updated_at=max(_aware(facts.updated_at), at))
            items.append(milestone_item(facts, view.facts, viewer=viewer, t=t, outside=outside))
    mq = select(Meeting).where(Meeting.state_id == view.state_id,
                               Meeting.starts_at >= datetime.combine(lo, datetime.min.time(), tzinfo=ZoneInfo("UTC")),
                               Meeting.starts_at <= datetime.combine(hi, datetime.max.time(), tzinfo=ZoneInfo("UTC")))
    if cycle_id is not None:
        mq = mq.where(Meeting.cycle_id == cycle_id)
    keys = {inst_id: who.key for inst_id, who in view.institutions.items()}
    for meeting in session.exec(mq):
        facts = _meeting_facts(view, meeting)
        if sees_meeting(audience, facts, keys):
            items.append(meeting_item(facts, view.facts, t=t))
    if cycle_id is None:
        for series in session.exec(select(MeetingSeries).where(MeetingSeries.state_id == view.state_id)):
            sfacts = _series_facts(session, view, series, lo, hi)
            as_meeting = MeetingFacts(
                id=series.id, key=series.key, kind=series.kind, title=series.title, description="",
                starts_at=sfacts.first_start, ends_at=sfacts.first_end, timezone=series.timezone,
                location=None, attendee_roles=sfacts.attendee_roles, institution_keys=sfacts.institution_keys,
                status=series.status, note="", sequence=0, created_at=series.created_at,
                updated_at=series.updated_at)
            if sees_meeting(audience, as_meeting, keys):
                items += series_items(sfacts, view.facts, t=t)
    return items


def _series_facts(session: Session, view: StateView, series: MeetingSeries, lo: date, hi: date) -> SeriesFacts:
    rec = recurrence_of(session=session, series=series)
    zone = ZoneInfo(series.timezone)
    by_key = {i.key: i.name for i in view.institutions.values()}
    attending = tuple(sorted(by_key.get(k, k) for k in series.institutions))
    rule = rec.rrule()
    if rule is not None:
        first_start = local_start(rec, rec.first_date)
        occ: tuple = ()
        last_day = rec.until
    else:
        occ = tuple(occurrences(rec, first=lo, last=hi))
        first_start = occ[0][1].astimezone(zone) if occ else local_start(rec, rec.first_date)
        last_day = None
    return SeriesFacts(
        id=series.id, key=series.key, kind=series.kind, title=series.title, description=series.description,
        timezone=series.timezone, location=series.location, attendee_roles=tuple(series.attendee_roles),
        institution_keys=tuple(series.institutions), status=series.status, note=series.note,
        sequence=series.sequence, created_at=series.created_at, updated_at=series.updated_at,
        first_start=first_start, first_end=first_start + timedelta(minutes=series.minutes),
        rrule=tuple(rule.items()) if rule is not None else None,
        exdates=tuple(local_start(rec, d) for d in sorted(rec.exdates)), last_day=last_day,
        occurrences=occ, frequency=series.frequency, attending_institutions=attending)


def person_audience(*, session: Session, person: Person) -> Audience:
    roles = frozenset((r.role, r.institution_id) for r in
                      session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id)))
    member_of = frozenset(session.exec(select(CycleMember.cycle_id).where(CycleMember.person_id == person.id)))
    left = frozenset(session.exec(select(CycleDeparture.cycle_id).where(CycleDeparture.person_id == person.id)))
    return Audience(roles=roles, member_of=member_of, left=left)


def institution_audience(*, session: Session, view: StateView, institution: Institution) -> Audience:
    # The institution's own roles, and the NMRF-wide roles its people hold there
    # (the NHRI's contact makes the NHRI's feed carry the NHRI's comments).
    roles = {(r, institution.id) for r in INSTITUTION_ROLES}
    for role, inst_id in session.exec(
            select(RoleAssignment.role, RoleAssignment.institution_id)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(RoleAssignment.institution_id == institution.id, Person.active)):
        roles.add((role, inst_id))
    return Audience(roles=frozenset(roles), institution_id=institution.id)


def _state_names(state: State, t: Translator) -> tuple[str, str]:
    names = state.names or {}
    return (wording.name(t, names.get("name"), state.name), wording.name(t, names.get("secretariat"),
                                                                         state.secretariat))


def person_feed(*, session: Session, person: Person, now: datetime, window: Window = Window(),
                views: dict[int, StateView] | None = None) -> Feed:
    state = session.get(State, person.state_id)
    view = state_view(session=session, state=state, views=views)
    audience = person_audience(session=session, person=person)
    t = translator(person.language, fallback=state.language)
    # Outside the secretariat a person acts from their page, not from a command line.
    outside = not any(role in ("secretariat", "head_of_secretariat") for role, _ in audience.roles)
    items = _gather(session, view, audience, now=now, window=window, timezone=person.timezone,
                    viewer=person.key, narrow=True, t=t, outside=outside)
    state_name, secretariat = _state_names(state, t)
    spec = FeedSpec(name=t.gettext("NMRF: %(name)s") % {"name": person.name},
                    description=t.gettext("What %(person)s owes, signs and attends in the human-rights reporting "
                                          "of %(state)s (%(secretariat)s).")
                    % {"person": person.name, "state": state_name, "secretariat": secretariat},
                    timezone=person.timezone)
    return Feed(spec, items)


def institution_feed(*, session: Session, institution: Institution, now: datetime,
                     window: Window = Window(), views: dict[int, StateView] | None = None) -> Feed:
    state = session.get(State, institution.state_id)
    view = state_view(session=session, state=state, views=views)
    audience = institution_audience(session=session, view=view, institution=institution)
    # A shared feed speaks the institution's working language (the State's by default).
    t = translator(institution.language or state.language, fallback=state.language)
    items = _gather(session, view, audience, now=now, window=window, timezone=state.timezone, viewer=None,
                    narrow=True, t=t, outside=institution.kind != "secretariat")
    state_name, _ = _state_names(state, t)
    name = wording.name(t, institution.names, institution.name)
    spec = FeedSpec(name=t.gettext("NMRF: %(name)s") % {"name": name},
                    description=t.gettext("Deadlines and meetings of %(institution)s in the human-rights reporting "
                                          "of %(state)s. Confidential cycles are not shown in shared feeds.")
                    % {"institution": name, "state": state_name},
                    timezone=state.timezone)
    return Feed(spec, items)


def cycle_feed(*, session: Session, cycle: Cycle, now: datetime, window: Window = Window(),
               views: dict[int, StateView] | None = None) -> Feed:
    """Every milestone and meeting of one cycle (a confidential one only through a member's link)."""
    state = session.get(State, cycle.state_id)
    view = state_view(session=session, state=state, views=views)
    audience = Audience(everything=True, member_of=frozenset({cycle.id}))
    t = translator(state.language)
    items = _gather(session, view, audience, now=now, window=window, timezone=state.timezone, viewer=None,
                    cycle_id=cycle.id, t=t)
    title = wording.cycle_title(t, stored=cycle.title, template=cycle.template, mechanism=cycle.mechanism,
                                reference=cycle.reference, state_name=state.name, state_names=state.names)
    spec = FeedSpec(name=t.gettext("NMRF: %(name)s") % {"name": title},
                    description=t.gettext("Every deadline and meeting of %(cycle)s.") % {"cycle": title},
                    timezone=state.timezone)
    return Feed(spec, items)


def secretariat_feed(*, session: Session, state: State, now: datetime, window: Window = Window(),
                     views: dict[int, StateView] | None = None) -> Feed:
    view = state_view(session=session, state=state, views=views)
    t = translator(state.language)
    items = _gather(session, view, Audience(everything=True), now=now, window=window,
                    timezone=state.timezone, viewer=None, t=t)
    state_name, secretariat = _state_names(state, t)
    spec = FeedSpec(name=t.gettext("NMRF: %(state)s, all reporting") % {"state": state_name},
                    description=t.gettext("The whole calendar of the %(secretariat)s: every cycle's deadlines and "
                                          "meetings. Confidential cycles are shown only to the people assigned to "
                                          "them.") % {"secretariat": secretariat},
                    timezone=state.timezone)
    return Feed(spec, items)


def feed_for_link(*, session: Session, link: FeedLink, now: datetime, window: Window = Window(),
                  views: dict[int, StateView] | None = None) -> Feed | None:
    """The feed a link serves, or None when it must not serve (revoked, or its subject gone).

    `views` keeps each State's view between calls; the caller empties it when anything changed."""
    if link.revoked_at is not None:
        return None
    holder = session.get(Person, link.holder_id) if link.holder_id else None
    if link.holder_id is not None and (holder is None or not holder.active):
        return None
    if link.scope == "person":
        person = session.get(Person, link.person_id) if link.person_id else None
        if person is None or not person.active:
            return None
        return person_feed(session=session, person=person, now=now, window=window, views=views)
    if link.scope == "institution":
        inst = session.get(Institution, link.institution_id) if link.institution_id else None
        if inst is None or not inst.active:
            return None
        return institution_feed(session=session, institution=inst, now=now, window=window, views=views)
    if link.scope == "cycle":
        cycle = session.get(Cycle, link.cycle_id) if link.cycle_id else None
        if cycle is None:
            return None
        if cycle.confidential:
            # A confidential cycle's feed works only while its holder is assigned to it.
            member = session.exec(select(CycleMember.id).where(CycleMember.cycle_id == cycle.id,
                                                               CycleMember.person_id == link.holder_id)).first()
            if holder is None or member is None:
                return None
        return cycle_feed(session=session, cycle=cycle, now=now, window=window, views=views)
    if link.scope == "secretariat":
        state = session.get(State, link.state_id)
        return secretariat_feed(session=session, state=state, now=now, window=window, views=views) if state else None
    return None
