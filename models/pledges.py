"""Voluntary pledges a State made under the UPR, tracked like follow-up actions; the year-end round.

A pledge (text, institution, date made) has a status the lead institution reports
on, in the year-end round among others; its deadline, when it has one, is a
milestone of the follow-up plan's kind, so it is in the feeds and reminders.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow


class Pledge(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    institution_id: int = Field(foreign_key="institution.id", index=True)
    made_on: date
    mechanism: str = Field(default="UPR", max_length=30)
    status: str = Field(default="planned", max_length=12)  # as actions: planned | in_progress | done | cancelled
    note: str = Field(default="", max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class StatusRequest(SQLModel, table=True):
    """The year-end round: one workbook sent to a lead institution asking the status of its
    actions and pledges; `returned_sha256` once it came back (the same file twice changes nothing)."""

    __tablename__ = "status_request"
    __table_args__ = (UniqueConstraint("state_id", "token"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    year: int
    institution_id: int = Field(foreign_key="institution.id", index=True)
    token: str = Field(max_length=40)
    refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # action-N, pledge-N
    file_name: str = Field(max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    returned_sha256: str | None = Field(default=None, max_length=64)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
