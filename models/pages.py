"""Personal page links: the secret link, one per person, that opens the page where they act.

Like a feed link, the secret (32 random bytes in the URL) is shown once and
stored only as its SHA-256 hash; rotating revokes the old link and issues a new
one, so who could act through which link stays in the table and in the audit
history. The page itself records nothing on a GET: every act is a form's POST.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow


class PageLink(SQLModel, table=True):
    __tablename__ = "page_link"
    __audit_secret__ = ("token_hash",)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=200)
    revoked_reason: str | None = Field(default=None, max_length=300)
