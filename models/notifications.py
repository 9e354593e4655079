"""Reminders, escalations and their delivery: the outbox.

Every message is a `Notification` row written before anything is sent; its
`dedup_key` (item, step, recipient) is unique, so a second sweep, or two
sweeps at the same moment, cannot create it twice. Each of the recipient's
channels gets a `Delivery` row that a sweep claims with a lease, sends, and
marks sent right after; every try is a `DeliveryAttempt`. Nothing is deleted:
a message that cannot go out stays pending or failed, in sight.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

NOTIFICATION_KINDS = ("reminder", "escalation", "lapse", "digest", "test", "alert", "request", "comment", "signoff")
# The messages a stage sends when it opens (nmrf.services.stage_messages): the information request to a
# focal point, the draft to the NHRI for comment, the draft to a minister to sign off.
OPENING_KINDS = ("request", "comment", "signoff")
# pending: waiting to go (or going); digested: listed in a digest instead;
# sent: every channel took it; failed: a channel gave up after its retries;
# cancelled: stopped before sending (the item was done, waived or re-dated).
NOTIFICATION_STATUSES = ("pending", "digested", "sent", "failed", "cancelled")
DELIVERY_STATUSES = ("pending", "sent", "failed", "cancelled")


class NotificationPolicy(SQLModel, table=True):
    """One version of a State's reminder and escalation policy (the effective YAML, as JSON).

    A new version is stored whenever the profile changes it; a chain already
    running keeps the version it started with.
    """

    __tablename__ = "notification_policy"
    __table_args__ = (UniqueConstraint("state_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    version: int
    digest: str = Field(max_length=64)  # sha256 of the canonical JSON
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EscalationChain(SQLModel, table=True):
    """The reminders and escalations of one deadline, for one due date.

    Keyed by (milestone, sequence): a re-dated deadline starts a new chain.
    Pins the policy version the chain started with.
    """

    __tablename__ = "escalation_chain"
    __table_args__ = (UniqueConstraint("milestone_id", "sequence"),)
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    sequence: int
    due_date: date
    policy_id: int = Field(foreign_key="notification_policy.id")
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Acknowledgement(SQLModel, table=True):
    """A person saw an escalation and said when the item will come ("seen, input by Friday").

    Holds the chain until `promised_by` (or the policy's default hold); if the
    item is still open afterwards, the chain escalates again.
    """

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    sequence: int  # the chain's sequence
    due_date: date
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    promised_by: date | None = None
    note: str = Field(default="", max_length=1000)
    via: str = Field(default="cli", max_length=10)  # cli | web
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    # A web acknowledgement's token, hashed: each link acknowledges once.
    token_digest: str | None = Field(default=None, max_length=64, unique=True)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    state_id: int = Field(foreign_key="state.id", index=True)
    # (item, step, recipient): e.g. "m42:s3:esc:minister#0:p7"; unique, so
    # creating it twice is impossible.
    dedup_key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=12)
    step: str = Field(max_length=80)  # r14, overdue#0, lapse5, digest 2027-W22...
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    chain_sequence: int | None = None
    due_date: date | None = None
    policy_id: int | None = Field(default=None, foreign_key="notification_policy.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    language: str = Field(max_length=10)
    subject: str = Field(max_length=500)
    body: str = Field(sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    urgent: bool = False  # never folded into a digest
    through_quiet_hours: bool = False  # the policy lets this level through at night
    status: str = Field(default="pending", max_length=12, index=True)
    status_note: str = Field(default="", max_length=300)
    digest_id: int | None = Field(default=None, foreign_key="notification.id", index=True)
    # The decision's moment (the sweep's `now`) and when delivery may start
    # (quiet hours hold delivery, never the decision).
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One notification on one of the recipient's channels (an apprise URL)."""

    __tablename__ = "notification_delivery"
    __table_args__ = (UniqueConstraint("notification_id", "address_id"),)
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    address_id: int = Field(foreign_key="address.id")
    label: str = Field(max_length=60)
    # Stable across retries and sweeps: the e-mail's Message-ID, a field in
    # JSON bodies, an Idempotency-Key header: a receiver can drop a repeat.
    idempotency_key: str = Field(max_length=80, unique=True)
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # Who is sending it right now, until when (real clock): a sweep that dies
    # mid-send leaves a lease another sweep may take over.
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_result: str | None = Field(default=None, max_length=20)  # SUCCESS, FAILURE, TIMEOUT, NOMATCH...
    last_error: str | None = Field(default=None, max_length=1000)  # redacted
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryAttempt(SQLModel, table=True):
    """Every try of every delivery, with its time and apprise's per-service result."""

    __tablename__ = "delivery_attempt"
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="notification_delivery.id", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    worker: str = Field(max_length=120)
    result: str = Field(max_length=20)
    error: str | None = Field(default=None, max_length=1000)


class CycleSweep(SQLModel, table=True):
    """What the sweep last saw of a cycle, so that it advances only cycles whose time has come.

    A cycle is advanced again when a date of one of its milestones has been
    reached since `advanced_on`, or when anything in it changed (`fingerprint`).
    """

    __tablename__ = "cycle_sweep"
    __audit__ = False

    cycle_id: int = Field(foreign_key="cycle.id", primary_key=True)
    advanced_on: date
    fingerprint: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StageNotice(SQLModel, table=True):
    """A stage's opening messages, written for one milestone: once.

    The row is written first (its key is the milestone), in the transaction that writes the
    messages: a second sweep, or two at once, finds it and writes nothing. It also says what
    went: how many messages, which file (by checksum), or why none was attached.
    """

    __tablename__ = "stage_notice"
    __audit__ = False

    milestone_id: int = Field(foreign_key="milestone.id", primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: str = Field(max_length=12)  # request | comment | signoff
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    messages: int = 0
    file_name: str | None = Field(default=None, max_length=200)
    media_type: str | None = Field(default=None, max_length=120)
    sha256: str | None = Field(default=None, max_length=64)
    # Why no file went (no recommendation assigned to the institution, no draft to send), or that the
    # stage had opened before nmrf sent these messages.
    note: str = Field(default="", max_length=300)


class MessageFile(SQLModel, table=True):
    """The bytes of a file sent with messages, stored once by their SHA-256 (one draft goes to every
    minister): a retry sends these bytes, and the outbox shows what was sent."""

    __tablename__ = "message_file"
    __audit__ = False

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    """A file that goes with a message: attached where the channel carries files (e-mail), a
    download link where it does not (a chat hook, a push service)."""

    __tablename__ = "notification_attachment"
    __table_args__ = (UniqueConstraint("notification_id", "file_name"),)
    __audit__ = False

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    file_name: str = Field(max_length=200)
    media_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(foreign_key="message_file.sha256", max_length=64)
