"""Private subscription links: a secret token per feed, shown once, stored only as its SHA-256 hash.

A token is 32 random bytes (256 bits) in URL-safe base64, 43 characters. The
server looks a presented token up by its hash and compares the hashes in
constant time; a lookup's timing can only tell an attacker about the hash of a
guess, which says nothing about any valid token. A person rotates their link
(the old one stops working at once: rotation means subscribing again); the
secretariat revokes one. A wrong, revoked or retired link gets the same 404.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from sqlmodel import Session, select

from nmrf.domain.i18n import Translator, translator
from nmrf.errors import NmrfError
from nmrf.models import Cycle, CycleMember, FeedLink, Institution, Person, State

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
FEED_PATH = "/feeds/{token}.ics"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    return len(token) == 43 and TOKEN_PATTERN.fullmatch(token) is not None


@dataclass(frozen=True)
class Subject:
    """What a link shows and to whom it was given."""

    scope: str
    holder: Person
    institution: Institution | None = None
    cycle: Cycle | None = None

    def describe(self, t: Translator | None = None) -> str:
        """Which feed this is, in the translator's language (English without one)."""
        t = t or translator("en")
        if self.scope == "person":
            return t.gettext("the feed of %(holder)s") % {"holder": self.holder.name}
        if self.scope == "institution":
            assert self.institution is not None
            return t.gettext("the feed of %(institution)s, given to %(holder)s") % {
                "institution": self.institution.name, "holder": self.holder.name}
        if self.scope == "cycle":
            assert self.cycle is not None
            return t.gettext("the feed of cycle #%(id)s (%(title)s), given to %(holder)s") % {
                "id": self.cycle.id, "title": self.cycle.title, "holder": self.holder.name}
        return t.gettext("the secretariat's whole calendar, given to %(holder)s") % {"holder": self.holder.name}


def _match(subject: Subject):  # type: ignore[no-untyped-def]
    q = select(FeedLink).where(FeedLink.state_id == subject.holder.state_id, FeedLink.scope == subject.scope,
                               FeedLink.holder_id == subject.holder.id, FeedLink.revoked_at.is_(None))  # type: ignore[union-attr]
    if subject.scope == "person":
        q = q.where(FeedLink.person_id == subject.holder.id)
    elif subject.scope == "institution":
        assert subject.institution is not None
        q = q.where(FeedLink.institution_id == subject.institution.id)
    elif subject.scope == "cycle":
        assert subject.cycle is not None
        q = q.where(FeedLink.cycle_id == subject.cycle.id)
    return q


def active_link(*, session: Session, subject: Subject) -> FeedLink | None:
    return session.exec(_match(subject).order_by(FeedLink.id.desc())).first()  # type: ignore[union-attr]


def _check(session: Session, subject: Subject) -> None:
    if subject.scope == "cycle":
        assert subject.cycle is not None
        if subject.cycle.confidential:
            member = session.exec(select(CycleMember.id).where(CycleMember.cycle_id == subject.cycle.id,
                                                               CycleMember.person_id == subject.holder.id)).first()
            if member is None:
                raise NmrfError(f"cycle #{subject.cycle.id} is confidential: only the people assigned to it "
                                f"may have its feed, and {subject.holder.key} is not (assign with --member at launch)")
    if subject.scope == "institution":
        assert subject.institution is not None
        if not subject.institution.active:
            raise NmrfError(f"institution {subject.institution.key!r} is no longer active")


def issue_link(*, session: Session, subject: Subject, now: datetime, actor: str) -> tuple[FeedLink, str]:
    """A new link; refuses when the same feed already has an active link for the same person."""
    _check(session, subject)
    existing = active_link(session=session, subject=subject)
    if existing is not None:
        raise NmrfError(f"{subject.describe()} already has a link (issued {existing.created_at:%Y-%m-%d}); "
                        "a link is shown only once: `nmrf feeds rotate` issues a new one and retires the old")
    return _create(session, subject, now, actor)


def _create(session: Session, subject: Subject, now: datetime, actor: str) -> tuple[FeedLink, str]:
    token = new_token()
    link = FeedLink(
        state_id=subject.holder.state_id, scope=subject.scope,
        person_id=subject.holder.id if subject.scope == "person" else None,
        institution_id=subject.institution.id if subject.institution else None,
        cycle_id=subject.cycle.id if subject.cycle else None,
        holder_id=subject.holder.id, token_hash=token_hash(token), created_at=now, created_by=actor,
        updated_at=now,
    )
    session.add(link)
    session.flush()
    return link, token


def revoke(*, session: Session, link: FeedLink, now: datetime, actor: str, reason: str) -> None:
    if link.revoked_at is not None:
        raise NmrfError(f"link #{link.id} was already revoked on {link.revoked_at:%Y-%m-%d}; nothing changed")
    link.revoked_at, link.revoked_by, link.revoked_reason, link.updated_at = now, actor, reason, now
    session.flush()


def rotate(*, session: Session, link: FeedLink, now: datetime, actor: str) -> tuple[FeedLink, str]:
    """Retire a link and issue its successor for the same feed and holder."""
    holder = session.get(Person, link.holder_id) if link.holder_id else None
    if holder is None or not holder.active:
        raise NmrfError(f"link #{link.id}'s holder is no longer active; nothing changed")
    subject = Subject(scope=link.scope, holder=holder,
                      institution=session.get(Institution, link.institution_id) if link.institution_id else None,
                      cycle=session.get(Cycle, link.cycle_id) if link.cycle_id else None)
    _check(session, subject)
    revoke(session=session, link=link, now=now, actor=actor, reason="rotated")
    return _create(session, subject, now, actor)


def find_link(*, session: Session, token: str) -> FeedLink | None:
    """The active link a token opens, or None. Malformed tokens never reach the database."""
    if not well_formed(token):
        return None
    digest = token_hash(token)
    link = session.exec(select(FeedLink).where(FeedLink.token_hash == digest)).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest) or link.revoked_at is not None:
        return None
    return link


def links_of(*, session: Session, state: State, holder: Person | None = None,
             include_revoked: bool = False) -> list[FeedLink]:
    q = select(FeedLink).where(FeedLink.state_id == state.id)
    if holder is not None:
        q = q.where(FeedLink.holder_id == holder.id)
    if not include_revoked:
        q = q.where(FeedLink.revoked_at.is_(None))  # type: ignore[union-attr]
    return list(session.exec(q.order_by(FeedLink.id)))


def feed_urls(public_url: str, token: str) -> tuple[str, str]:
    """(webcal://..., https://...) for a token: Apple and Outlook desktop take the first,
    Google and Outlook on the web the second."""
    parts = urlsplit(public_url.rstrip("/"))
    path = parts.path + FEED_PATH.format(token=token)
    web = urlunsplit((parts.scheme or "http", parts.netloc, path, "", ""))
    webcal = urlunsplit(("webcal", parts.netloc, path, "", ""))
    return webcal, web
