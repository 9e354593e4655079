"""Sign-in to the console through the State's identity provider (OpenID Connect): who the claims name, the session.

The provider says who the person is (one claim of the ID token, `email` by
default); the profile says whether that person may use the console and with
which roles: never the provider. A person the profile does not know, one
without a console role, or an e-mail the provider itself calls unverified is
refused, and the attempt is written to the audit history. A session opened this
way is the link's (same cookie, same 8 hours); the history says how it began.

The protocol itself (discovery, PKCE, the code exchange, the ID token's
signature and claims) is nmrf.web.oidc's: this module sees checked claims only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from nmrf.models import Address, AuditEntry, Person, State
from nmrf.services.console_auth import SignedIn, addresses_of, console_roles, open_session

# Why a sign-in through the provider was refused (the audit history keeps the word; the page says it).
UNKNOWN, NO_ROLE, UNVERIFIED, NO_CLAIM = "unknown", "no_role", "unverified", "no_claim"


@dataclass(frozen=True)
class Provider:
    """One State's identity provider, as its profile describes it (never the client secret itself)."""

    state_code: str
    name: str
    issuer: str
    client_id: str
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    scopes: tuple[str, ...] = ("openid", "email")
    claim: str = "email"
    match: str = "address"

    @classmethod
    def of(cls, state: State) -> Provider | None:
        spec = (state.sign_in or {}).get("openid_connect")
        if not spec:
            return None
        return cls(state_code=state.code, name=spec["name"], issuer=spec["issuer"], client_id=spec["client_id"],
                   client_secret_env=spec.get("client_secret_env"), client_secret_file=spec.get("client_secret_file"),
                   scopes=tuple(spec.get("scopes") or ("openid", "email")), claim=spec.get("claim", "email"),
                   match=spec.get("match", "address"))


@dataclass(frozen=True)
class Refused:
    """A sign-in the profile does not allow: why, and who the provider said it was."""

    reason: str
    identity: str


def providers(*, session: Session) -> list[Provider]:
    """Every State's provider, in the order of the States' codes (the sign-in page offers one button each)."""
    found = (Provider.of(s) for s in session.exec(select(State).order_by(State.code)))
    return [p for p in found if p is not None]


def provider_of(*, session: Session, code: str) -> tuple[State, Provider] | None:
    state = session.exec(select(State).where(State.code == code)).first()
    provider = Provider.of(state) if state is not None else None
    return (state, provider) if provider is not None else None  # type: ignore[return-value]


def identity_of(claims: dict[str, Any], provider: Provider) -> str | Refused:
    """The value that identifies the person, or why the claims cannot be used. Pure.

    An e-mail the provider marks `email_verified: false` identifies nobody: anyone can type an address
    into an account. A provider that does not say is trusted as the profile's owner chose it."""
    value = claims.get(provider.claim)
    if not isinstance(value, str | int) or not str(value).strip():
        return Refused(NO_CLAIM, "")
    value = str(value).strip()[:200]
    if provider.claim == "email":
        value = value.lower()
        if claims.get("email_verified") is False or str(claims.get("email_verified")).lower() == "false":
            return Refused(UNVERIFIED, value)
    return value


def person_for(*, session: Session, state: State, provider: Provider, identity: str) -> Person | None:
    """The active person of this State whom the identity names (an e-mail address of theirs, or their key)."""
    if provider.match == "key":
        return session.exec(select(Person).where(Person.state_id == state.id, Person.key == identity,
                                                 Person.active)).first()
    rows = session.exec(select(Address, Person).join(Person, Person.id == Address.person_id)
                        .where(Person.state_id == state.id, Address.active, Person.active)).all()
    return next((p for a, p in rows if identity.lower() in addresses_of(a.url)), None)


def sign_in_with_provider(*, session: Session, state: State, provider: Provider, claims: dict[str, Any],
                          now: datetime) -> tuple[SignedIn, str] | Refused:
    """Open a console session for the person the checked claims name, or record why not.

    Either way the history has it: a sign-in "via oidc" under the person, or a refusal under the identity
    the provider gave. The caller commits both (a refusal is an answer, not an error)."""
    identity = identity_of(claims, provider)
    if isinstance(identity, Refused):
        return _refuse(session=session, refused=identity, provider=provider, now=now)
    person = person_for(session=session, state=state, provider=provider, identity=identity)
    if person is None:
        return _refuse(session=session, refused=Refused(UNKNOWN, identity), provider=provider, now=now)
    if not console_roles(session=session, person=person):
        return _refuse(session=session, refused=Refused(NO_ROLE, person.key), provider=provider, now=now)
    return open_session(session=session, person=person, via="oidc", provider=provider.name, now=now)


def _refuse(*, session: Session, refused: Refused, provider: Provider, now: datetime) -> Refused:
    session.connection().execute(insert(AuditEntry.__table__).values(
        at=now, actor=refused.identity or f"({provider.name})", table_name="console", row_id=None,
        op="refused", changes={"act": "sign in", "via": "oidc", "provider": provider.name, "why": refused.reason}))
    return refused
