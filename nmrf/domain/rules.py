"""The rules of every mechanism, as data: what is due, when, and on whose authority.

The catalogue (nmrf/rules/catalogue.yaml) is loaded into these models and
checked as a whole when it loads: every template's references resolve, every
rule names its source, and every default that comes from a range takes the
early end, because a default later than the official date makes a State miss it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nmrf.domain.dates import Offset
from nmrf.domain.packaged import RULES_DIR
from nmrf.domain.yamlfile import load_model

CATALOGUE_PATH = RULES_DIR / "catalogue.yaml"

STAGES = (
    "inventory", "information_request", "coordination", "inputs", "drafting", "consultation",
    "nhri_comment", "parliament", "validation", "submission", "receipt", "visit",
    "dialogue", "position", "follow_up", "urgent_action",
)
ROLE_NAMES = (
    "secretariat", "head_of_secretariat", "focal_point", "head_of_unit",
    "minister", "nhri_contact", "cso_contact", "observer",
)
Role = Literal["secretariat", "head_of_secretariat", "focal_point", "head_of_unit",
               "minister", "nhri_contact", "cso_contact"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Season(_Strict):
    """A default for the dates whose base falls in these months (a UPR session's season)."""

    months: tuple[int, ...] = Field(min_length=1)
    offset: Offset

    @field_validator("months")
    @classmethod
    def _months(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= m <= 12 for m in value):
            raise ValueError("months are 1 to 12")
        return value


class Rule(_Strict):
    """One sourced number, e.g. "national report due 15 weeks before the session"."""

    offset: Offset
    source: str = Field(min_length=3)
    verified: bool
    note: str = ""
    # When the published rule is a range, both ends; the default must be the early one.
    range: tuple[Offset, Offset] | None = None
    # Defaults by the month of the base date, where the published dates depend on the
    # season (each inside the range); `offset` stays the early end, for any other month.
    seasons: tuple[Season, ...] = ()

    @model_validator(mode="after")
    def _errs_early(self) -> Rule:
        if self.range:
            earliest = min(self.range, key=Offset.approx_days)
            latest = max(self.range, key=Offset.approx_days)
            if self.offset.approx_days() > earliest.approx_days():
                raise ValueError(
                    f"default {self.offset} is later than the early end {earliest} of its range: "
                    "a default must err early"
                )
            if self.offset.approx_days() < earliest.approx_days():
                raise ValueError(f"default {self.offset} is earlier than its range ({earliest} to {latest}): "
                                 "a default errs early, never by more than the rule's range")
            for season in self.seasons:
                if not earliest.approx_days() <= season.offset.approx_days() <= latest.approx_days():
                    raise ValueError(f"the default {season.offset} for months {list(season.months)} "
                                     f"is outside the range {earliest} to {latest}")
        elif self.seasons:
            raise ValueError("defaults by season need the rule's range")
        months = [m for season in self.seasons for m in season.months]
        if len(set(months)) != len(months):
            raise ValueError("a month is in two seasons")
        return self

    def offset_for(self, base: date) -> Offset:
        """The default counted from `base`: its season's, or the rule's own."""
        for season in self.seasons:
            if base.month in season.months:
                return season.offset
        return self.offset


class Due(_Strict):
    """When a milestone is due: an offset from another milestone, literal or a mechanism's rule."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    offset: Offset | None = None
    rule: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Due:
        if (self.offset is None) == (self.rule is None):
            raise ValueError("give exactly one of offset or rule")
        return self


class Launch(_Strict):
    """A cycle this milestone opens once it is closed (the follow-up the recommendations open)."""

    template: str
    # child anchor key -> this cycle's milestone key whose date it takes
    anchors: dict[str, str]


class MilestoneRule(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    stage: str
    title: str
    description: str = ""
    kind: Literal["deadline", "meeting", "event"] = "deadline"
    side: Literal["un", "internal"]
    owner: Role | None = None
    # One milestone per participating institution whose people hold `owner`
    # (limited to these institution kinds when given).
    per_institution: bool = False
    institution_kinds: tuple[str, ...] = ()
    completion: Literal["person", "system", "date"] = "person"
    track: bool = True
    anchor: bool = False  # its date must be given at launch (or by the inventory)
    due: Due | None = None
    opens: Offset | None = None  # how long before its due date it opens
    after: tuple[str, ...] = ()  # opens once these are closed
    waits_for: tuple[str, ...] = ()  # opens once these are closed or past due
    audience: tuple[Role, ...] = ()
    time: str | None = Field(default=None, pattern=r"^\d\d:\d\d$")  # local time of a meeting
    duration_minutes: int = 120
    word_limit: str | None = None
    source: str = ""
    verified: bool = True
    launches: Launch | None = None

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, value: str) -> str:
        if value not in STAGES:
            raise ValueError(f"unknown stage {value!r}; expected one of {', '.join(STAGES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MilestoneRule:
        if self.per_institution and self.owner is None:
            raise ValueError("a per-institution milestone needs an owner role")
        if self.kind == "meeting" and self.time is None:
            raise ValueError("a meeting needs a local time (HH:MM)")
        if self.anchor and self.due is not None:
            raise ValueError("an anchor has no computed due date")
        return self


class Template(_Strict):
    title: str
    flow: str
    confidential: bool = False
    description: str = ""
    milestones: tuple[MilestoneRule, ...]

    @model_validator(mode="after")
    def _references(self) -> Template:
        keys = [m.key for m in self.milestones]
        if len(set(keys)) != len(keys):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            raise ValueError(f"duplicate milestone keys: {', '.join(dupes)}")
        by_key = {m.key: m for m in self.milestones}
        for m in self.milestones:
            refs = list(m.after) + list(m.waits_for) + ([m.due.from_] if m.due else [])
            for ref in refs:
                if ref not in by_key:
                    raise ValueError(f"milestone {m.key!r} refers to unknown milestone {ref!r}")
            if m.due and by_key[m.due.from_].per_institution:
                raise ValueError(f"milestone {m.key!r} cannot count from per-institution {m.due.from_!r}")
        # The date chain must not loop.
        for m in self.milestones:
            seen, cur = set(), m
            while cur.due:
                if cur.key in seen:
                    raise ValueError(f"due dates form a loop through {cur.key!r}")
                seen.add(cur.key)
                cur = by_key[cur.due.from_]
        return self

    def rule_names(self) -> set[str]:
        return {m.due.rule for m in self.milestones if m.due and m.due.rule}

    def word_limit_names(self) -> set[str]:
        return {m.word_limit for m in self.milestones if m.word_limit}


class Mechanism(_Strict):
    name: str
    body: Literal["charter", "treaty", "special_procedures", "spt", "regional"]
    # Ratification-data instruments that make a State report here, and those
    # that let it receive individual communications.
    instruments: tuple[str, ...] = ()
    communications_instruments: tuple[str, ...] = ()
    rules: dict[str, Rule] = {}
    word_limits: dict[str, int] = {}
    templates: tuple[str, ...]
    source: str
    note: str = ""


class Catalogue(_Strict):
    version: str
    mechanisms: dict[str, Mechanism]
    templates: dict[str, Template]

    @model_validator(mode="after")
    def _cross_references(self) -> Catalogue:
        for code, mech in self.mechanisms.items():
            for name in mech.templates:
                tpl = self.templates.get(name)
                if tpl is None:
                    raise ValueError(f"mechanism {code} names unknown template {name!r}")
                missing = tpl.rule_names() - set(mech.rules)
                if missing:
                    raise ValueError(f"template {name!r} needs rules {sorted(missing)} that {code} lacks")
                missing = tpl.word_limit_names() - set(mech.word_limits)
                if missing:
                    raise ValueError(f"template {name!r} needs word limits {sorted(missing)} that {code} lacks")
        return self

    def mechanism(self, code: str) -> Mechanism:
        try:
            return self.mechanisms[code]
        except KeyError:
            raise KeyError(f"unknown mechanism {code!r}; known: {', '.join(sorted(self.mechanisms))}") from None

    def template(self, name: str) -> Template:
        try:
            return self.templates[name]
        except KeyError:
            raise KeyError(f"unknown cycle template {name!r}; known: {', '.join(sorted(self.templates))}") from None


def parse_catalogue(path: Path | str) -> Catalogue:
    return load_model(Catalogue, path)


@lru_cache(maxsize=4)
def load_catalogue(path: str = str(CATALOGUE_PATH)) -> Catalogue:
    """The shipped catalogue (cached: it is immutable data)."""
    return parse_catalogue(path)
