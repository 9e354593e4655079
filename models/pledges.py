"""Voluntary pledges a State made under the UPR, tracked like follow-up actions.

A pledge (text, institution, date made) has a status the lead institution reports
on, in the year-end round among others; its deadline, when it has one, is a
milestone of the follow-up plan's kind, so it is in the feeds and reminders.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
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
