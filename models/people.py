"""A State's NMRF as data: institutions, people, their roles and notification addresses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

INSTITUTION_KINDS = (
    "secretariat", "ministry", "statistics_office", "parliament", "judiciary",
    "nhri", "cso", "other",
)
ROLES = (
    "secretariat", "head_of_secretariat", "focal_point", "head_of_unit",
    "minister", "nhri_contact", "cso_contact", "observer",
)


class Institution(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("state_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    key: str = Field(max_length=80)  # slug used on the command line and in files
    name: str = Field(max_length=300)
    kind: str = Field(max_length=30)
    # Mechanism codes this institution contributes to; empty means all.
    contributes_to: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The name per language ({"fr": ..., "en": ...}) and the working language (None: the State's).
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    language: str | None = Field(default=None, max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("state_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    key: str = Field(max_length=80)
    name: str = Field(max_length=200)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=10)
    # The person's title (Ministre de la Santé), and per language.
    title: str | None = Field(default=None, max_length=300)
    titles: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    # "HH:MM-HH:MM" in the person's own zone; empty means the State's default.
    quiet_hours: str | None = Field(default=None, max_length=11)
    # A deputy: the key of the minister this person acts for (signs off on their behalf, from their page).
    acts_for: str | None = Field(default=None, max_length=80)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoleAssignment(SQLModel, table=True):
    """A role a person holds, for one institution where the role is per institution
    (focal point of the Ministry of Health, its minister)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "institution_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=30, index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)


class Address(SQLModel, table=True):
    """One notification channel of a person, as an apprise URL.

    The URL may hold a password or a token: it is never printed, only its
    redacted form (see nmrf.notifications for the redaction).
    """

    __table_args__ = (UniqueConstraint("person_id", "label"),)
    __audit_secret__ = ("url",)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    label: str = Field(max_length=60)
    url: str = Field(max_length=2000)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
