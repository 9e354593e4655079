"""Meetings the secretariat calls outside a cycle's template: plenaries of the
NMRF, extra coordination or validation meetings, consultations with civil
society. Each has a time in its own zone and is attended by role.

Meetings that every cycle has (a template's coordination meeting) are
milestones; these are the others. Feeds treat both alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

MEETING_KINDS = ("plenary", "coordination", "validation", "consultation", "other")
MEETING_STATUSES = ("scheduled", "cancelled")


class Meeting(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("state_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    key: str = Field(max_length=80)  # slug used on the command line
    # The cycle it serves, if any: a confidential cycle's meeting is seen only by its members.
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    timezone: str = Field(max_length=64)  # the zone the time was given in
    location: str | None = Field(default=None, max_length=300)
    # Who attends: roles, and for roles held per institution, which
    # institutions (institution keys; empty means all, or the cycle's).
    attendee_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    institutions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="scheduled", max_length=12)
    note: str = Field(default="", max_length=1000)
    sequence: int = 0  # raised on every change people can see, as for milestones
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
