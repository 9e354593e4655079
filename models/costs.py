"""Estimated and actual costs of the NMRF's work, on cycles, milestones and meetings.

The OHCHR guide asks for a workplan "with estimated costs": each cost item has an
exact decimal amount in one ISO 4217 currency and a budget line of the profile.
Totals are per currency, never summed across currencies (nmrf has no exchange
rates and should not pretend to).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from nmrf.models.types import DecimalText, UTCDateTime, utcnow

COST_BASES = ("estimate", "actual")
COST_TARGETS = ("cycle", "milestone", "meeting", "series")


class CostItem(SQLModel, table=True):
    __tablename__ = "cost_item"

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    # Exactly one of these is set: what the cost is for.
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="meeting_series.id", index=True)
    amount: Decimal = Field(sa_type=DecimalText)
    currency: str = Field(max_length=3)
    budget_line: str = Field(max_length=60)
    description: str = Field(max_length=500)
    basis: str = Field(default="estimate", max_length=10)  # estimate | actual (spent)
    # The day the cost falls on: what puts it in a year's workplan.
    falls_on: date = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
