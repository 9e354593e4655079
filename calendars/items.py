"""What a feed is made of, as plain data: the facts read from the database and the items built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class StateFacts:
    code: str
    name: str
    secretariat: str
    timezone: str
    # Commands in event texts name the State only when the database holds several.
    several_states: bool = False
    language: str = "en"  # the State's: shared feeds speak it, and a reader's falls back to it
    names: dict = field(default_factory=dict)  # the profile's names per language (State.names)


@dataclass(frozen=True)
class CycleFacts:
    id: int
    key: str
    title: str
    mechanism: str
    mechanism_name: str
    confidential: bool
    participants: frozenset[int] = frozenset()  # institution ids taking part
    template: str | None = None  # the title is the template's, translated, while it is as launched
    reference: str | None = None
    departed: frozenset[str] = frozenset()  # keys of the people taken off it: named as no deadline's owner


@dataclass(frozen=True)
class Who:
    key: str
    name: str
    names: tuple[tuple[str, str], ...] = ()  # an institution's name per language


@dataclass(frozen=True)
class MilestoneFacts:
    """One milestone with what its text needs: its cycle, institution and owners."""

    id: int
    cycle: CycleFacts
    key: str
    template_key: str
    stage: str
    title: str
    description: str
    kind: str  # deadline | meeting | event
    side: str  # un | internal
    owner_role: str | None
    institution_id: int | None
    institution: Who | None
    completion: str  # person | system | date
    status: str  # planned | open | done | waived | cancelled
    due_date: date | None
    official_date: date | None
    official_source: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str | None
    location: str | None
    audience_roles: tuple[str, ...]
    word_limit: int | None
    source: str
    verified: bool
    sequence: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    completed_actor: str | None
    owners: tuple[Who, ...] = ()
    # Names of the institutions whose people attend (meetings and events).
    attending_institutions: tuple[str, ...] = ()
    # The latest promise for the current deadline (an acknowledgement with a date), and who made it.
    promised_by: date | None = None
    promised_by_whom: str = ""


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    key: str
    kind: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    attendee_roles: tuple[str, ...]
    institution_keys: tuple[str, ...]
    status: str  # scheduled | cancelled
    note: str
    sequence: int
    created_at: datetime
    updated_at: datetime
    cycle: CycleFacts | None = None
    attending_institutions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesFacts:
    """A recurring meeting, with its occurrences' days already worked out by the domain."""

    id: int
    key: str
    kind: str
    title: str
    description: str
    timezone: str
    location: str | None
    attendee_roles: tuple[str, ...]
    institution_keys: tuple[str, ...]
    status: str
    note: str
    sequence: int
    created_at: datetime
    updated_at: datetime
    first_start: datetime  # local, aware (ZoneInfo)
    first_end: datetime
    rrule: tuple[tuple[str, object], ...] | None  # None: irregular (before report deadlines)
    exdates: tuple[datetime, ...]  # cancelled occurrences, local starts
    last_day: date | None
    # Irregular series: each occurrence (local day, start UTC, end UTC) in the feed's window.
    occurrences: tuple[tuple[date, datetime, datetime], ...] = ()
    frequency: str = ""
    attending_institutions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedItem:
    """One event of a feed, ready to be written: all-day (``day``) or timed (``starts_at``)."""

    uid: str
    summary: str
    description: str
    status: str  # active | done | waived | cancelled
    sequence: int
    created_at: datetime
    updated_at: datetime
    day: date | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str | None = None
    categories: tuple[str, ...] = ()
    busy: bool = False  # a meeting blocks time; a deadline does not
    # A recurring meeting: starts_at/ends_at are its first occurrence in its own zone (a TZID,
    # not UTC), `rrule` the RFC 5545 rule as (name, value) pairs, `exdates` the cancelled
    # occurrences' local starts, `last_day` its last possible day (None: open-ended).
    rrule: tuple[tuple[str, object], ...] | None = None
    exdates: tuple[datetime, ...] = ()
    last_day: date | None = None
    status_prefix: str | None = None  # "CANCELLED: " in the reader's language (build's English otherwise)

    def local_day(self, timezone: str) -> date:
        if self.starts_at is not None:
            return self.starts_at.astimezone(ZoneInfo(timezone)).date()
        assert self.day is not None
        return self.day

    def sort_key(self) -> tuple[datetime, str]:
        if self.starts_at is not None:
            return self.starts_at.astimezone(UTC), self.uid
        assert self.day is not None
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC), self.uid
