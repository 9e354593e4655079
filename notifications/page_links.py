"""The message that gives a person their page link, through the outbox like every other message.

One message per link issued (keyed by the link's id): a sweep or a second call
never sends it twice. Its words speak to the reader in their language and name
no command: the page is where they act. The link is a secret: it is in the
message body only, never in the outbox's status notes or the logs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, true
from sqlmodel import Session

from nmrf.domain.i18n import N_, translator
from nmrf.models import Address, Delivery, Notification, Person, State
from nmrf.models.db import dialect_insert
from nmrf.notifications.store import idempotency_key

N, D = Notification.__table__, Delivery.__table__

# Translators: the subject of the message that gives a person the link to their personal page.
SUBJECT = N_("Your page for the human-rights reports of %(state)s")
# Translators: the message that gives a person the link to their personal page; %(url)s is the link.
BODY = N_("Hello %(name)s,\n\n%(secretariat)s prepares the human-rights reports of %(state)s. Your personal page "
          "shows what you owe and by when; there you hand in your input, sign off and get your calendar "
          "link:\n\n%(url)s\n\nThis link is yours alone: do not forward it. If it stops working, write to "
          "%(secretariat)s.")


def compose_page_link(*, language: str, fallback: str | None = None, name: str, state: str, secretariat: str,
                      url: str) -> tuple[str, str]:
    """(subject, body) in the reader's language (the State's, then English, otherwise). Pure."""
    t = translator(language, fallback=fallback)
    values = {"name": name, "state": state, "secretariat": secretariat, "url": url}
    return t.gettext(SUBJECT) % values, t.gettext(BODY) % values


def write_page_link_message(*, session: Session, person: Person, link_id: int, url: str, now: datetime) -> int | None:
    """Write the message and one delivery per active address; the message's id (None if already written)."""
    state = session.get(State, person.state_id)
    assert state is not None
    subject, body = compose_page_link(language=person.language, fallback=state.language, name=person.name,
                                      state=state.name,
                                      secretariat=state.secretariat, url=url)
    key = f"page-link:{link_id}:p{person.id}"
    got = session.execute(dialect_insert(session, N).values(
        state_id=person.state_id, dedup_key=key, kind="page_link", step="page-link", person_id=person.id,
        language=person.language, subject=subject, body=body, data={"kind": "page_link", "link": link_id},
        urgent=False, through_quiet_hours=True,  # sent now, by hand, by the secretariat
        status="pending", status_note="", created_at=now, not_before=now,
    ).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(N.c.id)).first()
    if got is None:
        return None
    AD = Address.__table__
    addresses = session.execute(select(AD.c.id, AD.c.label).where(
        AD.c.person_id == person.id, AD.c.active == true()).order_by(AD.c.id)).all()
    if not addresses:
        session.execute(N.update().where(N.c.id == got.id).values(
            status="failed", status_note="the recipient has no active address"))
    for a in addresses:
        session.execute(dialect_insert(session, D).values(
            notification_id=got.id, address_id=a.id, label=a.label,
            idempotency_key=idempotency_key(state.code, key, a.label), status="pending", attempts=0,
            next_attempt_at=now, created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["notification_id", "address_id"]))
    return got.id
