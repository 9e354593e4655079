"""Apply a checked profile to the database: create, update, deactivate; never delete people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from nmrf.models import (
    Address,
    Institution,
    NotificationPolicy,
    Person,
    RoleAssignment,
    State,
)
from nmrf.notifications.store import ensure_policy
from nmrf.profile import Profile


@dataclass
class ApplyResult:
    state: State
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


def _assign(obj: object, values: dict, label: str, result: ApplyResult, now: datetime) -> None:
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    if changed:
        if hasattr(obj, "updated_at"):
            obj.updated_at = now  # type: ignore[attr-defined]
        result.updated.append(f"{label} ({', '.join(changed)})")


def apply_profile(*, session: Session, profile: Profile, now: datetime) -> ApplyResult:
    spec = profile.state
    state = session.exec(select(State).where(State.code == spec.code)).first()
    values = dict(
        name=spec.name, secretariat=spec.secretariat, secretariat_contact=spec.secretariat_contact,
        timezone=spec.timezone, language=spec.language,
        holidays_country=spec.holidays.country, holidays_subdiv=spec.holidays.subdiv,
        extra_holidays=[d.isoformat() for d in spec.holidays.extra],
        lead_times={k: v.model_dump(exclude_defaults=True) for k, v in profile.lead_times.items()},
        ratifications={k: v.model_dump() for k, v in profile.ratifications.items()},
        reporting={k: v.model_dump(mode="json", exclude_defaults=True) for k, v in profile.reporting.items()},
        quiet_hours=spec.quiet_hours,
        recommendation_aliases=profile.recommendations.aliases.model_dump(exclude_defaults=True),
        publication=profile.publication.model_dump(exclude_defaults=True),
        budget=({"lines": {b.key: b.name for b in profile.budget.lines},
                 "currencies": list(profile.budget.currencies)} if profile.budget else {}),
        sign_in=profile.console.model_dump(exclude_none=True) if profile.console.openid_connect else {},
        names={k: v for k, v in (("name", dict(spec.names)), ("secretariat", dict(spec.secretariats_by_language)))
               if v},
    )
    if state is None:
        state = State(code=spec.code, created_at=now, updated_at=now, **values)
        session.add(state)
        session.flush()
        result = ApplyResult(state=state, created=[f"state {spec.code}"])
    else:
        result = ApplyResult(state=state)
        _assign(state, values, f"state {spec.code}", result, now)

    institutions = {i.key: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    for ispec in profile.institutions:
        values = dict(name=ispec.name, kind=ispec.kind, contributes_to=list(ispec.contributes_to), active=True,
                      names=dict(ispec.names), language=ispec.language)
        inst = institutions.get(ispec.key)
        if inst is None:
            inst = Institution(state_id=state.id, key=ispec.key, created_at=now, updated_at=now, **values)
            session.add(inst)
            institutions[ispec.key] = inst
            result.created.append(f"institution {ispec.key}")
        else:
            _assign(inst, values, f"institution {ispec.key}", result, now)
    wanted = {i.key for i in profile.institutions}
    for key, inst in institutions.items():
        if key not in wanted and inst.active:
            inst.active, inst.updated_at = False, now
            result.deactivated.append(f"institution {key}")
    session.flush()

    people = {p.key: p for p in session.exec(select(Person).where(Person.state_id == state.id))}
    for pspec in profile.people:
        values = dict(
            name=pspec.name, institution_id=institutions[pspec.institution].id,
            timezone=pspec.timezone or spec.timezone, language=pspec.language or spec.language,
            quiet_hours=pspec.quiet_hours, active=True, title=pspec.title, titles=dict(pspec.titles_by_language),
            acts_for=pspec.acts_for,
        )
        person = people.get(pspec.key)
        if person is None:
            person = Person(state_id=state.id, key=pspec.key, created_at=now, updated_at=now, **values)
            session.add(person)
            session.flush()
            people[pspec.key] = person
            result.created.append(f"person {pspec.key}")
        else:
            _assign(person, values, f"person {pspec.key}", result, now)
        _sync_roles(session, person, [(r, institutions[i].id) for r, i in pspec.role_pairs()], result)
        _sync_addresses(session, person, {a.label: a.url for a in pspec.addresses}, result, now)
    wanted = {p.key for p in profile.people}
    for key, person in people.items():
        if key not in wanted and person.active:
            person.active, person.updated_at = False, now
            result.deactivated.append(f"person {key}")
    session.flush()
    before = session.execute(select(func.max(NotificationPolicy.version))
                             .where(NotificationPolicy.state_id == state.id)).scalar()
    policy = ensure_policy(session=session, state=state, spec=profile.notifications, now=now)
    if before is not None and policy.version != before:
        result.updated.append(f"notification policy (version {policy.version}; running chains keep theirs)")
    return result


def _sync_roles(session: Session, person: Person, pairs: list[tuple[str, int | None]], result: ApplyResult) -> None:
    current = {(r.role, r.institution_id): r for r in
               session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id))}
    for pair in pairs:
        if pair not in current:
            session.add(RoleAssignment(person_id=person.id, role=pair[0], institution_id=pair[1]))
            result.updated.append(f"person {person.key} (role {pair[0]} added)")
    for pair, row in current.items():
        if pair not in pairs:
            # The audit history keeps the removed assignment.
            session.delete(row)
            result.updated.append(f"person {person.key} (role {pair[0]} removed)")


def _sync_addresses(session: Session, person: Person, wanted: dict[str, str], result: ApplyResult, now: datetime) -> None:
    current = {a.label: a for a in session.exec(select(Address).where(Address.person_id == person.id))}
    for label, url in wanted.items():
        addr = current.get(label)
        if addr is None:
            session.add(Address(person_id=person.id, label=label, url=url, created_at=now, updated_at=now))
            result.updated.append(f"person {person.key} (address {label} added)")
        elif addr.url != url or not addr.active:
            addr.url, addr.active, addr.updated_at = url, True, now
            result.updated.append(f"person {person.key} (address {label} changed)")
    for label, addr in current.items():
        if label not in wanted and addr.active:
            addr.active, addr.updated_at = False, now
            result.updated.append(f"person {person.key} (address {label} deactivated)")
