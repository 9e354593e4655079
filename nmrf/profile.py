"""A State's NMRF profile: the plain YAML file a secretariat writes by hand.

`load_profile` parses and checks the whole file at once and reports every
problem with its line and field; nothing reaches the database until the file
is valid (the database side is nmrf.services.profiles).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import available_timezones

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from nmrf.domain.costs import check_currency
from nmrf.domain.dates import Offset
from nmrf.domain.i18n import LanguageError, pick_name, resolve_language
from nmrf.domain.packaged import EXAMPLE_PROFILE
from nmrf.domain.policy import (
    DEFAULT_POLICY_PATH,
    OWNER,
    NotificationsSpec,
    default_spec,
    effective_policy,
    section_source,
)
from nmrf.domain.rules import ROLE_NAMES, load_catalogue
from nmrf.domain.yamlfile import dotted, line_of, load_yaml, parse_model
from nmrf.errors import NmrfError, Problem
from nmrf.models.people import INSTITUTION_KINDS
from nmrf.notifications.addresses import check_url

__all__ = ["EXAMPLE_PROFILE", "Profile", "load_profile"]

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


def _check_language(value: str | None) -> str | None:
    """fr, fr-SN (read as fr), wo (a real language without a catalog: accepted, warned at load); anything
    else is refused with the supported list."""
    if value is None:
        return None
    try:
        return resolve_language(str(value)).code
    except LanguageError as exc:
        raise ValueError(str(exc)) from None


def _split_names(data: Any, *fields: str) -> Any:
    """`name: {fr: ..., en: ...}` -> name (one of them, fixed once the State's language is known) and
    names (every language given). A plain string stays the one name for every reader."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for f in fields:
        value = data.get(f)
        if isinstance(value, dict):
            plural = f"{f}s" if not f.endswith("s") else f
            data[plural + "_by_language" if f != "name" else "names"] = value
            texts = [v for v in value.values() if isinstance(v, str)]
            data[f] = value.get("en") if isinstance(value.get("en"), str) else (texts[0] if texts else "")
    return data


def _check_names(value: dict[str, str]) -> dict[str, str]:
    out = {}
    for code, text in value.items():
        try:
            key = resolve_language(str(code)).code
        except LanguageError as exc:
            raise ValueError(f"name in {code!r}: {exc}") from None
        if not isinstance(text, str) or len(text.strip()) < 2:
            raise ValueError(f"name in {code!r}: expected a text of at least 2 characters")
        out[key] = text
    return out


class HolidaysSpec(_Strict):
    country: str = Field(min_length=2, max_length=3)
    subdiv: str | None = None
    extra: list[date] = []

    @model_validator(mode="after")
    def _supported(self) -> HolidaysSpec:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"holidays.country {self.country!r} is not a country the holidays package knows")
        if self.subdiv and self.subdiv not in supported[self.country]:
            raise ValueError(f"holidays.subdiv {self.subdiv!r} is not a subdivision of {self.country}")
        return self


class StateSpec(_Strict):
    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    # A name per language ({fr: Sénégal, en: Senegal}) or one for every reader; `names` holds them all.
    name: str = Field(min_length=2)
    names: dict[str, str] = {}
    secretariat: str = Field(min_length=2)
    secretariats_by_language: dict[str, str] = {}
    # `secretariat: {en: ..., contact: nmrf@example.gob.cl}`: named in every message to someone outside it.
    secretariat_contact: str | None = Field(default=None, max_length=320)
    timezone: str
    language: str = "en"
    holidays: HolidaysSpec
    quiet_hours: str = Field(default="20:00-07:30", pattern=QUIET)

    _zone = field_validator("timezone")(_check_zone)
    _one_line = field_validator("name", "secretariat")(_single_line)
    _lang = field_validator("language")(_check_language)
    _names = field_validator("names", "secretariats_by_language")(_check_names)

    @model_validator(mode="before")
    @classmethod
    def _by_language(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("secretariat"), dict) and "contact" in data["secretariat"]:
            data = dict(data)
            names = dict(data["secretariat"])
            data["secretariat_contact"] = names.pop("contact")
            data["secretariat"] = names
        return _split_names(data, "name", "secretariat")

    @field_validator("secretariat_contact")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = str(value).strip()
        if not (re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) or re.fullmatch(r"https?://\S+", value)):
            raise ValueError(f"secretariat.contact {value!r}: expected an e-mail address (nmrf@example.gob.cl) "
                             "or a web address (https://...)")
        return value


class InstitutionSpec(_Strict):
    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=2)
    names: dict[str, str] = {}
    kind: Literal[INSTITUTION_KINDS]  # type: ignore[valid-type]
    contributes_to: list[str] = []
    # The institution's working language: its workbooks and shared feed are in it (default: the State's).
    language: str | None = None

    _lang = field_validator("language")(_check_language)
    _names = field_validator("names")(_check_names)

    @model_validator(mode="before")
    @classmethod
    def _by_language(cls, data: Any) -> Any:
        return _split_names(data, "name")

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
        check_url(value)
        return value


class PersonSpec(_Strict):
    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=2)
    institution: str
    roles: list[Literal[ROLE_NAMES] | RoleSpec] = Field(min_length=1)  # type: ignore[valid-type]
    timezone: str | None = None
    language: str | None = None
    # The person's title (Ministre de la Santé), per language or one for every reader.
    title: str | None = None
    titles_by_language: dict[str, str] = {}
    quiet_hours: str | None = Field(default=None, pattern=QUIET)
    addresses: list[AddressSpec] = []
    # A deputy names the minister they act for (a person key): their page offers that minister's sign-off.
    acts_for: str | None = Field(default=None, pattern=SLUG)

    _zone = field_validator("timezone")(lambda v: v if v is None else _check_zone(v))
    _one_line = field_validator("name")(_single_line)
    _lang = field_validator("language")(_check_language)
    _names = field_validator("titles_by_language")(_check_names)

    @model_validator(mode="before")
    @classmethod
    def _by_language(cls, data: Any) -> Any:
        return _split_names(data, "title")

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
    # The language of the State's reports to this mechanism (default: the State's language).
    language: Literal["en", "es", "fr", "ar", "ru", "zh"] | None = None
    visits: list[VisitSpec] = []


class RecommendationAliasesSpec(_Strict):
    """The secretariat's own spellings, for the files it imports (the package's lists stay untouched)."""

    # ISO code of a UN member or observer State -> other spellings of its name.
    states: dict[str, list[str]] = {}
    # Theme key of the shared taxonomy -> theme names a source writes.
    themes: dict[str, list[str]] = {}

    @field_validator("states")
    @classmethod
    def _known_states(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        from nmrf.domain.taxonomy import un_states

        known = un_states().names
        for code in value:
            if code not in known:
                raise ValueError(f"{code!r} is not the ISO code of a UN member or observer State")
        return value

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        from nmrf.domain.taxonomy import load_taxonomy

        themes = load_taxonomy().themes
        for key in value:
            if key not in themes:
                raise ValueError(f"{key!r} is not a theme of the shared taxonomy (`nmrf recommendations themes`)")
        return value


class PublicationSpec(_Strict):
    """What the State chooses to publish: the public site of its recommendations (off unless it says so)."""

    site: bool = False
    # The site's languages (default: the State's); each must be one nmrf has a catalog for.
    languages: list[str] = []

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        from nmrf.domain.i18n import SUPPORTED

        for lang in value:
            if lang not in SUPPORTED:
                raise ValueError(f"{lang!r}: the site can be published in {', '.join(SUPPORTED)}")
        return value


class RecommendationsSpec(_Strict):
    aliases: RecommendationAliasesSpec = RecommendationAliasesSpec()


class BudgetLineSpec(_Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    name: str = Field(min_length=1, max_length=200)


class BudgetSpec(_Strict):
    """The budget lines cost items are booked on, and (optionally) the only currencies in use."""

    lines: list[BudgetLineSpec] = Field(min_length=1)
    currencies: list[str] = []

    @field_validator("currencies")
    @classmethod
    def _iso_4217(cls, value: list[str]) -> list[str]:
        return [check_currency(code) for code in value]

    @model_validator(mode="after")
    def _unique_lines(self) -> BudgetSpec:
        keys = [line.key for line in self.lines]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate budget line(s) {', '.join(dupes)}")
        return self


class OpenIDConnectSpec(_Strict):
    """The government's identity provider, for signing in to the console (roles still come from `people`)."""

    # Shown on the sign-in page's button: "Sign in with <name>".
    name: str = Field(min_length=2, max_length=80)
    # The provider's issuer; its metadata is read from <issuer>/.well-known/openid-configuration.
    issuer: str = Field(min_length=8, max_length=300)
    client_id: str = Field(min_length=1, max_length=300)
    # The client secret is never written in the profile (it would be kept in the database and its
    # history): an environment variable or a file names it. Neither: a public client, PKCE alone.
    client_secret_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    client_secret_file: str | None = Field(default=None, min_length=1, max_length=500)
    scopes: list[str] = ["openid", "email"]
    # The ID token's claim that identifies the person, and how its value finds them in `people`:
    # `address` (one of their e-mail addresses) or `key` (their key).
    claim: str = Field(default="email", pattern=r"^[A-Za-z0-9_.:-]{1,80}$")
    match: Literal["address", "key"] = "address"

    _one_line = field_validator("name")(_single_line)

    @model_validator(mode="before")
    @classmethod
    def _no_secret_here(cls, data: Any) -> Any:
        if isinstance(data, dict) and "client_secret" in data:
            raise ValueError("client_secret does not belong in the profile (it is kept in the database and its "
                             "history): name an environment variable (client_secret_env) or a file "
                             "(client_secret_file) that holds it")
        return data

    @field_validator("issuer")
    @classmethod
    def _https(cls, value: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError(f"issuer {value!r}: expected an https:// address (http:// only on 127.0.0.1)")
        if parts.query or parts.fragment or not parts.hostname:
            raise ValueError(f"issuer {value!r}: expected the provider's address, without ? or #")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError("scopes must include openid")
        for scope in value:
            if not scope or any(c.isspace() for c in scope):
                raise ValueError(f"scope {scope!r}: expected one word")
        return value

    @model_validator(mode="after")
    def _one_secret(self) -> OpenIDConnectSpec:
        if self.client_secret_env and self.client_secret_file:
            raise ValueError("give client_secret_env or client_secret_file, not both")
        return self


class ConsoleSpec(_Strict):
    """How the secretariat signs in to the console besides the link by e-mail."""

    openid_connect: OpenIDConnectSpec | None = None


class Profile(_Strict):
    _warnings: list[Any] = PrivateAttr(default_factory=list)
    state: StateSpec
    budget: BudgetSpec | None = None
    lead_times: dict[str, Offset] = {}
    ratifications: dict[str, RatificationSpec] = {}
    reporting: dict[str, ReportingSpec] = {}
    institutions: list[InstitutionSpec] = Field(min_length=1)
    people: list[PersonSpec] = Field(min_length=1)
    # Reminders and escalation: each section given replaces the shipped default's
    # (nmrf/data/default-policy.yaml).
    notifications: NotificationsSpec | None = None
    recommendations: RecommendationsSpec = RecommendationsSpec()
    publication: PublicationSpec = PublicationSpec()
    console: ConsoleSpec = ConsoleSpec()

    @model_validator(mode="after")
    def _names_in_the_states_language(self) -> Profile:
        """Where names are given per language, the one kept as *the* name is the State's language's."""
        lang = self.state.language
        if self.state.names:
            self.state.name = pick_name(self.state.names, self.state.name, lang)
        if self.state.secretariats_by_language:
            self.state.secretariat = pick_name(self.state.secretariats_by_language, self.state.secretariat, lang)
        for inst in self.institutions:
            if inst.names:
                inst.name = pick_name(inst.names, inst.name, inst.language or lang, fallback=lang)
        for person in self.people:
            if person.titles_by_language:
                person.title = pick_name(person.titles_by_language, person.title or "", person.language or lang,
                                         fallback=lang)
        return self

    def warnings(self) -> list[tuple[tuple, str]]:
        """What loads but deserves a word: a language without a catalog, and the one its readers get."""
        out: list[tuple[tuple, str]] = []
        state_lang = self.state.language
        choice = resolve_language(state_lang)
        if choice.warning:
            out.append((("state", "language"), choice.warning))
        for n, inst in enumerate(self.institutions):
            if inst.language and (c := resolve_language(inst.language, fallback=state_lang)).warning:
                out.append((("institutions", n, "language"), c.warning))
        for n, person in enumerate(self.people):
            if person.language and (c := resolve_language(person.language, fallback=state_lang)).warning:
                out.append((("people", n, "language"), c.warning))
        return out

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
    ministers = {p.key for p in profile.people if any(role == "minister" for role, _ in p.role_pairs())}
    for n, person in enumerate(profile.people):
        if person.acts_for is not None and (person.acts_for == person.key or person.acts_for not in ministers):
            problems.append((("people", n, "acts_for"), f"acts_for {person.acts_for!r}: expected the key of "
                             f"another person who holds the role minister ({', '.join(sorted(ministers)) or 'none'})"))
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
    problems = [Problem(msg, file=str(path), line=line_of(loc, lines), field=dotted(loc))
                for loc, msg in reference_problems(profile)]
    problems += policy_problems(profile, path=str(path), lines=lines)
    if problems:
        raise NmrfError(problems)
    profile._warnings = [Problem(msg, file=str(path), line=line_of(loc, lines), field=dotted(loc))
                         for loc, msg in profile.warnings()] + unreached_levels(profile, path=str(path), lines=lines)
    return profile


def policy_problems(profile: Profile, *, path: str, lines: dict) -> list[Problem]:
    """What the notification policy asks of the people in the profile, checked before anything is written."""
    override = profile.notifications
    policy = effective_policy(override)
    _, default_lines = default_spec()
    held: set[str] = set()
    keys = {p.key for p in profile.people}
    for person in profile.people:
        held.update(role for role, _ in person.role_pairs())

    def where(section: str, loc: tuple) -> tuple[str, int | None, str]:
        if section_source(override, section) == "profile":
            full = ("notifications", section, *loc)
            return path, line_of(full, lines), dotted(full)
        return str(DEFAULT_POLICY_PATH), line_of((section, *loc), default_lines), dotted((section, *loc))

    problems: list[Problem] = []
    reached_roles: set[str] = set()
    reached_people: set[str] = set()
    for section, loc, target in policy.targets():
        if target == OWNER:
            reached_roles.update(m.owner for t in load_catalogue().templates.values()
                                 for m in t.milestones if m.owner and m.completion == "person")
            continue
        file, line, field = where(section, loc)
        if target.startswith("person:"):
            key = target.removeprefix("person:")
            reached_people.add(key)
            if key not in keys:
                problems.append(Problem(f"unknown person {key!r}: no one in the profile has this key",
                                        file=file, line=line, field=field))
            continue
        reached_roles.add(target)
        if target not in held:
            hint = ("" if section_source(override, section) == "profile"
                    else f" (the shipped policy; give your own notifications.{section} in the profile to change it)")
            problems.append(Problem(f"the {section} policy sends to {target}, a role nobody in the profile holds"
                                    + hint, file=file, line=line, field=field))
    for n, person in enumerate(profile.people):
        roles = {role for role, _ in person.role_pairs()}
        if not person.addresses and (roles & reached_roles or person.key in reached_people):
            why = ", ".join(sorted(roles & reached_roles)) or "a person named in the policy"
            problems.append(Problem(
                f"{person.key} has no notification address, yet reminders or escalations reach them "
                f"({why}): add addresses: [{{label: email, url: \"mailto://...\"}}]",
                file=path, line=line_of(("people", n), lines), field=dotted(("people", n, "addresses"))))
    return problems


def unreached_levels(profile: Profile, *, path: str, lines: dict) -> list[Problem]:
    """Escalation levels that reach nobody for some institution, with the role and the institution.

    A per-institution role (head_of_unit, minister) is resolved at the late item's institution: a level
    `to: [minister]` reaches nobody for a judiciary or a statistics office that has no minister. The profile
    still loads (the chain's other levels go on), and `nmrf init` prints each such gap as a warning.
    """
    wide = {"secretariat", "head_of_secretariat", "nhri_contact", "cso_contact"}
    override = profile.notifications
    policy = effective_policy(override)
    _, default_lines = default_spec()
    held: dict[str, set[str]] = {}
    for person in profile.people:
        for role, inst in person.role_pairs():
            held.setdefault(role, set()).add(inst)
    names = {i.key: i.name for i in profile.institutions}
    owing = [i.key for i in profile.institutions if i.kind in CONTRIBUTING_KINDS]
    problems: list[Problem] = []
    for i, esc in enumerate(policy.escalation):
        if esc.roles and all(r in wide for r in esc.roles):
            continue  # items owed by NMRF-wide roles have no institution to resolve a role at
        insts = owing if not esc.roles else sorted({k for r in esc.roles if r not in wide
                                                    for k in held.get(r, set())})
        for j, level in enumerate(esc.levels):
            if OWNER in level.to or any(t.startswith("person:") or (t in wide and t in held) for t in level.to):
                continue
            roles = [t for t in level.to if t not in wide and not t.startswith("person:")]
            loc = ("escalation", i, "levels", j, "to")
            if section_source(override, "escalation") == "profile":
                file, line, field = path, line_of(("notifications", *loc), lines), dotted(("notifications", *loc))
            else:
                file, line, field = str(DEFAULT_POLICY_PATH), line_of(loc, default_lines), dotted(loc)
            for key in insts:
                if not any(key in held.get(role, set()) for role in roles):
                    problems.append(Problem(
                        f"escalation {esc.name!r}, level {level.name!r} reaches nobody for {key} ({names[key]}): "
                        f"nobody there holds {' or '.join(roles)}", file=file, line=line, field=field))
    return problems


def load_warnings(profile: Profile) -> list[Any]:
    """The warnings of the file a profile was loaded from (each a Problem with file, line, field)."""
    return list(getattr(profile, "_warnings", []))
