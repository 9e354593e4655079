"""The State whose NMRF this is, and its own settings (time zone, working days, lead times)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow


class State(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=2, unique=True, index=True)  # ISO 3166-1 alpha-2
    name: str = Field(max_length=200)
    secretariat: str = Field(max_length=300)
    # Where people outside the secretariat write to it (an e-mail address or a web address), from the profile.
    secretariat_contact: str | None = Field(default=None, max_length=320)
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=10)
    # Names given per language in the profile: {"name": {"fr": ...}, "secretariat": {...}}.
    names: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    # Country (and subdivision) for the `holidays` package; working days shift
    # the secretariat's internal deadlines, never the UN's.
    holidays_country: str = Field(max_length=10)
    holidays_subdiv: str | None = Field(default=None, max_length=10)
    extra_holidays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The NMRF's own lead times, e.g. {"info_request": {"months": -6}}: they
    # replace the template's offset for the milestone of that key.
    lead_times: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Ratification overrides and known reporting facts from the profile.
    ratifications: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reporting: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    quiet_hours: str = Field(default="20:00-07:30", max_length=11)
    # The profile's own spellings for recommendation imports: {"states": {code: [..]}, "themes": {key: [..]}}.
    recommendation_aliases: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What the State chose to publish: {"site": true, "languages": ["es", "en"]}.
    publication: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The profile's budget: {"lines": {key: name}, "currencies": [ISO 4217 codes, empty: any]}.
    budget: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Sign-in to the console with the government's identity provider (profile: console.openid_connect):
    # {"openid_connect": {name, issuer, client_id, client_secret_env | client_secret_file, scopes, claim, match}};
    # never the client secret itself.
    sign_in: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
