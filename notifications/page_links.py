"""The message that gives a person their page link, through the outbox like every other message.

One message per link issued (keyed by the link's id): a sweep or a second call
never sends it twice. Its words speak to the reader in their language and name
no command: the page is where they act. The link is a secret: it is in the
message body only, never in the outbox's status notes or the logs.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from nmrf.domain.i18n import N_, translator
from nmrf.models import Person, State
from nmrf.notifications.direct import write_direct


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
    return write_direct(
        session=session, state_id=person.state_id, state_code=state.code, person_id=person.id,  # type: ignore[arg-type]
        language=person.language, dedup_key=f"page-link:{link_id}:p{person.id}", kind="page_link",
        step="page-link", subject=subject, body=body, data={"kind": "page_link", "link": link_id},
        urgent=False, through_quiet_hours=True,  # sent now, by hand, by the secretariat
        now=now)
