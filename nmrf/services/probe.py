"""`nmrf notify test PERSON`: one test message to each of a person's addresses, now.

Recorded in the outbox like any message (kind "test"), but tried once: the
point is to say, per address, whether it works.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from nmrf.errors import NmrfError
from nmrf.models import Address, Delivery, Notification
from nmrf.models.db import session_scope
from nmrf.notifications.addresses import shown
from nmrf.notifications.compose import reference
from nmrf.notifications.delivery import Claimed, new_owner, outgoing, record
from nmrf.notifications.messages import render
from nmrf.notifications.sender import send
from nmrf.notifications.store import idempotency_key
from nmrf.services.people import get_person, get_state
from nmrf.settings import Settings


@dataclass(frozen=True)
class ProbeResult:
    label: str
    address: str  # redacted
    ok: bool
    status: str
    error: str | None
    seconds: float


def send_test(*, engine: Engine, settings: Settings, person_key: str, state_code: str | None = None,
              now: datetime | None = None) -> tuple[str, list[ProbeResult]]:
    now = now or datetime.now(UTC)
    owner = new_owner()
    with session_scope(engine, actor="nmrf") as s:
        state = get_state(session=s, code=state_code)
        person = get_person(session=s, state=state, key=person_key)
        addresses = list(s.exec(select(Address).where(Address.person_id == person.id, Address.active)
                                .order_by(Address.id)).scalars())
        if not addresses:
            raise NmrfError(f"{person.key} has no active notification address: add one in the profile "
                            "(addresses: [{label: email, url: \"mailto://...\"}]) and load it again")
        dedup = f"test:p{person.id}:{uuid.uuid4().hex[:12]}"
        from nmrf.domain.i18n import reader_language

        subject, body = render("test", reader_language(person.language, state.language), {"secretariat": state.secretariat, "name": person.name,
                                                         "label": ", ".join(a.label for a in addresses)},
                               ref=reference(dedup))
        n = Notification(state_id=state.id, dedup_key=dedup, kind="test", step="test", person_id=person.id,
                         language=person.language, subject=subject, body=body, data={"kind": "test"},
                         created_at=now, not_before=now)
        s.add(n)
        s.flush()
        claimed = []
        for a in addresses:
            d = Delivery(notification_id=n.id, address_id=a.id, label=a.label,
                         idempotency_key=idempotency_key(state.code, dedup, a.label), attempts=1,
                         next_attempt_at=now, lease_owner=owner, lease_until=now, created_at=now, updated_at=now)
            s.add(d)
            s.flush()
            claimed.append(Claimed(d.id, n.id, 1, a.label, d.idempotency_key, a.url, subject, body,
                                   {"kind": "test", "recipient": person.key}, person.timezone, None, True,
                                   person.key, person.language))
        name = person.name
    started = datetime.now(UTC)
    with ThreadPoolExecutor(max_workers=min(8, len(claimed))) as pool:
        results = list(pool.map(lambda c: send(outgoing(c, settings)), claimed))
    out = []
    with session_scope(engine, actor="nmrf") as s:
        for c, r in zip(claimed, results):
            # One try: a test that fails is reported, not retried.
            record(session=s, claimed=c, result=r, owner=owner, started=started, now=now,
                   real_now=datetime.now(UTC), max_attempts=1)
            out.append(ProbeResult(c.label, shown(c.url), r.ok, r.status, r.error, r.elapsed))
    return name, out
