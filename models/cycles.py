"""Reporting cycles and their milestones: every stage, due date and sign-off.

A cycle is one report to one mechanism (a UPR review, CEDAW's tenth periodic
report, the reply to a communication). Its milestones are planned from the
mechanism's template at launch and moved by official dates; the flows read them
to decide what is due and write back what happened.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

MILESTONE_STATUSES = ("planned", "open", "done", "waived", "cancelled")
CLOSED_STATUSES = ("done", "waived", "cancelled")


class Cycle(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("state_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    # Stable identity, e.g. "UPR/upr_review/2027-05-03": launching twice is a no-op.
    key: str = Field(max_length=200)
    template: str = Field(max_length=60)
    mechanism: str = Field(max_length=30, index=True)
    flow: str = Field(max_length=60)
    title: str = Field(max_length=300)
    template_version: str = Field(max_length=40)
    confidential: bool = False
    parent_id: int | None = Field(default=None, foreign_key="cycle.id")
    status: str = Field(default="active", max_length=20, index=True)
    # Reference the mechanism gave (communication number, session), free text.
    reference: str | None = Field(default=None, max_length=200)
    # The template, the mechanism's rules and the NMRF's lead times as they were
    # at launch: a running cycle keeps them when the catalogue changes.
    rules_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CycleInstitution(SQLModel, table=True):
    """An institution asked to contribute to a cycle."""

    __tablename__ = "cycle_institution"
    __table_args__ = (UniqueConstraint("cycle_id", "institution_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)


class CycleMember(SQLModel, table=True):
    """A person assigned to a cycle; for a confidential cycle, the only people who see it."""

    __tablename__ = "cycle_member"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)


class CycleDeparture(SQLModel, table=True):
    """A person taken off a running cycle: whatever roles they still hold, they get no reminder, escalation or
    feed entry of this cycle (its deadlines are owned by role and institution, so the role alone would keep
    reaching them)."""

    __tablename__ = "cycle_departure"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    reason: str = Field(max_length=500)


class Milestone(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    key: str = Field(max_length=120)  # template key, ":institution" when per institution
    template_key: str = Field(max_length=80)
    stage: str = Field(max_length=40, index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    kind: str = Field(default="deadline", max_length=20)  # deadline | meeting | event
    side: str = Field(default="internal", max_length=10)  # un | internal
    owner_role: str | None = Field(default=None, max_length=30)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    completion: str = Field(default="person", max_length=10)  # person | system | date
    track: bool = True  # a missed date is escalated
    confidential: bool = False
    depends_on: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    waits_for: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    computed_date: date | None = None
    official_date: date | None = None
    official_source: str | None = Field(default=None, max_length=500)
    due_date: date | None = Field(default=None, index=True)
    opens_on: date | None = None
    # Meetings and timed deadlines: instants in UTC, shown in `timezone`.
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    timezone: str | None = Field(default=None, max_length=64)
    location: str | None = Field(default=None, max_length=300)
    audience_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    word_limit: int | None = None
    source: str = Field(default="", max_length=500)
    verified: bool = False

    status: str = Field(default="planned", max_length=12, index=True)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by_id: int | None = Field(default=None, foreign_key="person.id")
    completed_actor: str | None = Field(default=None, max_length=200)
    # Raised on every change people can see (date, status, text): feeds use it
    # as SEQUENCE, escalation chains restart when the due date moves.
    sequence: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class Record(SQLModel, table=True):
    """What a person did: an input received, a sign-off, a comment, a waiver, a new date.

    Append-only: a second record never overwrites the first.
    """

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    kind: str = Field(max_length=20)  # done | waived | redated | comment | reopened | cancelled
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=4000)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CycleEvent(SQLModel, table=True):
    """What the engine noticed or did while advancing a cycle.

    ``dedup_key`` makes each event happen once however often a flow runs:
    a deadline is missed once per due date (the milestone's sequence).
    """

    __tablename__ = "cycle_event"
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    kind: str = Field(max_length=30, index=True)
    dedup_key: str = Field(max_length=300, unique=True)
    sequence: int = 0  # the milestone's sequence (its due date's generation) when it happened
    on_date: date
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
