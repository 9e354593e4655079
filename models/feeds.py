"""Private subscription links to calendar feeds, and what each link last served.

A link's secret (the token in its URL) is shown once and stored only as its
SHA-256 hash; rotating a link revokes it and issues a new one, so the history
of who could read which feed stays in the table and in the audit history.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

# person: what one person owes, signs and attends; institution: one
# institution's deadlines and meetings; cycle: one reporting cycle;
# secretariat: the State's whole calendar.
FEED_SCOPES = ("person", "institution", "cycle", "secretariat")


class FeedLink(SQLModel, table=True):
    __tablename__ = "feed_link"
    __audit_secret__ = ("token_hash",)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    scope: str = Field(max_length=20)
    # The feed's subject: the person (scope person), the institution or the cycle.
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    # Who the link was given to (the person themself for a person feed); a
    # confidential cycle's feed works only while its holder is assigned to it.
    holder_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=200)
    revoked_reason: str | None = Field(default=None, max_length=300)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class FeedState(SQLModel, table=True):
    """The ETag a link last served and its Last-Modified.

    Kept so that Last-Modified only ever moves forward when a feed's bytes
    change, also when they change because something left the feed (a role
    removed, a cancellation past its grace period) and after a restart: a
    client asking If-Modified-Since never gets a 304 for bytes it has not seen.
    Written only when a feed's bytes change, hence no audit.
    """

    __tablename__ = "feed_state"
    __audit__ = False

    link_id: int = Field(foreign_key="feed_link.id", primary_key=True)
    etag: str = Field(max_length=80)
    last_modified: datetime = Field(sa_type=UTCDateTime)
