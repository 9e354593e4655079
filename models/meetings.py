"""Meetings the secretariat calls outside a cycle's template: plenaries of the
NMRF, extra coordination or validation meetings, consultations with civil
society. Each has a time in its own zone and is attended by role.

Meetings that every cycle has (a template's coordination meeting) are
milestones; these are the others. Feeds treat both alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
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


SERIES_FREQUENCIES = ("weekly", "monthly", "quarterly", "before_deadlines")
OCCURRENCE_STATUSES = ("scheduled", "cancelled")
MINUTE_ITEM_KINDS = ("decision", "action")


class MeetingSeries(SQLModel, table=True):
    """A meeting that recurs: the plenary every quarter, the focal points every Monday,
    or a coordination meeting N weeks before each report deadline.

    The local time (``start_time`` in ``timezone``) is what recurs: a weekly 10:00 in
    Zurich stays at 10:00 across daylight-saving changes, so its UTC instant moves.
    """

    __tablename__ = "meeting_series"
    __table_args__ = (UniqueConstraint("state_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    key: str = Field(max_length=80)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    frequency: str = Field(max_length=20)  # weekly | monthly | quarterly | before_deadlines
    interval: int = 1  # every `interval` weeks or months (quarterly is monthly with 3)
    first_date: date  # the first occurrence (local date); before_deadlines: the series starts counting here
    until: date | None = None  # the last possible occurrence (local date), inclusive
    start_time: str = Field(max_length=5)  # HH:MM, local
    minutes: int = 120
    timezone: str = Field(max_length=64)
    weeks_before: int | None = None  # before_deadlines only
    mechanism: str | None = Field(default=None, max_length=30)  # before_deadlines: only this mechanism's reports
    location: str | None = Field(default=None, max_length=300)
    attendee_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    institutions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="scheduled", max_length=12)
    note: str = Field(default="", max_length=1000)
    sequence: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class MeetingOccurrence(SQLModel, table=True):
    """One occurrence of a series (or a one-off meeting) that someone acted on:
    cancelled, or given an agenda and minutes. Occurrences nobody touched have no row."""

    __tablename__ = "meeting_occurrence"
    __table_args__ = (UniqueConstraint("series_id", "occurs_on"), UniqueConstraint("meeting_id"))

    id: int | None = Field(default=None, primary_key=True)
    series_id: int | None = Field(default=None, foreign_key="meeting_series.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    occurs_on: date  # local date of the occurrence: its identity within the series
    status: str = Field(default="scheduled", max_length=12)
    note: str = Field(default="", max_length=1000)
    agenda: str = Field(default="", sa_column=Column(Text, nullable=False))
    minutes: str = Field(default="", sa_column=Column(Text, nullable=False))
    minutes_file: str | None = Field(default=None, max_length=500)  # a document, when the minutes are one
    minutes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    minutes_by: str | None = Field(default=None, max_length=200)
    # Circulation to the attendees: asked for, and when the outbox took it.
    circulate: bool = False
    circulated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sequence: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MinuteItem(SQLModel, table=True):
    """A decision or an action point of the minutes; an action point's deadline is a milestone."""

    __tablename__ = "minute_item"

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int = Field(foreign_key="meeting_occurrence.id", index=True)
    kind: str = Field(max_length=10)  # decision | action
    text: str = Field(max_length=2000)
    institution_id: int | None = Field(default=None, foreign_key="institution.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    due_date: date | None = None
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id")
