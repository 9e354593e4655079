"""Messages with links wait for the public address: until NMRF_PUBLIC_URL is set, their links would point at
127.0.0.1, which nobody else can open, so they are held in the outbox with the reason.

Once the address is set, the next sweep releases them: their links are rewritten to the public address (the
tokens in them are signed with the key, not the address, so they stay valid) and they go out.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from nmrf.domain.i18n import Translator, translator
from nmrf.models import Notification
from nmrf.notifications.notes import HELD
from nmrf.settings import Settings

N = Notification.__table__


def unset_warning(settings: Settings, t: Translator | None = None) -> str | None:
    """What the command line says while the public address is not set (None once it is), in the language of
    the translator it is given (English without one)."""
    if settings.public_url_is_set:
        return None
    return (t or translator("en")).gettext(
        "No public address is set: links in messages and feeds point at %(base)s, which nobody else can open. "
        "Messages with links wait in the outbox (held) until you set NMRF_PUBLIC_URL to the address people "
        "reach this server at (e.g. https://nmrf.example.gob.cl).") % {"base": settings.public_url}


def hold_messages_with_links(*, session: Session, settings: Settings) -> int:
    """Hold every pending message whose text carries a link to this server, while no public address is set."""
    if settings.public_url_is_set:
        return 0
    base = settings.public_url.rstrip("/")
    res = session.execute(N.update().where(N.c.status == "pending", N.c.body.contains(base, autoescape=True))
                          .values(status="held", status_note=HELD.format(base=base)[:300]))
    return max(res.rowcount, 0)


def release_held(*, session: Session, settings: Settings) -> int:
    """Once the public address is set: the held messages with their links rewritten, pending again."""
    if not settings.public_url_is_set:
        return 0
    new = settings.public_url.rstrip("/")
    released = 0
    for row in session.execute(select(N.c.id, N.c.body, N.c.data, N.c.status_note).where(N.c.status == "held")):
        if not row.status_note.startswith(HELD.partition("{base}")[0]):
            continue
        old = row.status_note.split("point at ", 1)[1].split(",", 1)[0]
        data: Any = json.loads(json.dumps(row.data or {}).replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
        session.execute(N.update().where(N.c.id == row.id).values(
            body=row.body.replace(old, new), data=data, status="pending", status_note=""))
        released += 1
    return released
