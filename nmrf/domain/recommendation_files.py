"""Reading recommendation files: UPR Info's export, the UHRI export and our own template.

Pure: bytes in, recommendations (or every problem, with its line) out. The
database work is in nmrf.services.recommendations.

What the files throw at us, and what we do:
- the encoding is not declared: UTF-8 (with or without a BOM) is tried first; a
  file that is not UTF-8 is decoded with the legacy encoding whose characters
  read most like words (UPR Info's old export is Mac Roman: 'Equité' stored as
  byte 0x8E, which Windows-1252 would read 'EquitŽ');
- bare carriage returns end the lines (old Mac files): the csv module reads
  them like any other line ending, and line numbers count them;
- several themes in one cell: split, each mapped to the shared taxonomy, the
  source's own spelling kept;
- trailing spaces in the text: the exact text is kept, identity uses the
  normalised text, so a re-export that trims them is the same recommendation.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from nmrf.domain.taxonomy import Taxonomy, fold, state_code, words
from nmrf.domain.text import text_problem
from nmrf.errors import Problem

FORMATS = ("upr-info", "uhri", "template")
LEGACY_ENCODINGS = ("cp1252", "mac_roman", "latin-1")
TREATY_BODIES = ("CERD", "CCPR", "CESCR", "CEDAW", "CAT", "CRC", "CMW", "CRPD", "CED")
MECHANISMS = ("UPR", *TREATY_BODIES, "SPT", "SP", "ACHPR", "IACHR")
# Kinds of source document; individual communications are always confidential.
KINDS = ("upr_recommendation", "concluding_observations", "sp_report", "sp_communication",
         "spt_report", "views", "other")
CONFIDENTIAL_KINDS = ("views", "sp_communication")
MAX_PROBLEMS = 50

# How the UHRI and our template may name a mechanism (folded) -> catalogue code.
_BODY_NAMES = {
    "upr": "UPR", "universal periodic review": "UPR",
    "cerd": "CERD", "committee on the elimination of racial discrimination": "CERD",
    "ccpr": "CCPR", "hrc": "CCPR", "human rights committee": "CCPR",
    "cescr": "CESCR", "committee on economic, social and cultural rights": "CESCR",
    "cedaw": "CEDAW", "committee on the elimination of discrimination against women": "CEDAW",
    "cat": "CAT", "committee against torture": "CAT",
    "crc": "CRC", "committee on the rights of the child": "CRC",
    "cmw": "CMW", "committee on migrant workers": "CMW",
    "committee on the protection of the rights of all migrant workers and members of their families": "CMW",
    "crpd": "CRPD", "committee on the rights of persons with disabilities": "CRPD",
    "ced": "CED", "committee on enforced disappearances": "CED",
    "spt": "SPT", "subcommittee on prevention of torture": "SPT",
    "sp": "SP", "special procedures": "SP",
}
_SP_PREFIXES = ("special rapporteur", "working group on", "working group of experts", "independent expert",
                "sr on", "special procedures")


@dataclass(frozen=True)
class SourceRecommendation:
    line: int
    source: str
    state_name: str
    state_code: str
    mechanism: str
    body: str
    document: str
    paragraph: str
    text: str
    source_themes: tuple[str, ...]
    themes: tuple[str, ...]
    theme_basis: str  # source | text | none
    sdgs: tuple[int, ...]
    affected_persons: tuple[str, ...]
    response: str
    position: str  # supported | noted | pending | ""
    action_category: int | None
    session: str
    adopted_on: date | None
    article: str
    urgent_flag: bool
    confidential: bool
    kind: str
    raw: dict[str, str] = field(compare=False)
    uid: str = ""


@dataclass
class ParsedFile:
    format: str
    encoding: str
    encoding_note: str
    rows: list[SourceRecommendation]
    problems: list[Problem]
    warnings: list[str]
    lines: int


# ---------------------------------------------------------------- encoding

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _plausibility(text: str) -> int:
    """How much the non-ASCII characters of a decoding read like letters in words."""
    score = 0
    for m in _NON_ASCII.finditer(text):
        i, ch = m.start(), m.group()
        cat = unicodedata.category(ch)
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < len(text) else " "
        if cat.startswith("C"):
            score -= 5
        elif cat == "Ll":
            score += 3 if (prev.isalpha() or nxt.isalpha()) else 1
        elif cat == "Lu":
            # An upper-case letter inside a lower-case word is a mis-decoding.
            score += -3 if (prev.islower() or nxt.islower()) else 1
        elif cat.startswith("L"):
            score += 1
        elif cat in ("Pi", "Pf", "Pd", "Zs"):
            score += 1
        else:
            score -= 2
    return score


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, str]:
    """The text, the encoding used, and a note saying how it was chosen."""
    if encoding:
        try:
            return data.decode(encoding), encoding, f"{encoding} (as given)"
        except (UnicodeDecodeError, LookupError) as exc:
            raise ValueError(f"cannot decode as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig", "UTF-8 with a byte-order mark"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", "UTF-16 (byte-order mark)"
    try:
        return data.decode("utf-8"), "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    mac_line_ends = b"\r" in data and b"\n" not in data
    best: tuple[int, int, str, str] | None = None
    for rank, enc in enumerate(LEGACY_ENCODINGS):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        # Bare CR line endings come from old Macs: a tie goes to Mac Roman.
        tie = 1 if (enc == "mac_roman" and mac_line_ends) else 0
        cand = (_plausibility(text), tie - rank, enc, text)
        if best is None or cand[:2] > best[:2]:
            best = cand
    assert best is not None  # latin-1 decodes anything
    _, _, enc, text = best
    hits = _NON_ASCII.findall(text)
    first = _NON_ASCII.search(text)
    sample = ""
    if first:
        m = re.search(r"\S*$", text[max(0, first.start() - 30):first.start()])
        tail = re.match(r"\S*", text[first.start():first.start() + 30])
        sample = (m.group() if m else "") + (tail.group() if tail else "")
    n = len(hits)
    note = f"{enc} (not UTF-8; detected from {n} non-ASCII character(s)" + (f", e.g. {sample.strip(',.;')!r})" if sample else ")")
    return text, enc, note


# ---------------------------------------------------------------- identity

def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def identity(*, source: str, state_code: str, mechanism: str, body: str, document: str, paragraph: str,
             text: str, occurrence: int = 1) -> str:
    """A stable identity: the same recommendation from the same source is the same row on re-import."""
    parts = [source, state_code, mechanism, fold(body), fold(document), fold(paragraph), normalise_text(text)]
    if occurrence > 1:  # the same text twice in one file is two recommendations
        parts.append(str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


# ---------------------------------------------------------------- reading

def _split(cell: str, seps: str) -> list[str]:
    return [p.strip() for p in re.split(f"[{re.escape(seps)}\r\n]", cell) if p.strip()]


def _position(response: str) -> str:
    r = fold(response)
    if r in ("accepted", "supported", "accepted/supported", "support", "supported/accepted"):
        return "supported"
    if r in ("noted", "rejected", "not accepted", "not supported"):
        return "noted"
    if r in ("pending", "deferred", "under consideration"):
        return "pending"
    return ""


def _yes(cell: str) -> bool | None:
    c = fold(cell)
    if c in ("", "-"):
        return None
    if c in ("yes", "y", "true", "1", "x", "sí", "si", "oui"):
        return True
    if c in ("no", "n", "false", "0", "non"):
        return False
    raise ValueError(f"expected yes or no, got {cell!r}")


def mechanism_of(body: str) -> str | None:
    b = fold(body)
    if b in _BODY_NAMES:
        return _BODY_NAMES[b]
    if b.upper() in MECHANISMS:
        return b.upper()
    if b.startswith(_SP_PREFIXES):
        return "SP"
    return None


def _sdgs(cell: str) -> list[int]:
    """Goals from "Goal 5 - Gender equality; Goal 16 - Peace, justice and strong institutions" or "5; 16"."""
    text = cell.strip()
    if not text:
        return []
    if re.search(r"[^\W\d_]", text):
        found = re.findall(r"(?:goal|sdg|ods|odd|objetivo|objectif)\s*(\d{1,2})\b", text, re.IGNORECASE)
        if not found:
            raise ValueError(f"{cell!r} names no goal (expected e.g. 'Goal 5 - Gender equality' or '5; 16')")
    else:
        found = [p for p in re.split(r"[;,|\s]+", text) if p]
    goals = []
    for g in found:
        if not g.isdigit() or not 1 <= int(g) <= 17:
            raise ValueError(f"{g!r} is not an SDG (1 to 17)")
        goals.append(int(g))
    return sorted(set(goals))


@dataclass(frozen=True)
class _Spec:
    # canonical field -> accepted header spellings (folded)
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    extras_allowed: bool


SPECS = {
    "upr-info": _Spec(
        columns={k: (fold(k),) for k in ("To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
                                        "Response", "Action", "Issue", "Session")},
        required=("To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response", "Action",
                  "Issue", "Session"),
        extras_allowed=False),
    "uhri": _Spec(
        columns={
            "text": ("recommendation", "text", "recommendation text", "observation", "recommendation/observation"),
            "body": ("body", "recommending body", "mechanism", "source", "body/mechanism"),
            "recommending_states": ("recommending state(s)", "recommending states", "recommending state"),
            "document": ("document symbol", "symbol", "document"),
            "paragraph": ("paragraph", "para", "paragraph number"),
            "themes": ("themes", "theme(s)", "theme"),
            "affected_persons": ("affected persons", "affected persons/groups", "concerned persons",
                                 "persons affected"),
            "sdgs": ("sdg goals", "sdgs", "sdg", "sustainable development goals"),
            "position": ("position", "upr position", "upr position (supported/noted)", "status"),
            "state": ("country", "state", "countries", "state under review", "country/entity"),
            "date": ("publication date", "date", "date of document"),
            "session": ("session", "upr cycle", "cycle"),
        },
        required=("text", "body", "document", "state"),
        extras_allowed=True),
    "template": _Spec(
        columns={k: (k,) for k in ("state", "mechanism", "body", "document", "paragraph", "date", "text",
                                   "themes", "sdgs", "affected_persons", "article", "urgent", "confidential",
                                   "kind")},
        required=("state", "mechanism", "body", "document", "paragraph", "date", "text", "themes", "sdgs",
                  "affected_persons", "article", "urgent", "confidential", "kind"),
        extras_allowed=False),
}

TEMPLATE_HEADER = list(SPECS["template"].columns)


def _headers(fmt: str, header: Sequence[str], file: str) -> tuple[dict[str, int], list[Problem]]:
    spec = SPECS[fmt]
    index: dict[str, int] = {}
    problems: list[Problem] = []
    folded = [fold(h) for h in header]
    for canonical, names in spec.columns.items():
        hits = [i for i, h in enumerate(folded) if h in names]
        if len(hits) > 1:
            problems.append(Problem(f"column {canonical!r} appears {len(hits)} times", file=file, line=1))
        elif hits:
            index[canonical] = hits[0]
    missing = [c for c in spec.required if c not in index]
    if missing:
        expected = ", ".join(c for c in spec.columns) if fmt != "uhri" else \
            "; ".join(f"{c} ({' / '.join(n)})" for c, n in spec.columns.items() if c in spec.required)
        problems.append(Problem(f"missing column(s) {', '.join(missing)}; a {fmt} file has: {expected}",
                                file=file, line=1))
    if not spec.extras_allowed:
        known = {n for names in spec.columns.values() for n in names}
        extra = [h for h, f in zip(header, folded, strict=True) if f not in known]
        if extra:
            problems.append(Problem(f"unexpected column(s) {', '.join(map(repr, extra))}", file=file, line=1))
    return index, problems


def parse(data: bytes, *, fmt: str, file: str, taxonomy: Taxonomy, encoding: str | None = None) -> ParsedFile:
    """Every recommendation in the file, or every problem found (with its line)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    try:
        text, enc, note = decode(data, encoding)
    except ValueError as exc:
        return ParsedFile(fmt, encoding or "", "", [], [Problem(str(exc), file=file)], [], 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    warnings: list[str] = []
    try:
        header = next(reader)
    except StopIteration:
        return ParsedFile(fmt, enc, note, [], [Problem("the file is empty", file=file)], [], 0)
    except csv.Error as exc:
        return ParsedFile(fmt, enc, note, [], [Problem(f"not a CSV file: {exc}", file=file, line=1)], [], 0)
    bad_header = [f"header {name!r} {problem}" for name in header if (problem := text_problem(name)) is not None]
    if bad_header:
        return ParsedFile(fmt, enc, note, [], [Problem(b, file=file, line=1) for b in bad_header], [], 1)
    index, problems = _headers(fmt, header, file)
    if problems:
        return ParsedFile(fmt, enc, note, [], problems, [], 1)
    rows: list[SourceRecommendation] = []
    seen: dict[str, int] = {}
    unmapped: dict[str, int] = {}
    last = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(f"unreadable CSV: {exc}", file=file, line=last + 1))
            break
        line, last = last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) != len(header):
            problems.append(Problem(f"{len(cells)} cells where the header has {len(header)} "
                                    "(a stray comma or quote?)", file=file, line=line))
            continue
        raw = dict(zip(header, cells, strict=True))
        bad = [f"column {name!r} {problem}" for name, value in raw.items()
               if (problem := text_problem(value)) is not None]
        if bad:
            problems.extend(Problem(b, file=file, line=line) for b in bad)
            continue
        cell = {k: cells[i] for k, i in index.items()}
        try:
            rec = _READERS[fmt](cell, raw, line, taxonomy, unmapped)
        except ValueError as exc:
            problems.append(Problem(str(exc), file=file, line=line))
            continue
        base = rec.uid
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            rec = _with_uid(rec, occurrence=seen[base])  # the same text twice: two recommendations
        rows.append(rec)
        if len(problems) >= MAX_PROBLEMS:
            break
    for theme, n in sorted(unmapped.items()):
        warnings.append(f"theme {theme!r} ({n} row(s)) is not in the shared taxonomy: kept as the source "
                        "gives it, not mapped")
    return ParsedFile(fmt, enc, note, rows, problems, warnings, last)


def _with_uid(rec: SourceRecommendation, occurrence: int = 1) -> SourceRecommendation:
    return replace(rec, uid=_uid(rec, occurrence))


def _uid(rec: SourceRecommendation, occurrence: int = 1) -> str:
    return identity(source=rec.source, state_code=rec.state_code, mechanism=rec.mechanism, body=rec.body,
                    document=rec.document, paragraph=rec.paragraph, text=rec.text, occurrence=occurrence)


def _need(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"{what}: empty")
    return value


def _code(name: str) -> str:
    code = state_code(name)
    if code is None:
        raise ValueError(f"State {name!r}: not a UN member State name or ISO code we know "
                         "(spellings are in nmrf/data/taxonomy/state-names.yaml)")
    return code


def _themes_from(source: str, given: list[str], text: str, taxonomy: Taxonomy, unmapped: dict[str, int],
                 strict: bool) -> tuple[tuple[str, ...], str]:
    keys: list[str] = []
    for theme in given:
        mapped = taxonomy.map_source(source, theme)
        if mapped is None:
            if strict:
                raise ValueError(f"Issue/themes: {theme!r} is not in the shared taxonomy "
                                 "(nmrf/data/taxonomy/taxonomy.yaml)")
            unmapped[theme] = unmapped.get(theme, 0) + 1
            continue
        keys.extend(mapped)
    if keys:
        return tuple(taxonomy.order(keys)), "source"
    derived = taxonomy.from_text(words(text))
    return tuple(derived), ("text" if derived else "none")


def _upr_info(cell: dict[str, str], raw: dict[str, str], line: int, taxonomy: Taxonomy,
              unmapped: dict[str, int]) -> SourceRecommendation:
    text = _need(cell["Text"], "Text")
    state = _need(cell["To"], "To").strip()
    session = cell["Session"].strip()
    if not session.isdigit():
        raise ValueError(f"Session: {session!r} is not a UPR session number")
    action = cell["Action"].strip()
    if action and (not action.isdigit() or not 1 <= int(action) <= 5):
        raise ValueError(f"Action: {action!r} is not an action category 1 to 5")
    response = cell["Response"].strip()
    given = _split(cell["Issue"], ",")
    themes, basis = _themes_from("upr-info", given, text, taxonomy, unmapped, strict=True)
    rec = SourceRecommendation(
        line=line, source="upr-info", state_name=state, state_code=_code(state), mechanism="UPR",
        body=_need(cell["From"], "From").strip(), document=f"UPR session {session}", paragraph="",
        text=text, source_themes=tuple(given), themes=themes, theme_basis=basis,
        sdgs=tuple(taxonomy.sdgs_for(themes)), affected_persons=(), response=response,
        position=_position(response), action_category=int(action) if action else None, session=session,
        adopted_on=None, article="", urgent_flag=False, confidential=False, kind="upr_recommendation", raw=raw)
    object.__setattr__(rec, "uid", _uid(rec))  # frozen, but not yet shared with anyone
    return rec


def _date(value: str) -> date | None:
    v = value.strip()
    if not v:
        return None
    if re.fullmatch(r"\d{4}", v):
        return _in_range(date(int(v), 1, 1) if int(v) else None, value)
    for fmt_ in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%B %d, %Y"):
        try:
            return _in_range(datetime.strptime(v, fmt_).date(), value)
        except ValueError as exc:
            if "outside" in str(exc):
                raise
            continue
    raise ValueError(f"date: {value!r} is not a date (expected YYYY-MM-DD)")


def _in_range(day: date | None, value: str) -> date:
    from nmrf.domain.dates import EARLIEST, LATEST

    if day is None or not EARLIEST <= day <= LATEST:
        raise ValueError(f"date: {value!r} is outside the dates nmrf accepts ({EARLIEST} to {LATEST})")
    return day


def _uhri(cell: dict[str, str], raw: dict[str, str], line: int, taxonomy: Taxonomy,
          unmapped: dict[str, int]) -> SourceRecommendation:
    text = _need(cell["text"], "recommendation text")
    body_cell = _need(cell["body"], "body").strip()
    mechanism = mechanism_of(body_cell)
    if mechanism is None:
        raise ValueError(f"body: {body_cell!r} is not a mechanism we know (a treaty body, UPR, a special "
                         "procedure, SPT)")
    states = _split(cell["state"], ";|")
    if len(states) != 1:
        raise ValueError(f"country: {cell['state']!r} names {len(states)} States; one recommendation, one State")
    recommending = cell.get("recommending_states", "").strip()
    body = recommending if (mechanism == "UPR" and recommending) else body_cell
    try:
        sdgs_given = _sdgs(cell.get("sdgs", ""))
    except ValueError as exc:
        raise ValueError(f"SDG goals: {exc}") from None
    given = _split(cell.get("themes", ""), ";|")
    themes, basis = _themes_from("uhri", given, text, taxonomy, unmapped, strict=False)
    response = cell.get("position", "").strip()
    kind = {"UPR": "upr_recommendation", "SP": "sp_report", "SPT": "spt_report"}.get(mechanism,
                                                                                   "concluding_observations")
    rec = SourceRecommendation(
        line=line, source="uhri", state_name=states[0], state_code=_code(states[0]), mechanism=mechanism,
        body=body, document=_need(cell["document"], "document symbol").strip(),
        paragraph=cell.get("paragraph", "").strip(), text=text, source_themes=tuple(given), themes=themes,
        theme_basis=basis, sdgs=tuple(sorted(set(sdgs_given) | set(taxonomy.sdgs_for(themes)))),
        affected_persons=tuple(_split(cell.get("affected_persons", ""), ";|")), response=response,
        position=_position(response), action_category=None, session=cell.get("session", "").strip(),
        adopted_on=_date(cell.get("date", "")), article="", urgent_flag=False,
        confidential=mechanism == "SPT", kind=kind, raw=raw)
    object.__setattr__(rec, "uid", _uid(rec))  # frozen, but not yet shared with anyone
    return rec


def _template(cell: dict[str, str], raw: dict[str, str], line: int, taxonomy: Taxonomy,
              unmapped: dict[str, int]) -> SourceRecommendation:
    text = _need(cell["text"], "text")
    mechanism = cell["mechanism"].strip().upper()
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism: {cell['mechanism']!r}; expected one of {', '.join(MECHANISMS)}")
    kind = cell["kind"].strip() or {"UPR": "upr_recommendation", "SP": "sp_report",
                                    "SPT": "spt_report"}.get(mechanism, "concluding_observations")
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        urgent = _yes(cell["urgent"])
        confidential = _yes(cell["confidential"])
    except ValueError as exc:
        raise ValueError(f"urgent/confidential: {exc}") from None
    try:
        sdgs_given = _sdgs(cell["sdgs"])
    except ValueError as exc:
        raise ValueError(f"sdgs: {exc}") from None
    given = _split(cell["themes"], ";|")
    themes, basis = _themes_from("template", given, text, taxonomy, unmapped, strict=True)
    state = _need(cell["state"], "state").strip()
    rec = SourceRecommendation(
        line=line, source="template", state_name=state, state_code=_code(state), mechanism=mechanism,
        body=cell["body"].strip() or mechanism, document=_need(cell["document"], "document").strip(),
        paragraph=cell["paragraph"].strip(), text=text, source_themes=tuple(given), themes=themes,
        theme_basis=basis, sdgs=tuple(sorted(set(sdgs_given) | set(taxonomy.sdgs_for(themes)))),
        affected_persons=tuple(_split(cell["affected_persons"], ";|")), response="", position="",
        action_category=None, session="", adopted_on=_date(cell["date"]), article=cell["article"].strip(),
        urgent_flag=bool(urgent),
        confidential=bool(confidential) or kind in CONFIDENTIAL_KINDS or (confidential is None and mechanism == "SPT"),
        kind=kind, raw=raw)
    object.__setattr__(rec, "uid", _uid(rec))  # frozen, but not yet shared with anyone
    return rec


_READERS: dict[str, Any] = {"upr-info": _upr_info, "uhri": _uhri, "template": _template}
