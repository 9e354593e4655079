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


# Translators: the subject of the message that gives a person a new private link to their calendar (feed).
FEED_SUBJECT = N_("Your calendar of the human-rights reports of %(state)s")
# Translators: the message that gives a person a new private link to their calendar; %(url)s is the link.
FEED_BODY = N_("Hello %(name)s,\n\n%(secretariat)s gives you a new private link to your calendar of deadlines for "
               "the human-rights reports of %(state)s. Add it to your calendar application as a calendar from "
               "a URL:\n\n%(url)s\n\nThis link is yours alone: do not forward it. A link you had before no "
               "longer works.")


def compose_page_link(*, language: str, fallback: str | None = None, name: str, state: str, secretariat: str,
                      url: str, feed: bool = False) -> tuple[str, str]:
    """(subject, body) in the reader's language (the State's, then English, otherwise). Pure."""
    t = translator(language, fallback=fallback)
    values = {"name": name, "state": state, "secretariat": secretariat, "url": url}
    subject, body = (FEED_SUBJECT, FEED_BODY) if feed else (SUBJECT, BODY)
    return t.gettext(subject) % values, t.gettext(body) % values


def write_page_link_message(*, session: Session, person: Person, link_id: int, url: str, now: datetime) -> int | None:
    """Write the message and one delivery per active address; the message's id (None if already written)."""
    return _write(session, person, link_id, url, now, kind="page_link")


def write_feed_link_message(*, session: Session, person: Person, link_id: int, url: str, now: datetime) -> int | None:
    """The same for a new link to the person's own calendar feed (issued or rotated in the console)."""
    return _write(session, person, link_id, url, now, kind="feed_link")


def _write(session: Session, person: Person, link_id: int, url: str, now: datetime, *, kind: str) -> int | None:
    state = session.get(State, person.state_id)
    assert state is not None
    subject, body = compose_page_link(language=person.language, fallback=state.language, name=person.name,
                                      state=state.name,
                                      secretariat=state.secretariat, url=url, feed=kind == "feed_link")
    step = kind.replace("_", "-")
    return write_direct(
        session=session, state_id=person.state_id, state_code=state.code, person_id=person.id,  # type: ignore[arg-type]
        language=person.language, dedup_key=f"{step}:{link_id}:p{person.id}", kind=kind,
        step=step, subject=subject, body=body, data={"kind": kind, "link": link_id},
        urgent=False, through_quiet_hours=True,  # sent now, by hand, by the secretariat
        now=now)
