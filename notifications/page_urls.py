"""Links to a person's page in the messages they receive: signed, expiring, and dead once the person's page
link is revoked or rotated (the signature names that link)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from nmrf.models import Person

PAGE_LINK_DAYS = 45  # a message's link to the page; the person's own page link does not expire


def page_generations(*, session: Session, person_ids: set[int], now: datetime) -> dict[int, int]:
    """person id -> the id of their active page link, issuing one (whose secret nobody sees) where missing.

    A message carries a signed link naming that id: revoking or rotating the person's link (`nmrf people
    revoke`/`rotate`) makes every link in their messages answer 404 at once, like the secret link itself.
    """
    import hashlib
    import secrets

    from nmrf.models import PageLink

    if not person_ids:
        return {}
    P = PageLink.__table__
    out: dict[int, int] = {}
    for link_id, person_id in session.execute(select(P.c.id, P.c.person_id).where(
            P.c.person_id.in_(sorted(person_ids)), P.c.revoked_at.is_(None)).order_by(P.c.id)):
        out[person_id] = link_id
    missing = sorted(person_ids - set(out))
    if missing:
        states = dict(session.execute(select(Person.__table__.c.id, Person.__table__.c.state_id)
                                      .where(Person.__table__.c.id.in_(missing))).all())
        for person_id in missing:
            digest = hashlib.sha256(secrets.token_urlsafe(32).encode("ascii")).hexdigest()
            link = PageLink(state_id=states[person_id], person_id=person_id, token_hash=digest, created_at=now,
                            created_by="nmrf (messages)", updated_at=now)  # services.pages.MESSAGES_ACTOR
            session.add(link)
            session.flush()
            out[person_id] = link.id  # type: ignore[assignment]
    return out


def page_url(public_url: str, key: bytes, *, person_id: int, link_id: int, now: datetime) -> str:
    """A signed, expiring link to the person's page, for one message."""
    from datetime import UTC, timedelta

    from nmrf.notifications.tokens import make_token

    expires = max(now, datetime.now(UTC)) + timedelta(days=PAGE_LINK_DAYS)
    token = make_token(key, purpose="page", data={"u": person_id, "l": link_id}, expires_at=expires)
    return f"{public_url.rstrip('/')}/p/{token}"
