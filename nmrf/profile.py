"""A State's NMRF profile: the plain YAML file a secretariat writes by hand.

`load_profile` parses and checks the whole file at once and reports every
problem with its line and field; nothing reaches the database until the file
is valid (the database side is nmrf.services.profiles).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nmrf.domain.dates import Offset
from nmrf.domain.rules import ROLE_NAMES, load_catalogue
from nmrf.models.people import INSTITUTION_KINDS
from nmrf.notifications.policy import NotificationsSpec

EXAMPLE_PROFILE = Path(__file__).resolve().parent / "data" / "example-profile.yaml"
SLUG = r"^[a-z0-9][a-z0-9-]*$"
QUIET = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
# Institutions that answer requests for information: each needs a focal point.
CONTRIBUTING_KINDS = ("ministry", "statistics_office", "judiciary", "parliament")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone (for example Europe/Brussels)")
    return value


def _single_line(value: str) -> str:
    # Names go into calendars' NAME lines, mail headers and page titles: one line, no control characters.
    from nmrf.domain.text import single_line

    return single_line(value)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HolidaysSpec(_Strict):
    country: str = Field(min_length=2, max_length=3)
    subdiv: str | None = None
    extra: list[date] = []

    @model_validator(mode="after")
    def _supported(self) -> HolidaysSpec:
        import holidays

        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"holidays.country {self.country!r} is not a country the holidays package knows")
        if self.subdiv and self.subdiv not in supported[self.country]:
            raise ValueError(f"holidays.subdiv {self.subdiv!r} is not a subdivision of {self.country}")
        return self


class StateSpec(_Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    name: str = Field(min_length=2)
    secretariat: str = Field(min_length=2)
    timezone: str
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    holidays: HolidaysSpec
    quiet_hours: str = Field(default="20:00-07:30", pattern=QUIET)

    _zone = field_validator("timezone")(_check_zone)
    _one_line = field_validator("name", "secretariat")(_single_line)


class InstitutionSpec(_Strict):
    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=2)
    kind: Literal[INSTITUTION_KINDS]  # type: ignore[valid-type]
    contributes_to: list[str] = []

    _one_line = field_validator("name")(_single_line)


class RoleSpec(_Strict):
    role: Literal[ROLE_NAMES]  # type: ignore[valid-type]
    institution: str | None = None


class AddressSpec(_Strict):
    label: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    url: str = Field(min_length=4)

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: str) -> str:
        from nmrf.notifications.addresses import check_url

        check_url(value)
        return value


class PersonSpec(_Strict):
    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=2)
    institution: str
    roles: list[Literal[ROLE_NAMES] | RoleSpec] = Field(min_length=1)  # type: ignore[valid-type]
    timezone: str | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    quiet_hours: str | None = Field(default=None, pattern=QUIET)
    addresses: list[AddressSpec] = []

    _zone = field_validator("timezone")(lambda v: v if v is None else _check_zone(v))
    _one_line = field_validator("name")(_single_line)

    def role_pairs(self) -> list[tuple[str, str]]:
        out = []
        for r in self.roles:
            if isinstance(r, RoleSpec):
                out.append((r.role, r.institution or self.institution))
            else:
                out.append((r, self.institution))
        return out


class RatificationSpec(_Strict):
    party: bool
    year: int | None = Field(default=None, ge=1945, le=2100)


class VisitSpec(_Strict):
    """A visit requested by a special procedure, or announced by the SPT (or the CPT)."""

    mandate: str = Field(min_length=3, max_length=200)
    requested: date | None = None  # the mandate holder's request reached the State
    announced: date | None = None  # the body announced its visit
    visit: date | None = None  # the first day of the visit, once agreed
    answered: bool = False  # the State has answered the request

    @model_validator(mode="after")
    def _dated(self) -> VisitSpec:
        if self.requested is None and self.announced is None and self.visit is None:
            raise ValueError("give the date the visit was requested, announced, or will start")
        return self


class ReportingSpec(_Strict):
    """What the State knows of its own reporting to one mechanism."""

    next_report_due: date | None = None
    next_review: date | None = None
    last_review: date | None = None
    last_dialogue: date | None = None
    last_submitted: date | None = None
    submitted: bool = False
    follow_up_submitted: bool = False
    procedure: Literal["standard", "simplified"] = "standard"
    source: str | None = None
    visits: list[VisitSpec] = []


class Profile(_Strict):
    state: StateSpec
    lead_times: dict[str, Offset] = {}
    ratifications: dict[str, RatificationSpec] = {}
    reporting: dict[str, ReportingSpec] = {}
    institutions: list[InstitutionSpec] = Field(min_length=1)
    people: list[PersonSpec] = Field(min_length=1)
    # Reminders and escalation: each section given replaces the shipped default's
    # (notifications/default-policy.yaml).
    notifications: NotificationsSpec | None = None

    @field_validator("lead_times")
    @classmethod
    def _internal_keys(cls, value: dict[str, Offset]) -> dict[str, Offset]:
        internal = {m.key for t in load_catalogue().templates.values() for m in t.milestones
                    if m.side == "internal" and m.due is not None}
        for key in value:
            if key not in internal:
                raise ValueError(f"lead time for {key!r}: not an internal milestone of any template "
                                 f"(known: {', '.join(sorted(internal))}); UN dates change only by official dates")
        return value

    @field_validator("reporting")
    @classmethod
    def _known_mechanisms(cls, value: dict[str, ReportingSpec]) -> dict[str, ReportingSpec]:
        known = load_catalogue().mechanisms
        for code in value:
            if code not in known:
                raise ValueError(f"unknown mechanism {code!r}; known: {', '.join(sorted(known))}")
        return value

    @field_validator("ratifications")
    @classmethod
    def _known_instruments(cls, value: dict[str, RatificationSpec]) -> dict[str, RatificationSpec]:
        known = {i for m in load_catalogue().mechanisms.values()
                 for i in (*m.instruments, *m.communications_instruments)}
        for name in value:
            if name not in known:
                raise ValueError(f"unknown instrument {name!r}; known: {', '.join(sorted(known))}")
        return value



def reference_problems(profile: Profile) -> list[tuple[tuple, str]]:
    """Cross-references a schema cannot check: keys that must exist, roles someone must hold."""
    problems: list[tuple[tuple, str]] = []
    inst_keys = [i.key for i in profile.institutions]
    kinds = {i.key: i.kind for i in profile.institutions}
    mechanisms = load_catalogue().mechanisms
    for n, inst in enumerate(profile.institutions):
        if inst_keys.count(inst.key) > 1:
            problems.append((("institutions", n, "key"), f"duplicate institution key {inst.key!r}"))
        for code in inst.contributes_to:
            if code not in mechanisms:
                problems.append((("institutions", n, "contributes_to"), f"unknown mechanism {code!r}"))
    person_keys = [p.key for p in profile.people]
    held: dict[str, set[str]] = {}
    for n, person in enumerate(profile.people):
        if person_keys.count(person.key) > 1:
            problems.append((("people", n, "key"), f"duplicate person key {person.key!r}"))
        if person.institution not in kinds:
            problems.append((("people", n, "institution"),
                             f"unknown institution {person.institution!r}; known: {', '.join(inst_keys)}"))
        for r, (role, inst) in enumerate(person.role_pairs()):
            if inst not in kinds:
                problems.append((("people", n, "roles", r), f"unknown institution {inst!r}"))
            held.setdefault(role, set()).add(inst)
        labels = [a.label for a in person.addresses]
        for a, addr in enumerate(person.addresses):
            if labels.count(addr.label) > 1:
                problems.append((("people", n, "addresses", a, "label"), f"duplicate address label {addr.label!r}"))
    for role in ("secretariat", "head_of_secretariat"):
        if role not in held:
            problems.append((("people",), f"nobody holds the role {role!r}; the NMRF needs one"))
    for n, inst in enumerate(profile.institutions):
        if inst.kind in CONTRIBUTING_KINDS and inst.key not in held.get("focal_point", set()):
            problems.append((("institutions", n), f"{inst.kind} {inst.key!r} has no focal point: "
                             "add a person with role focal_point for it"))
        if inst.kind == "nhri" and inst.key not in held.get("nhri_contact", set()):
            problems.append((("institutions", n), f"NHRI {inst.key!r} has no nhri_contact"))
    return problems


def load_profile(path: Path | str) -> Profile:
    """Parse and check a profile file; raise NmrfError listing every problem with its line."""
    from nmrf.domain.yamlfile import _dotted, line_of, load_yaml, parse_model
    from nmrf.errors import NmrfError, Problem

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NmrfError([Problem("file not found", file=str(path))]) from None
    except UnicodeDecodeError as exc:
        raise NmrfError([Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path))]) from None
    data, lines = load_yaml(text, filename=str(path))
    if not isinstance(data, dict):
        raise NmrfError([Problem("expected a mapping with state, institutions and people", file=str(path), line=1)])
    profile = parse_model(Profile, data, filename=str(path), lines=lines)
    problems = [Problem(msg, file=str(path), line=line_of(loc, lines), field=_dotted(loc))
                for loc, msg in reference_problems(profile)]
    from nmrf.notifications.policy import profile_problems

    problems += profile_problems(profile, path=str(path), lines=lines)
    if problems:
        raise NmrfError(problems)
    return profile
