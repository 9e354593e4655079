"""Reminder ladders and escalation policies, as data.

The shipped default (nmrf/data/default-policy.yaml) is overridden section by section by
the profile's `notifications:` block. Everything is checked when the profile
loads, against the people in it: a target role nobody holds, an unknown person,
a person the policy can reach who has no address, each reported with its file and
line, so that nothing fails at 3 a.m. when a message is due.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nmrf.domain.dates import WorkCalendar
from nmrf.domain.i18n import N_, Said
from nmrf.domain.packaged import DATA_DIR
from nmrf.domain.rules import ROLE_NAMES, STAGES
from nmrf.domain.yamlfile import load_yaml, parse_model

DEFAULT_POLICY_PATH = DATA_DIR / "default-policy.yaml"
SLUG = r"^[a-z][a-z0-9_-]*$"
OWNER = "owner"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Delay(_Strict):
    """{days: N} or {working_days: N}: how far from a date."""

    days: int | None = Field(default=None, ge=0, le=366)
    working_days: int | None = Field(default=None, ge=0, le=260)

    @model_validator(mode="after")
    def _one(self) -> Delay:
        if (self.days is None) == (self.working_days is None):
            raise ValueError(Said(N_("give exactly one of days or working_days")))
        return self

    def after(self, cal: WorkCalendar, day: date) -> date:
        if self.working_days is not None:
            return cal.add_working_days(day, self.working_days)
        return day + timedelta(days=self.days or 0)

    def before(self, cal: WorkCalendar, day: date) -> date:
        """A reminder day: never on a day people do not work (the working day before)."""
        if self.working_days is not None:
            return cal.add_working_days(cal.on_or_before(day), -self.working_days)
        return cal.on_or_before(day - timedelta(days=self.days or 0))

    def approx_days(self) -> float:
        return float(self.days) if self.days is not None else (self.working_days or 0) * 7 / 5

    @property
    def label(self) -> str:
        return f"{self.days}d" if self.days is not None else f"{self.working_days}wd"


def _check_targets(value: tuple[str, ...]) -> tuple[str, ...]:
    for t in value:
        if t == OWNER or t in ROLE_NAMES:
            continue
        if t.startswith("person:") and len(t) > 7:
            continue
        raise ValueError(Said.of(N_("unknown target %(target)s: expected owner, a role (%(roles)s) or person:KEY"),
                                 target=repr(t), roles=", ".join(ROLE_NAMES)))
    if len(set(value)) != len(value):
        raise ValueError(Said(N_("a target is named twice")))
    return value


def _check_stages(value: tuple[str, ...]) -> tuple[str, ...]:
    for s in value:
        if s not in STAGES:
            raise ValueError(Said.of(N_("unknown stage %(stage)s; expected one of %(known)s"), stage=repr(s),
                                     known=", ".join(STAGES)))
    return value


def _check_roles(value: tuple[str, ...]) -> tuple[str, ...]:
    for r in value:
        if r not in ROLE_NAMES:
            raise ValueError(Said.of(N_("unknown role %(role)s; expected one of %(known)s"), role=repr(r),
                                     known=", ".join(ROLE_NAMES)))
    return value


class _Matcher(_Strict):
    name: str = Field(pattern=SLUG)
    stages: tuple[str, ...] = ()  # the item's stage; empty: any
    roles: tuple[str, ...] = ()  # the role that owes the item; empty: any

    _stages = field_validator("stages")(_check_stages)
    _roles = field_validator("roles")(_check_roles)

    def matches(self, stage: str, role: str | None) -> bool:
        return (not self.stages or stage in self.stages) and (not self.roles or role in self.roles)

    @property
    def catch_all(self) -> bool:
        return not self.stages and not self.roles


class ReminderLadder(_Matcher):
    before: tuple[Delay, ...] = Field(max_length=10)
    to: tuple[str, ...] = (OWNER,)

    _targets = field_validator("to")(_check_targets)

    @field_validator("before")
    @classmethod
    def _distinct(cls, value: tuple[Delay, ...]) -> tuple[Delay, ...]:
        labels = [d.label for d in value]
        if len(set(labels)) != len(labels):
            raise ValueError(Said(N_("the same reminder is given twice")))
        return value


class Repeat(_Strict):
    every: Delay
    times: int = Field(ge=1, le=10)


class Level(_Strict):
    name: str = Field(pattern=SLUG, max_length=30)
    after: Delay
    to: tuple[str, ...] = Field(min_length=1)
    # Urgent levels are never folded into a digest; by default the last level is.
    urgent: bool | None = None
    through_quiet_hours: bool = False
    repeat: Repeat | None = None
    # The stop rule: every level stops when the item is done, waived, cancelled or
    # re-dated; an acknowledgement holds it until the promise, unless this is false.
    held_by_acknowledgement: bool = True

    _targets = field_validator("to")(_check_targets)


class EscalationPolicy(_Matcher):
    # Whether each level's delay counts from the deadline or from the level before.
    counts_from: Literal["deadline", "previous"] = "deadline"
    levels: tuple[Level, ...] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(Said.of(N_("escalation %(name)s: level names must differ"), name=repr(self.name)))
        if self.levels[0].after.approx_days() <= 0:
            raise ValueError(Said.of(N_("escalation %(name)s: the first level comes at least a day after the "
                                        "deadline"), name=repr(self.name)))
        if self.counts_from == "deadline":
            for a, b in zip(self.levels, self.levels[1:]):
                if b.after.approx_days() <= a.after.approx_days():
                    raise ValueError(Said.of(N_("escalation %(name)s: level %(level)s must come after level "
                                                "%(before)s"), name=repr(self.name), level=repr(b.name),
                                             before=repr(a.name)))
        return self

    def is_urgent(self, index: int) -> bool:
        level = self.levels[index]
        return level.urgent if level.urgent is not None else index == len(self.levels) - 1


class AckSpec(_Strict):
    holds_for: Delay = Delay(working_days=5)
    link_valid_for: Delay = Delay(days=14)

    @field_validator("link_valid_for")
    @classmethod
    def _days(cls, value: Delay) -> Delay:
        if value.days is None or value.days < 1:
            raise ValueError(Said(N_("link_valid_for is in days (at least 1)")))
        return value


class DeliverySpec(_Strict):
    # Hold messages decided on a weekend or a holiday to the next working day (the levels
    # let through quiet hours are let through this too).
    working_days_only: bool = False


class DigestSpec(_Strict):
    window: Literal["day", "week", "off"] = "week"
    min_items: int = Field(default=2, ge=2, le=100)


def _catch_all_last(value: tuple[_Matcher, ...] | None, what: str) -> Any:
    if value is None:
        return value
    names = [m.name for m in value]
    if len(set(names)) != len(names):
        raise ValueError(Said.of(N_("%(what)s names must differ"), what=what))
    if not value or not value[-1].catch_all:
        raise ValueError(Said.of(N_("the last %(what)s entry must match everything (no stages, no roles), so that "
                                    "no deadline goes unnoticed"), what=what))
    return value


class NotificationsSpec(_Strict):
    """The profile's `notifications:` block: each section given replaces the default's."""

    reminders: tuple[ReminderLadder, ...] | None = None
    escalation: tuple[EscalationPolicy, ...] | None = None
    acknowledgement: AckSpec | None = None
    digest: DigestSpec | None = None
    delivery: DeliverySpec | None = None

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, value: tuple[ReminderLadder, ...] | None) -> Any:
        return _catch_all_last(value, "reminders")

    @field_validator("escalation")
    @classmethod
    def _escalation(cls, value: tuple[EscalationPolicy, ...] | None) -> Any:
        return _catch_all_last(value, "escalation")


class Policy(_Strict):
    """The effective policy: every section present."""

    reminders: tuple[ReminderLadder, ...]
    escalation: tuple[EscalationPolicy, ...]
    acknowledgement: AckSpec
    digest: DigestSpec
    delivery: DeliverySpec = DeliverySpec()

    def ladder_for(self, stage: str, role: str | None) -> ReminderLadder:
        return next(m for m in self.reminders if m.matches(stage, role))

    def escalation_for(self, stage: str, role: str | None) -> EscalationPolicy:
        return next(m for m in self.escalation if m.matches(stage, role))

    def targets(self) -> list[tuple[str, tuple, str]]:
        """(section, location inside the section, target) for every `to:` entry."""
        out = []
        for i, ladder in enumerate(self.reminders):
            out += [("reminders", (i, "to", k), t) for k, t in enumerate(ladder.to)]
        for i, esc in enumerate(self.escalation):
            for j, level in enumerate(esc.levels):
                out += [("escalation", (i, "levels", j, "to", k), t) for k, t in enumerate(level.to)]
        return out

    def horizon_days(self) -> int:
        """How many calendar days after a deadline this policy can still send something,
        acknowledgements aside (a generous bound: holidays stretch working days)."""
        longest = 0.0
        for esc in self.escalation:
            total = 0.0
            for level in esc.levels:
                reach = level.after.approx_days()
                if level.repeat:
                    reach += level.repeat.every.approx_days() * level.repeat.times
                total = total + reach if esc.counts_from == "previous" else max(total, reach)
            longest = max(longest, total)
        return int(longest * 1.5) + 21

    def lead_days(self) -> int:
        """How many calendar days before a deadline the first reminder can come (digests may
        bring one forward by up to a week)."""
        most = max((d.approx_days() for ladder in self.reminders for d in ladder.before), default=0)
        return int(most * 1.5) + 10

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @property
    def digest_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def default_spec() -> tuple[NotificationsSpec, dict]:
    """The shipped policy and its lines (for the line numbers of a problem in it)."""
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    data, lines = load_yaml(text, filename=str(DEFAULT_POLICY_PATH))
    return parse_model(NotificationsSpec, data, filename=str(DEFAULT_POLICY_PATH), lines=lines), lines


def default_policy() -> Policy:
    return effective_policy(None)


def effective_policy(override: NotificationsSpec | None) -> Policy:
    base, _ = default_spec()
    sections = {}
    for name in ("reminders", "escalation", "acknowledgement", "digest", "delivery"):
        value = getattr(override, name, None) if override is not None else None
        sections[name] = value if value is not None else getattr(base, name)
    return Policy(**sections)


def policy_from_json(body: dict[str, Any]) -> Policy:
    return Policy.model_validate(body)


def section_source(override: NotificationsSpec | None, section: str) -> str:
    return "profile" if override is not None and getattr(override, section) is not None else "default"
