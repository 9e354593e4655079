"""The console's people and institutions: who holds which role, their addresses (masked), their links, the
roles nobody holds, and the acts on a person's feed and personal-page links (issue, rotate, revoke).

A new link is never shown in the console: it goes to its holder through the outbox (the message body is the
only place its secret is written). Every act runs under the signed-in person's key, so the audit history
names who issued, rotated or revoked a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError, Problem
from nmrf.models import Address, FeedLink, Institution, PageLink, Person, RoleAssignment, State
from nmrf.profile import CONTRIBUTING_KINDS
from nmrf.services.people import NMRF_WIDE_ROLES

LINK_KINDS = ("feed", "page")
LINK_ACTIONS = ("issue", "rotate", "revoke")


@dataclass
class PersonRow:
    """One person as the console's people page shows them; never a secret."""

    person: Person
    institution: Institution | None
    roles: list[tuple[str, Institution | None]] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (label, the URL with secrets masked)
    feed: FeedLink | None = None  # the active link to their own feed
    page: PageLink | None = None  # the active link to their personal page


def masked(url: str) -> str:
    """An address as the console may show it: passwords and tokens masked (apprise's privacy view)."""
    from nmrf.notifications.addresses import redact

    try:
        return redact(url)
    except Exception:  # noqa: BLE001 - an address apprise cannot read still shows, by its scheme only
        return url.split("://", 1)[0] + "://(hidden)"


def people_view(*, session: Session, state: State) -> list[PersonRow]:
    """Every active person of the State with roles, masked addresses and active links, by institution and name."""
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    people = list(session.exec(select(Person).where(Person.state_id == state.id, Person.active)
                               .order_by(Person.name)))
    rows = {p.id: PersonRow(person=p, institution=insts.get(p.institution_id)) for p in people}
    ids = list(rows)
    for r in session.exec(select(RoleAssignment).where(RoleAssignment.person_id.in_(ids))  # type: ignore[attr-defined]
                          .order_by(RoleAssignment.id)):
        rows[r.person_id].roles.append((r.role, None if r.role in NMRF_WIDE_ROLES else insts.get(r.institution_id)))
    for a in session.exec(select(Address).where(Address.person_id.in_(ids), Address.active)  # type: ignore[attr-defined]
                          .order_by(Address.id)):
        rows[a.person_id].addresses.append((a.label, masked(a.url)))
    for f in session.exec(select(FeedLink).where(FeedLink.state_id == state.id, FeedLink.scope == "person",
                                                 FeedLink.revoked_at.is_(None))):  # type: ignore[union-attr]
        if f.person_id in rows:
            rows[f.person_id].feed = f
    for p in session.exec(select(PageLink).where(PageLink.state_id == state.id,
                                                 PageLink.revoked_at.is_(None))):  # type: ignore[union-attr]
        if p.person_id in rows:
            rows[p.person_id].page = p
    return sorted(rows.values(), key=lambda r: ((r.institution.name if r.institution else ""), r.person.name))


def unheld_roles(*, session: Session, state: State) -> list[tuple[Institution | None, str]]:
    """The roles nobody active holds: the secretariat's (NMRF-wide), a focal point for each contributing
    institution, a contact for each NHRI. (institution or None for NMRF-wide, role)."""
    held: set[tuple[str, int | None]] = set()
    for role, inst_id in session.exec(select(RoleAssignment.role, RoleAssignment.institution_id)
                                      .join(Person, Person.id == RoleAssignment.person_id)  # type: ignore[arg-type]
                                      .where(Person.state_id == state.id, Person.active)):
        held.add((role, None if role in NMRF_WIDE_ROLES else inst_id))
    missing: list[tuple[Institution | None, str]] = [
        (None, role) for role in ("secretariat", "head_of_secretariat") if (role, None) not in held]
    for inst in session.exec(select(Institution).where(Institution.state_id == state.id, Institution.active)
                             .order_by(Institution.name)):
        if inst.kind in CONTRIBUTING_KINDS and ("focal_point", inst.id) not in held:
            missing.append((inst, "focal_point"))
        if inst.kind == "nhri" and ("nhri_contact", None) not in held:
            missing.append((inst, "nhri_contact"))
    return missing


def link_problems(*, kind: str, action: str, reason: str) -> list[Problem]:
    problems = []
    if kind not in LINK_KINDS or action not in LINK_ACTIONS:
        problems.append(Problem(N_("Choose what to do with which link."), field="link-action"))
    if action == "revoke" and not reason.strip():
        problems.append(Problem(N_("Say why the link is revoked (kept in the history)."), field="link-reason"))
    return problems


def change_link(*, session: Session, state: State, person_key: str, kind: str, action: str, reason: str,
                now: datetime, actor: str, public_url: str) -> int | None:
    """Issue, rotate or revoke a person's feed or personal-page link; a new link is written to them in the
    outbox (the message's id is returned, to send at once). Raises NmrfError with the reason nothing changed."""
    from nmrf.calendars.links import Subject, active_link, feed_urls, issue_link, revoke, rotate
    from nmrf.notifications.page_links import write_feed_link_message, write_page_link_message
    from nmrf.services.pages import issue_page_link, page_url, revoke_page_link, rotate_page_link
    from nmrf.services.people import get_person

    problems = link_problems(kind=kind, action=action, reason=reason)
    if problems:
        raise NmrfError(problems)
    person = get_person(session=session, state=state, key=person_key)
    if kind == "page":
        if action == "revoke":
            revoke_page_link(session=session, person=person, now=now, actor=actor, reason=reason.strip())
            return None
        made = (issue_page_link if action == "issue" else rotate_page_link)(session=session, person=person,
                                                                           now=now, actor=actor)
        link, token = made
        return write_page_link_message(session=session, person=person, link_id=link.id,  # type: ignore[arg-type]
                                       url=page_url(public_url, token), now=now)
    subject = Subject(scope="person", holder=person)
    current = active_link(session=session, subject=subject)
    if action == "revoke":
        if current is None:
            raise NmrfError(f"{person.key} has no active feed link; nothing changed")
        revoke(session=session, link=current, now=now, actor=actor, reason=reason.strip())
        return None
    if action == "rotate" and current is None:
        raise NmrfError(f"{person.key} has no active feed link to rotate; nothing changed")
    feed, token = (issue_link(session=session, subject=subject, now=now, actor=actor) if action == "issue"
                   else rotate(session=session, link=current, now=now, actor=actor))  # type: ignore[arg-type]
    return write_feed_link_message(session=session, person=person, link_id=feed.id,  # type: ignore[arg-type]
                                   url=feed_urls(public_url, token)[1], now=now)
