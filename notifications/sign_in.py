"""The message that carries a console sign-in link, through the outbox like every other message.

One message per link (keyed by the link's id). The link is a secret: it is in
the body only, never in the status notes or the logs; it works for 15 minutes,
once, in the browser that asked for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from nmrf.domain.i18n import N_, translator
from nmrf.models import Person, State
from nmrf.notifications.direct import write_direct


# Translators: subject of the message that carries a sign-in link to the secretariat's console.
SUBJECT = N_("Sign in to the console of %(secretariat)s")
# Translators: the sign-in message; %(url)s is the link, %(minutes)s how long it works.
BODY = N_("Hello %(name)s,\n\nSomeone (we hope you) asked to sign in to the console of %(secretariat)s. "
          "Open this link in the same browser within %(minutes)s minutes; it works once:\n\n%(url)s\n\n"
          "If you did not ask, ignore this message: nobody can sign in with it from another browser.")


def compose_sign_in(*, language: str, fallback: str | None, name: str, secretariat: str, url: str,
                    minutes: int) -> tuple[str, str]:
    """(subject, body) in the reader's language. Pure."""
    t = translator(language, fallback=fallback)
    values = {"name": name, "secretariat": secretariat, "url": url, "minutes": minutes}
    return t.gettext(SUBJECT) % values, t.gettext(BODY) % values


def write_sign_in_message(*, session: Session, person: Person, link_id: int, url: str, now: datetime,
                          minutes: int) -> int | None:
    """Write the message and one delivery per active address; the message's id (None if already written)."""
    state = session.get(State, person.state_id)
    assert state is not None
    subject, body = compose_sign_in(language=person.language, fallback=state.language, name=person.name,
                                    secretariat=state.secretariat, url=url, minutes=minutes)
    return write_direct(
        session=session, state_id=person.state_id, state_code=state.code, person_id=person.id,  # type: ignore[arg-type]
        language=person.language, dedup_key=f"sign-in:{link_id}:p{person.id}", kind="sign_in", step="sign-in",
        subject=subject, body=body, data={"kind": "sign_in", "link": link_id},
        urgent=True, through_quiet_hours=True,  # the person is waiting for it, now
        now=now)
