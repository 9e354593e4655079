"""The console's sign-in and API tables: sign-in links, browser sessions, sign-in requests, API tokens.

Every secret (the link in the message, the session cookie, the API token) is
32 random bytes shown once and stored only as its SHA-256 hash. A sign-in link
is also bound to the browser that asked for it (the hash of a random cookie set
on that browser), so a link forwarded or read by a mail scanner signs nobody in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

API_SCOPES = ("read", "act")


class SignInRequest(SQLModel, table=True):
    """One request for a sign-in link, known address or not: what the rate limits count."""

    __tablename__ = "sign_in_request"
    __audit__ = False  # high churn, and holds nothing a person recorded

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    address: str = Field(max_length=320, index=True)  # as typed, lower-cased
    ip: str = Field(max_length=64, index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    refused: bool = False  # over a limit: no link was sent


class SignInLink(SQLModel, table=True):
    __tablename__ = "sign_in_link"
    __audit_secret__ = ("token_hash", "browser_hash")

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    browser_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsoleSession(SQLModel, table=True):
    __tablename__ = "console_session"
    __audit_secret__ = ("token_hash",)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    via: str = Field(default="link", max_length=10)  # link | oidc
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A token another government system uses, held by a named person, scoped read or act."""

    __tablename__ = "api_token"
    __audit_secret__ = ("token_hash",)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    name: str = Field(max_length=120)
    scope: str = Field(max_length=10)  # read | act
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=200)
