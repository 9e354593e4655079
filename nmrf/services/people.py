"""Who is who: the State, its people and who owes a milestone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, select

from nmrf.domain.dates import WorkCalendar, national_calendar
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError
from nmrf.models import Institution, Milestone, Person, RoleAssignment, State

# Roles held for the whole NMRF rather than for one institution.
NMRF_WIDE_ROLES = ("secretariat", "head_of_secretariat", "nhri_contact", "cso_contact", "observer")


def get_state(*, session: Session, code: str | None = None) -> State:
    """The State named by code, or the only one in the database."""
    states = list(session.exec(select(State).order_by(State.code)))
    if not states:
        raise NmrfError.said(N_("no NMRF profile loaded yet: run %(command)s first"),
                             command="`nmrf init --profile state.yaml`")
    if code is None:
        if len(states) > 1:
            raise NmrfError.said(N_("several States in this database (%(codes)s): pass --state"),
                                 codes=", ".join(s.code for s in states))
        return states[0]
    for s in states:
        if s.code == code.upper():
            return s
    raise NmrfError.said(N_("unknown State %(code)s; this database holds %(codes)s"), code=repr(code),
                         codes=", ".join(s.code for s in states))


def work_calendar(state: State) -> WorkCalendar:
    return national_calendar(state.holidays_country, state.holidays_subdiv,
                             extra=[date.fromisoformat(d) for d in state.extra_holidays])


def get_person(*, session: Session, state: State, key: str) -> Person:
    person = session.exec(select(Person).where(Person.state_id == state.id, Person.key == key)).first()
    if person is None:
        raise NmrfError.said(N_("unknown person %(key)s (use the key from the profile, e.g. %(example)s)"),
                             key=repr(key), example="`ana-rojas`")
    if not person.active:
        raise NmrfError.said(N_("person %(key)s is no longer active in the profile"), key=repr(key))
    return person


def get_institution(*, session: Session, state: State, key: str) -> Institution:
    inst = session.exec(select(Institution).where(Institution.state_id == state.id, Institution.key == key)).first()
    if inst is None:
        known = session.exec(select(Institution.key).where(Institution.state_id == state.id)).all()
        raise NmrfError.said(N_("unknown institution %(key)s; known: %(known)s"), key=repr(key),
                             known=", ".join(sorted(known)))
    return inst


def holders(*, session: Session, state_id: int, role: str, institution_id: int | None = None) -> list[Person]:
    """Active people holding a role (for one institution when the role is per institution)."""
    q = (select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
         .where(Person.state_id == state_id, Person.active, RoleAssignment.role == role))
    if institution_id is not None and role not in NMRF_WIDE_ROLES:
        q = q.where(RoleAssignment.institution_id == institution_id)
    return list(session.exec(q.order_by(Person.key)).unique())


def owners(*, session: Session, state_id: int, milestone: Milestone) -> list[Person]:
    if milestone.owner_role is None:
        return []
    return holders(session=session, state_id=state_id, role=milestone.owner_role,
                   institution_id=milestone.institution_id)


def roles_of(*, session: Session, person: Person) -> list[RoleAssignment]:
    return list(session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id)))


# A role that also covers another: the head of the secretariat can do what its staff do.
COVERS = {"head_of_secretariat": {"secretariat"}}


def holds(*, session: Session, person: Person, role: str, institution_id: int | None) -> bool:
    for r in roles_of(session=session, person=person):
        if role in COVERS.get(r.role, ()):
            return True
        if r.role == role and (role in NMRF_WIDE_ROLES or institution_id is None or r.institution_id == institution_id):
            return True
    return False


def people_by_id(*, session: Session, ids: Iterable[int]) -> dict[int, Person]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Person).where(Person.id.in_(ids)))}  # type: ignore[union-attr,misc]
