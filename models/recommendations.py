"""Recommendations and what the State does about them.

A recommendation comes from a file (UPR Info, the UHRI, our template) and keeps
its exact text and themes; its identity (`uid`) is a hash of where it comes
from and what it says, so importing the same file again changes nothing. The
secretariat clusters them, records three of the guide's five priority factors,
names the responsible institutions and plans actions; each action's deadline
is a Milestone of a follow-up plan cycle, so it is in the feeds, reminders and
escalations like every other deadline. Institutions answer through workbooks;
each answer is kept (append-only) against its recommendation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

INDICATOR_KINDS = ("structural", "process", "outcome")
ACTION_STATUSES = ("planned", "in_progress", "done", "cancelled")
IMPLEMENTATION = ("not_started", "in_progress", "implemented", "partially_implemented", "not_applicable")
RESPONSIBILITY_ROLES = ("lead", "supporting")


class RecommendationImport(SQLModel, table=True):
    """One import that changed something (a re-import that changes nothing leaves no row)."""

    __tablename__ = "recommendation_import"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64, index=True)
    format: str = Field(max_length=20)
    encoding: str = Field(max_length=40)
    rows_in_file: int
    created: int
    updated: int
    scope: str = Field(max_length=200)  # which States' rows were kept
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class Cluster(SQLModel, table=True):
    """Recommendations that say the same thing, whatever the mechanism: one action answers all."""

    __table_args__ = (UniqueConstraint("state_code", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    state_code: str = Field(max_length=2, index=True)
    state_id: int | None = Field(default=None, foreign_key="state.id", index=True)
    # The uid of its first member: stable while the cluster lives.
    key: str = Field(max_length=40)
    theme: str = Field(max_length=60, index=True)  # its main theme in the shared taxonomy
    label: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Recommendation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=40, unique=True, index=True)
    # The State under review (ISO code), and its NMRF when that State's profile is in this database.
    state_code: str = Field(max_length=2, index=True)
    state_id: int | None = Field(default=None, foreign_key="state.id", index=True)
    source: str = Field(max_length=20)  # upr-info | uhri | template
    kind: str = Field(max_length=30)
    mechanism: str = Field(max_length=30, index=True)
    body: str = Field(max_length=300)  # recommending State (UPR), committee or mandate
    document: str = Field(max_length=200)  # UPR session, document symbol
    paragraph: str = Field(default="", max_length=40)
    session: str = Field(default="", max_length=40)
    article: str = Field(default="", max_length=60)  # treaty article, when the source gives one
    adopted_on: date | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))  # exactly as the source has it
    source_themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    theme_basis: str = Field(default="source", max_length=10)  # source | text | none
    sdgs: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # the source's own
    # Goals the themes imply that the source did not give: shown apart, labelled inferred.
    inferred_sdgs: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Source themes no list maps: kept verbatim (also in source_themes) and shown as unmapped.
    unmapped_themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # False: the recommending State or body is not one the lists (or the profile's aliases) know.
    body_known: bool = True
    affected_persons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    response: str = Field(default="", max_length=60)  # as the source gives it
    position: str = Field(default="", max_length=20)  # supported | noted | partially_supported | pending
    # Where the State's position was given (the addendum, A/HRC/.../Add.1) and who recorded it when.
    position_source: str = Field(default="", max_length=500)
    position_by: str | None = Field(default=None, max_length=200)
    position_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    action_category: int | None = None  # UPR Info's 1 (minimal) to 5 (specific)
    urgent_flag: bool = False  # flagged urgent (or for follow-up) in the source
    confidential: bool = False
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_line: int = 0
    # A digest of every field the source gives: a re-import compares it, not each field.
    source_digest: str = Field(default="", max_length=64)
    import_id: int | None = Field(default=None, foreign_key="recommendation_import.id")

    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    cluster_basis: str = Field(default="", max_length=200)  # computed | placed by <who>

    # The guide's factors (c)-(e), recorded by the secretariat; None: not assessed yet.
    no_budget: bool | None = None
    national_priority: bool | None = None
    disadvantaged_groups: bool | None = None
    factors_note: str = Field(default="", max_length=2000)
    factors_by: str | None = Field(default=None, max_length=200)
    factors_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Responsibility(SQLModel, table=True):
    """An institution leading or supporting the follow-up of a cluster (or of one recommendation)."""

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    role: str = Field(max_length=12)  # lead | supporting
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class FollowUpAction(SQLModel, table=True):
    """One action of the follow-up plan; its deadline is `milestone_id` in the plan's cycle."""

    __tablename__ = "follow_up_action"

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id")
    institution_id: int = Field(foreign_key="institution.id", index=True)
    title: str = Field(max_length=300)
    due_date: date
    indicator: str = Field(default="", max_length=500)
    indicator_kind: str = Field(max_length=12)  # structural | process | outcome
    status: str = Field(default="planned", max_length=12, index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    milestone_id: int = Field(foreign_key="milestone.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class ActionUpdate(SQLModel, table=True):
    """A status update on an action: who, when, what. Append-only."""

    __tablename__ = "follow_up_update"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="follow_up_action.id", index=True)
    status: str = Field(max_length=12)
    note: str = Field(default="", max_length=4000)
    due_date: date | None = None  # the new due date, when the update moved it
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InputRequest(SQLModel, table=True):
    """A workbook sent to an institution: which recommendations it asked about."""

    __tablename__ = "input_request"
    __table_args__ = (UniqueConstraint("cycle_id", "institution_id", "token"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    token: str = Field(max_length=40)  # written into the workbook, read back on import
    recommendation_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    file_name: str = Field(max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)


class InputAnswer(SQLModel, table=True):
    """An institution's answer on one recommendation, read from its returned workbook. Append-only."""

    __tablename__ = "input_answer"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    request_id: int = Field(foreign_key="input_request.id")
    answer: str = Field(sa_column=Column(Text, nullable=False))
    implementation: str = Field(max_length=24)
    data: str = Field(default="", max_length=2000)
    workbook_sha256: str = Field(max_length=64, index=True)
    workbook_row: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
