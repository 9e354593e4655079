"""Who may use the console: sign-in links, browser sessions, roles, API tokens, refusals on record.

Sign-in without passwords: a person of the secretariat types their address; if
it is one of their notification addresses and they hold a console role, a link
goes out through the outbox. The link works 15 minutes, once, and only in the
browser that asked (a random cookie set on the request, kept hashed beside the
link). Requests are limited per address and per IP, known address or not, and
the answer never says whether the address is known.

Roles come from the profile: secretariat (act), head of secretariat (act and
approve), observer (read only). A refused act is written to the audit history
under the person who tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, insert
from sqlmodel import Session, select

from nmrf.calendars.links import new_token, token_hash, well_formed
from nmrf.errors import NmrfError
from nmrf.models import (
    Address,
    ApiToken,
    AuditEntry,
    ConsoleSession,
    Person,
    RoleAssignment,
    SignInLink,
    SignInRequest,
    State,
)
from nmrf.notifications.sign_in import write_sign_in_message

LINK_VALID = timedelta(minutes=15)
SESSION_VALID = timedelta(hours=8)
LIMIT_WINDOW = timedelta(hours=1)
PER_ADDRESS = 5  # links asked for one address in an hour
PER_IP = 20  # requests from one IP in an hour (an office behind one NAT asks for several people)
CONSOLE_ROLES = ("secretariat", "head_of_secretariat", "observer")
ACT_ROLES = ("secretariat", "head_of_secretariat")
SIGN_IN_PATH = "/console/sign-in/{token}"


class RateLimited(NmrfError):
    """Too many sign-in requests for this address or from this IP."""


@dataclass(frozen=True)
class SignedIn:
    """The person behind a session or a token, and what their roles let them do."""

    person: Person
    state: State
    roles: frozenset[str]
    session_id: int | None = None
    token_id: int | None = None
    scope: str = "act"  # an API token's scope; a browser session acts as far as the roles allow

    @property
    def actor(self) -> str:
        return self.person.key

    @property
    def can_act(self) -> bool:
        return bool(self.roles & set(ACT_ROLES)) and self.scope == "act"

    @property
    def can_approve(self) -> bool:
        return "head_of_secretariat" in self.roles and self.scope == "act"


def addresses_of(url: str) -> list[str]:
    """The e-mail addresses an apprise URL sends to (mailto://user:pw@host?to=a@x,b@y or mailto://a@x)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("mailto"):
        return []
    to = parse_qs(parts.query).get("to", [])
    found = [a.strip().lower() for v in to for a in unquote(v).split(",") if "@" in a]
    if not found and parts.username and parts.hostname and not parts.password:
        found = [f"{unquote(parts.username)}@{parts.hostname}".lower()]
    return found


def console_roles(*, session: Session, person: Person) -> frozenset[str]:
    roles = session.exec(select(RoleAssignment.role).where(RoleAssignment.person_id == person.id)).all()
    return frozenset(r for r in roles if r in CONSOLE_ROLES)


def person_by_address(*, session: Session, address: str) -> Person | None:
    """The active person with a console role whose active address this is."""
    wanted = address.strip().lower()
    if "@" not in wanted:
        return None
    like = f"%{wanted.split('@')[0]}%"
    rows = session.exec(select(Address, Person).join(Person, Person.id == Address.person_id)
                        .where(Address.active, Person.active, func.lower(Address.url).like(like))).all()
    for a, p in rows:
        if wanted in addresses_of(a.url) and console_roles(session=session, person=p):
            return p
    return None


def request_sign_in(*, session: Session, address: str, ip: str, browser: str, now: datetime,
                    base_url: str) -> int | None:
    """Record the request; if the address is a console user's, write the link's message. Its id, or None.

    Raises RateLimited past the limits (the refused request is recorded too).
    """
    address = address.strip().lower()[:320]
    since = now - LIMIT_WINDOW
    by_address = session.exec(select(func.count()).select_from(SignInRequest).where(
        SignInRequest.address == address, SignInRequest.at >= since, SignInRequest.refused.is_(False))).one()  # type: ignore[attr-defined]
    by_ip = session.exec(select(func.count()).select_from(SignInRequest).where(
        SignInRequest.ip == ip, SignInRequest.at >= since)).one()
    if by_address >= PER_ADDRESS or by_ip >= PER_IP:
        session.add(SignInRequest(at=now, address=address, ip=ip, refused=True))
        session.flush()
        raise RateLimited("too many sign-in requests; try again in an hour")
    person = person_by_address(session=session, address=address)
    session.add(SignInRequest(at=now, address=address, ip=ip, person_id=person.id if person else None))
    if person is None:
        session.flush()
        return None
    token = new_token()
    link = SignInLink(state_id=person.state_id, person_id=person.id, token_hash=token_hash(token),  # type: ignore[arg-type]
                      browser_hash=token_hash(browser), created_at=now, expires_at=now + LINK_VALID)
    session.add(link)
    session.flush()
    url = base_url.rstrip("/") + SIGN_IN_PATH.format(token=token)
    return write_sign_in_message(session=session, person=person, link_id=link.id, url=url, now=now,  # type: ignore[arg-type]
                                 minutes=int(LINK_VALID.total_seconds() // 60))


def issue_terminal_link(*, session: Session, person: Person, now: datetime, base_url: str) -> str:
    """A sign-in link printed at the terminal (`nmrf console link`, the demo): whoever runs it already holds the
    database. Not bound to a browser, still once and for 15 minutes."""
    if not person.active or not console_roles(session=session, person=person):
        raise NmrfError(f"{person.key} holds no console role (secretariat, head_of_secretariat, observer)")
    token = new_token()
    session.add(SignInLink(state_id=person.state_id, person_id=person.id, token_hash=token_hash(token),  # type: ignore[arg-type]
                           browser_hash="", created_at=now, expires_at=now + LINK_VALID))
    session.flush()
    return base_url.rstrip("/") + SIGN_IN_PATH.format(token=token)


def use_sign_in_link(*, session: Session, token: str, browser: str | None, now: datetime) -> tuple[SignedIn, str]:
    """Spend a link: a new session and its secret (for the cookie). Refused the same way for every reason."""
    refused = NmrfError("This sign-in link does not work (used, expired, or opened in another browser).")
    if not well_formed(token):
        raise refused
    link = session.exec(select(SignInLink).where(SignInLink.token_hash == token_hash(token))).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise refused
    # A link asked for from a browser works only there; one printed at the terminal has no browser.
    if link.browser_hash and (not browser or link.browser_hash != token_hash(browser)):
        raise refused
    person = session.get(Person, link.person_id)
    if person is None or not person.active:
        raise refused
    roles = console_roles(session=session, person=person)
    if not roles:
        raise refused
    link.used_at = now
    return open_session(session=session, person=person, via="link", now=now)


def open_session(*, session: Session, person: Person, via: str, now: datetime,
                 provider: str | None = None) -> tuple[SignedIn, str]:
    """A new console session for a person who holds a console role, and its secret (for the cookie).

    Every way in (the link, the identity provider) opens the same session, and the history says which."""
    roles = console_roles(session=session, person=person)
    if not roles:
        raise NmrfError(f"{person.key} holds no console role")
    secret = new_token()
    s = ConsoleSession(state_id=person.state_id, person_id=person.id, token_hash=token_hash(secret),  # type: ignore[arg-type]
                       via=via, created_at=now, expires_at=now + SESSION_VALID)
    session.add(s)
    session.flush()
    how = {"via": via, "session": s.id} | ({"provider": provider} if provider else {})
    session.connection().execute(insert(AuditEntry.__table__).values(
        at=now, actor=person.key, table_name="console", row_id=s.id, op="sign_in", changes=how))
    state = session.get(State, person.state_id)
    return SignedIn(person=person, state=state, roles=roles, session_id=s.id), secret  # type: ignore[arg-type]


def signed_in(*, session: Session, token: str | None, now: datetime) -> SignedIn | None:
    """The person of a live session cookie, or None."""
    if not token or not well_formed(token):
        return None
    s = session.exec(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token))).first()
    if s is None or s.ended_at is not None or s.expires_at <= now:
        return None
    person = session.get(Person, s.person_id)
    if person is None or not person.active:
        return None
    roles = console_roles(session=session, person=person)
    if not roles:
        return None
    return SignedIn(person=person, state=session.get(State, person.state_id), roles=roles,  # type: ignore[arg-type]
                    session_id=s.id)


def end_session(*, session: Session, session_id: int, now: datetime) -> None:
    s = session.get(ConsoleSession, session_id)
    if s is not None and s.ended_at is None:
        s.ended_at = now


def record_refusal(*, session: Session, who: SignedIn, act: str, now: datetime) -> None:
    """A person without the role tried an act: on the audit history, under their name."""
    session.connection().execute(insert(AuditEntry.__table__).values(
        at=now, actor=who.actor, table_name="console", row_id=None, op="refused",
        changes={"act": act, "roles": sorted(who.roles), "via": "api" if who.token_id else "console"}))


# ---------------------------------------------------------------- API tokens

def issue_api_token(*, session: Session, person: Person, name: str, scope: str, now: datetime,
                    actor: str) -> tuple[ApiToken, str]:
    if scope not in ("read", "act"):
        raise NmrfError(f"scope {scope!r}: expected read or act")
    roles = console_roles(session=session, person=person)
    if not roles:
        raise NmrfError(f"{person.key} holds no console role (secretariat, head_of_secretariat, observer); "
                        "an API token acts as its holder")
    if scope == "act" and not roles & set(ACT_ROLES):
        raise NmrfError(f"{person.key} is an observer: only a read token can be issued")
    if not name.strip():
        raise NmrfError("a token needs a name (the system that uses it): --name")
    secret = new_token()
    t = ApiToken(state_id=person.state_id, person_id=person.id, name=name.strip()[:120], scope=scope,  # type: ignore[arg-type]
                 token_hash=token_hash(secret), created_at=now, created_by=actor)
    session.add(t)
    session.flush()
    return t, secret


def revoke_api_token(*, session: Session, state: State, token_id: int, now: datetime, actor: str) -> ApiToken:
    t = session.get(ApiToken, token_id)
    if t is None or t.state_id != state.id:
        raise NmrfError(f"no API token #{token_id}: `nmrf api-token list` shows them")
    if t.revoked_at is not None:
        raise NmrfError(f"API token #{token_id} was already revoked on {t.revoked_at:%Y-%m-%d}; nothing changed")
    t.revoked_at, t.revoked_by = now, actor
    return t


def api_tokens(*, session: Session, state: State) -> list[tuple[ApiToken, Person]]:
    return list(session.exec(select(ApiToken, Person).join(Person, Person.id == ApiToken.person_id)
                             .where(ApiToken.state_id == state.id).order_by(ApiToken.id)).all())


def by_api_token(*, session: Session, token: str | None) -> SignedIn | None:
    if not token or not well_formed(token):
        return None
    t = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if t is None or t.revoked_at is not None:
        return None
    person = session.get(Person, t.person_id)
    if person is None or not person.active:
        return None
    roles = console_roles(session=session, person=person)
    if not roles:
        return None
    return SignedIn(person=person, state=session.get(State, person.state_id), roles=roles,  # type: ignore[arg-type]
                    token_id=t.id, scope=t.scope)
