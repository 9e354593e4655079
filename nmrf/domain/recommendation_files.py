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
  normalised text, so a re-export that trims them is the same recommendation;
- a theme no list knows is kept verbatim and listed as unmapped, never dropped
  and never a reason to refuse the file; the SDGs stored are the source's own,
  those a theme implies are kept apart as inferred;
- a recommending State or body no list knows (nor the State's own aliases) is
  kept as written and flagged: the file is still imported. Only the State under
  review must be known;
- SDG cells come as "Goal 5 - Gender equality", "1 - NO POVERTY", "SDG 1",
  "S01 SDG 1 - ..." (in a theme cell) or "1; 5";
- UHRI exports come as XLSX as well as CSV (told apart by their bytes).
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

from nmrf.domain.i18n import N_, Said
from nmrf.domain.taxonomy import SDG_THEME, Taxonomy, fold, state_code, words
from nmrf.domain.text import text_problem
from nmrf.errors import Problem

FORMATS = ("upr-info", "uhri", "template")
LEGACY_ENCODINGS = ("cp1252", "mac_roman", "latin-1")
TREATY_BODIES = ("CERD", "CCPR", "CESCR", "CEDAW", "CAT", "CRC", "CMW", "CRPD", "CED")
# OTHER: a body the lists do not know, kept as the file writes it and flagged.
MECHANISMS = ("UPR", *TREATY_BODIES, "SPT", "SP", "ACHPR", "IACHR", "OTHER")
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
    "subcommittee on prevention of torture and other cruel, inhuman or degrading treatment or punishment": "SPT",
    "working group on the universal periodic review": "UPR", "upr working group": "UPR",
    "human rights council": "UPR",
    "committee on the rights of migrant workers": "CMW",
    "sp": "SP", "special procedures": "SP",
    # The committees as French and Spanish exports and documents name them.
    "examen périodique universel": "UPR", "examen periódico universal": "UPR",
    "comité pour l'élimination de la discrimination raciale": "CERD",
    "comité para la eliminación de la discriminación racial": "CERD",
    "comité des droits de l'homme": "CCPR", "comité de derechos humanos": "CCPR",
    "comité des droits économiques, sociaux et culturels": "CESCR",
    "comité de derechos económicos, sociales y culturales": "CESCR",
    "comité pour l'élimination de la discrimination à l'égard des femmes": "CEDAW",
    "comité para la eliminación de la discriminación contra la mujer": "CEDAW",
    "comité contre la torture": "CAT", "comité contra la tortura": "CAT",
    "comité des droits de l'enfant": "CRC", "comité de los derechos del niño": "CRC",
    "comité des droits des personnes handicapées": "CRPD",
    "comité sobre los derechos de las personas con discapacidad": "CRPD",
    "comité des disparitions forcées": "CED", "comité contra la desaparición forzada": "CED",
    "comité des travailleurs migrants": "CMW", "comité de protección de los derechos de todos los trabajadores "
                                                "migratorios y de sus familiares": "CMW",
    "sous-comité pour la prévention de la torture": "SPT", "subcomité para la prevención de la tortura": "SPT",
}
_SP_PREFIXES = ("special rapporteur", "working group on", "working group of experts", "independent expert",
                "sr on", "special procedures", "rapporteur spécial", "rapporteuse spéciale", "groupe de travail",
                "expert indépendant", "experte indépendante", "relator especial", "relatora especial",
                "grupo de trabajo", "experto independiente", "experta independiente")


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
    sdgs: tuple[int, ...]  # the source's own
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
    unmapped_themes: tuple[str, ...] = ()  # source themes no list maps: kept, shown as unmapped
    inferred_sdgs: tuple[int, ...] = ()  # implied by the themes, not given by the source
    body_known: bool = True  # False: a recommending State or body no list knows (kept as written)


# The import's warnings, as catalog messages (the command line says them in its language from `unmapped` and
# `unknown_bodies`; `warnings` keeps them in English).
UNMAPPED_THEME = N_("theme %(theme)s (%(num)s row(s)) is not in the shared taxonomy: kept verbatim and shown as "
                    "unmapped (add it under recommendations: aliases: themes in the profile)")
UNKNOWN_BODY = N_("recommending State or body %(body)s (%(num)s row(s)) is not one we know: kept as written and "
                  "flagged (add a spelling under recommendations: aliases: states in the profile, then import "
                  "again)")


@dataclass
class ParsedFile:
    format: str
    encoding: str
    encoding_note: str
    rows: list[SourceRecommendation]
    problems: list[Problem]
    warnings: list[str]
    lines: int
    unmapped: dict[str, int] = field(default_factory=dict)  # source theme -> rows
    unknown_bodies: dict[str, int] = field(default_factory=dict)  # recommending State/body -> rows


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
    """The text, the encoding used, and a note saying how it was chosen (a sentence of ours, a Said: the command
    line says it in the reader's language)."""
    if encoding:
        try:
            return data.decode(encoding), encoding, Said.of(N_("%(encoding)s (as given)"), encoding=encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ValueError(f"cannot decode as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig", Said(N_("UTF-8 with a byte-order mark"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", Said(N_("UTF-16 (byte-order mark)"))
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
    note = (Said.of(N_("%(encoding)s (not UTF-8; detected from %(num)s non-ASCII character(s), e.g. %(sample)s)"),
                    encoding=enc, num=n, sample=repr(sample.strip(",.;"))) if sample else
            Said.of(N_("%(encoding)s (not UTF-8; detected from %(num)s non-ASCII character(s))"), encoding=enc, num=n))
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


_SUPPORTED = ("accepted", "supported", "accepted/supported", "support", "supported/accepted", "acceptée",
              "acceptee", "soutenue", "aceptada", "aceptado", "apoyada", "apoyado", "a")
_NOTED = ("noted", "rejected", "not accepted", "not supported", "notée", "notee", "prise en note", "rejetée",
          "tomada nota", "anotada", "rechazada", "n", "r")
_PENDING = ("pending", "deferred", "under consideration", "en attente", "pendiente", "pending/deferred")


def _position(response: str) -> str:
    """supported | noted | pending from the State's response as a file writes it (en, fr, es); "" otherwise.

    A partial answer ("Supported in part", "Partially accepted") is left for the secretariat: the
    response is kept as given."""
    r = fold(response).rstrip(".")
    if r in _SUPPORTED:
        return "supported"
    if r in _NOTED:
        return "noted"
    if r in _PENDING:
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
    b = fold(body).replace("’", "'")
    if b in _BODY_NAMES:
        return _BODY_NAMES[b]
    if b.upper() in MECHANISMS:
        return b.upper()
    if b.startswith(_SP_PREFIXES):
        return "SP"
    return None


_SDG_WORD = r"(?:goal|sdg|ods|odd|objetivo|objectif)"
# One goal at the start of a part: "Goal 5 - Gender equality", "1 - NO POVERTY", "SDG 1", "S01 SDG 1 - ...", "5".
_SDG_ITEM = re.compile(rf"^(?:S\d{{1,2}}\s+)?(?:{_SDG_WORD}\s*(?:no\.?\s*)?)?#?\s*(\d{{1,2}})(?=$|[\s.:)\-–—])",
                       re.IGNORECASE)
# Where a comma starts a new goal ("1 - NO POVERTY, 5 - GENDER EQUALITY"), not a comma inside a name.
_SDG_COMMA = re.compile(rf",\s*(?=(?:S\d{{1,2}}\s+)?(?:{_SDG_WORD}\s*)?\d{{1,2}}(?:$|[\s.:)\-–—,]))",
                        re.IGNORECASE)


def _sdgs(cell: str) -> list[int]:
    """Goals from every way OHCHR and UPR Info write them.

    "Goal 5 - Gender equality; Goal 16 - Peace, justice and strong institutions", "1 - NO POVERTY",
    "SDG 1", "Goal 1", "1", "5, 16", "S05 SDG 5 - gender equality" (one or several, separated by ';',
    '|', a line break, or a comma before the next goal's number)."""
    goals = []
    for chunk in re.split(r"[;|\r\n]", cell):
        for part in _SDG_COMMA.split(chunk.strip()):
            part = part.strip().strip(",")
            if not part:
                continue
            if re.fullmatch(r"\d{1,2}(?:\s+\d{1,2})+", part):  # "5 16"
                goals.extend(_sdgs(";".join(part.split())))
                continue
            m = _SDG_ITEM.match(part)
            if not m:
                raise ValueError(f"{part!r} names no goal (expected e.g. '1 - NO POVERTY', 'SDG 1', "
                                 "'Goal 5 - Gender equality' or '5; 16')")
            g = int(m.group(1))
            if not 1 <= g <= 17:
                raise ValueError(f"{m.group(1)!r} is not an SDG (1 to 17)")
            goals.append(g)
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
            "position": ("position", "upr position", "upr position (supported/noted)", "status", "state position",
                         "position of the state", "response", "state's position", "position (supported/noted)"),
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


XLSX_MAGIC = b"PK\x03\x04"


def _xlsx_cell(value: Any) -> str:
    """An XLSX cell as the CSV export would write it."""
    from datetime import datetime as _dt

    if value is None:
        return ""
    if isinstance(value, _dt):
        return value.date().isoformat() if value.time() == _dt.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, list[str]]], str]:
    """(Excel row number, cells) of the first sheet whose rows hold something; raises ValueError."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    from nmrf.domain.archives import unpacked_problem

    problem = unpacked_problem(data, kind="XLSX workbook")  # a zip bomb is refused before openpyxl opens it
    if problem:
        raise ValueError(problem)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError(f"not a readable XLSX workbook: {exc}") from None
    try:
        for ws in wb.worksheets:
            rows = [(i, [_xlsx_cell(v) for v in row])
                    for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
            rows = [(i, cells) for i, cells in rows if any(c.strip() for c in cells)]
            if rows:
                return rows, ws.title
    finally:
        wb.close()
    return [], ""


def _find_header(fmt: str, rows: list[tuple[int, list[str]]], file: str
                 ) -> tuple[int, dict[str, int], list[Problem]]:
    """The header row: the first of the first ten that names the format's columns (exports put a title above)."""
    first: tuple[int, dict[str, int], list[Problem]] | None = None
    for n, (line, cells) in enumerate(rows[:10]):
        index, problems = _headers(fmt, [c.strip() for c in cells], file)
        problems = [Problem(p.message, file=file, line=line) for p in problems]
        if not problems:
            return n, index, []
        first = first or (n, index, problems)
    assert first is not None
    return first


def parse(data: bytes, *, fmt: str, file: str, taxonomy: Taxonomy, encoding: str | None = None,
          state_aliases: dict[str, str] | None = None,
          theme_aliases: dict[str, tuple[str, ...]] | None = None) -> ParsedFile:
    """Every recommendation in the file (CSV or XLSX), or every problem found (with its line).

    `state_aliases` and `theme_aliases` are the State profile's own spellings (taxonomy.state_alias_keys,
    taxonomy.theme_alias_table)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    ctx = _Context(taxonomy=taxonomy, state_aliases=state_aliases or {}, theme_aliases=theme_aliases or {})
    problems: list[Problem] = []
    warnings: list[str] = []
    if data.startswith(XLSX_MAGIC):
        try:
            table, sheet = _xlsx_rows(data)
        except ValueError as exc:
            return ParsedFile(fmt, "xlsx", "", [], [Problem(str(exc), file=file)], [], 0)
        enc, note = "xlsx", f"XLSX workbook (sheet {sheet!r})" if sheet else "XLSX workbook"
        if not table:
            return ParsedFile(fmt, enc, note, [], [Problem("the workbook is empty", file=file)], [], 0)
        start, index, problems = _find_header(fmt, table, file)
        if problems:
            return ParsedFile(fmt, enc, note, [], problems, [], table[start][0])
        header = [c.strip() for c in table[start][1]]
        width = len(header)
        while width and not header[width - 1]:
            width -= 1  # an XLSX sheet's used range can run past the header
        header = header[:width]
        # Cells past the header's width are kept only when they hold something: then the row is refused.
        body: Any = ((line, cells if any(c.strip() for c in cells[width:]) else
                      cells[:width] + [""] * (width - len(cells))) for line, cells in table[start + 1:])
        last = table[-1][0]
        csv_reader = None
    else:
        try:
            text, enc, note = decode(data, encoding)
        except ValueError as exc:
            return ParsedFile(fmt, encoding or "", "", [], [Problem(str(exc), file=file)], [], 0)
        csv_reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(csv_reader)
        except StopIteration:
            return ParsedFile(fmt, enc, note, [], [Problem("the file is empty", file=file)], [], 0)
        except csv.Error as exc:
            return ParsedFile(fmt, enc, note, [], [Problem(f"not a CSV file: {exc}", file=file, line=1)], [], 0)
        index, problems = _headers(fmt, header, file)
        if problems:
            return ParsedFile(fmt, enc, note, [], problems, [], 1)
        last = csv_reader.line_num
        body = None
    bad_header = [f"header {name!r} {problem}" for name in header if (problem := text_problem(name)) is not None]
    if bad_header:
        return ParsedFile(fmt, enc, note, [], [Problem(b, file=file, line=1) for b in bad_header], [], 1)
    rows: list[SourceRecommendation] = []
    seen: dict[str, int] = {}

    def lines():  # (line, cells) from the CSV reader, counting physical lines
        nonlocal last
        assert csv_reader is not None
        while True:
            try:
                cells = next(csv_reader)
            except StopIteration:
                return
            except csv.Error as exc:
                problems.append(Problem(f"unreadable CSV: {exc}", file=file, line=last + 1))
                return
            line, last = last + 1, csv_reader.line_num
            yield line, cells

    for line, cells in (body if body is not None else lines()):
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) != len(header):
            problems.append(Problem(f"{len(cells)} cells where the header has {len(header)} "
                                    "(a truncated row, or a stray comma or quote?)", file=file, line=line))
            continue
        raw = dict(zip(header, cells, strict=True))
        bad = [f"column {name!r} {problem}" for name, value in raw.items()
               if (problem := text_problem(value)) is not None]
        if bad:
            problems.extend(Problem(b, file=file, line=line) for b in bad)
            continue
        cell = {k: cells[i] for k, i in index.items()}
        try:
            rec = _READERS[fmt](cell, raw, line, ctx)
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
    for theme, n in sorted(ctx.unmapped.items()):
        warnings.append(UNMAPPED_THEME % {"theme": repr(theme), "num": n})
    for body_name, n in sorted(ctx.unknown_bodies.items()):
        warnings.append(UNKNOWN_BODY % {"body": repr(body_name), "num": n})
    return ParsedFile(fmt, enc, note, rows, problems, warnings, last, dict(ctx.unmapped),
                      dict(ctx.unknown_bodies))


def _with_uid(rec: SourceRecommendation, occurrence: int = 1) -> SourceRecommendation:
    return replace(rec, uid=_uid(rec, occurrence))


def _uid(rec: SourceRecommendation, occurrence: int = 1) -> str:
    return identity(source=rec.source, state_code=rec.state_code, mechanism=rec.mechanism, body=rec.body,
                    document=rec.document, paragraph=rec.paragraph, text=rec.text, occurrence=occurrence)


def _need(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"{what}: empty")
    return value


@dataclass
class _Context:
    """What every row reader needs besides its cells: the lists, the State's own aliases, the tallies."""
    taxonomy: Taxonomy
    state_aliases: dict[str, str]
    theme_aliases: dict[str, tuple[str, ...]]
    unmapped: dict[str, int] = field(default_factory=dict)
    unknown_bodies: dict[str, int] = field(default_factory=dict)
    # A file names the same few hundred States and themes thousands of times: each is looked up once.
    _codes: dict[str, str | None] = field(default_factory=dict)
    _themes: dict[tuple[str, str], tuple[str, ...] | None] = field(default_factory=dict)

    def state(self, name: str) -> str | None:
        if name not in self._codes:
            self._codes[name] = state_code(name, self.state_aliases)
        return self._codes[name]

    def theme(self, source: str, theme: str) -> tuple[str, ...] | None:
        key = (source, theme)
        if key not in self._themes:
            self._themes[key] = self.taxonomy.map_source(source, theme, self.theme_aliases)
        return self._themes[key]

    def code(self, name: str) -> str:
        code = self.state(name)
        if code is None:
            raise ValueError(f"State under review {name!r}: not a UN member or observer State name or ISO code "
                             "we know (spellings are in nmrf/data/taxonomy/state-names.yaml; add yours to the "
                             "profile under recommendations: aliases: states)")
        return code

    def body_known(self, body: str, mechanism: str) -> bool:
        """A recommending State (UPR) or body is known; an unknown one is counted, never refused."""
        if mechanism == "UPR":
            names = _split(body, ";|") or [body]
            known = all(self.state(n) is not None for n in names)
        else:
            known = mechanism != "OTHER"
        if not known:
            self.unknown_bodies[body] = self.unknown_bodies.get(body, 0) + 1
        return known


def _themes_from(source: str, given: list[str], text: str, ctx: _Context
                 ) -> tuple[tuple[str, ...], str, tuple[str, ...], tuple[int, ...]]:
    """(theme keys, basis, unmapped source themes, SDGs written as themes)."""
    keys: list[str] = []
    unmapped: list[str] = []
    sdgs: list[int] = []
    for theme in given:
        sdg = SDG_THEME.match(theme)
        if sdg and 1 <= int(sdg.group(1)) <= 17:
            sdgs.append(int(sdg.group(1)))  # "S05 SDG 5 - gender equality": a goal, not a theme
            continue
        mapped = ctx.theme(source, theme)
        if mapped is None:
            ctx.unmapped[theme] = ctx.unmapped.get(theme, 0) + 1
            unmapped.append(theme)
            continue
        keys.extend(mapped)
    if keys:
        return tuple(ctx.taxonomy.order(keys)), "source", tuple(unmapped), tuple(sdgs)
    derived = ctx.taxonomy.from_text(words(text))
    return tuple(derived), ("text" if derived else "none"), tuple(unmapped), tuple(sdgs)


def _split_themes(cell: str, source: str, ctx: _Context) -> list[str]:
    """Themes separated by ';' or '|', keeping whole the UHRI names that hold a ';' themselves
    ("Children: definition; general principles; protection")."""
    parts = _split(cell, ";|")
    out: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(min(len(parts), i + 4), i + 1, -1):  # the longest join of parts that names a theme
            joined = "; ".join(parts[i:j])
            if ctx.theme(source, joined) is not None:
                out.append(joined)
                i = j
                break
        else:
            out.append(parts[i])
            i += 1
    return out


def _split_sdgs(given: Sequence[int], themes: Sequence[str], taxonomy: Taxonomy) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The source's own goals, and those its themes imply (kept apart, labelled inferred)."""
    own = sorted(set(given))
    inferred = [g for g in taxonomy.sdgs_for(themes) if g not in own]
    return tuple(own), tuple(inferred)


def _upr_info(cell: dict[str, str], raw: dict[str, str], line: int, ctx: _Context) -> SourceRecommendation:
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
    themes, basis, unmapped, theme_sdgs = _themes_from("upr-info", given, text, ctx)
    sdgs, inferred = _split_sdgs(theme_sdgs, themes, ctx.taxonomy)
    body = _need(cell["From"], "From").strip()
    rec = SourceRecommendation(
        line=line, source="upr-info", state_name=state, state_code=ctx.code(state), mechanism="UPR",
        body=body, document=f"UPR session {session}", paragraph="",
        text=text, source_themes=tuple(given), themes=themes, theme_basis=basis, unmapped_themes=unmapped,
        sdgs=sdgs, inferred_sdgs=inferred, body_known=ctx.body_known(body, "UPR"), affected_persons=(),
        response=response,
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


def _uhri(cell: dict[str, str], raw: dict[str, str], line: int, ctx: _Context) -> SourceRecommendation:
    text = _need(cell["text"], "recommendation text")
    body_cell = _need(cell["body"], "body").strip()
    mechanism = mechanism_of(body_cell) or "OTHER"  # an unknown body: kept as written, flagged
    states = _split(cell["state"], ";|")
    if len(states) != 1:
        raise ValueError(f"country: {cell['state']!r} names {len(states)} States; one recommendation, one State")
    recommending = cell.get("recommending_states", "").strip()
    body = recommending if (mechanism == "UPR" and recommending) else body_cell
    try:
        sdgs_given = _sdgs(cell.get("sdgs", ""))
    except ValueError as exc:
        raise ValueError(f"SDG goals: {exc}") from None
    given = _split_themes(cell.get("themes", ""), "uhri", ctx)
    themes, basis, unmapped, theme_sdgs = _themes_from("uhri", given, text, ctx)
    sdgs, inferred = _split_sdgs([*sdgs_given, *theme_sdgs], themes, ctx.taxonomy)
    response = cell.get("position", "").strip()
    kind = {"UPR": "upr_recommendation", "SP": "sp_report", "SPT": "spt_report"}.get(mechanism,
                                                                                   "concluding_observations")
    rec = SourceRecommendation(
        line=line, source="uhri", state_name=states[0], state_code=ctx.code(states[0]), mechanism=mechanism,
        body=body, document=_need(cell["document"], "document symbol").strip(),
        paragraph=cell.get("paragraph", "").strip(), text=text, source_themes=tuple(given), themes=themes,
        theme_basis=basis, unmapped_themes=unmapped, sdgs=sdgs, inferred_sdgs=inferred,
        body_known=ctx.body_known(body, mechanism),
        affected_persons=tuple(_split(cell.get("affected_persons", ""), ";|")), response=response,
        position=_position(response), action_category=None, session=cell.get("session", "").strip(),
        adopted_on=_date(cell.get("date", "")), article="", urgent_flag=False,
        confidential=mechanism == "SPT", kind=kind, raw=raw)
    object.__setattr__(rec, "uid", _uid(rec))  # frozen, but not yet shared with anyone
    return rec


def _template(cell: dict[str, str], raw: dict[str, str], line: int, ctx: _Context) -> SourceRecommendation:
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
    given = _split_themes(cell["themes"], "template", ctx)
    themes, basis, unmapped, theme_sdgs = _themes_from("template", given, text, ctx)
    sdgs, inferred = _split_sdgs([*sdgs_given, *theme_sdgs], themes, ctx.taxonomy)
    state = _need(cell["state"], "state").strip()
    body = cell["body"].strip() or mechanism
    rec = SourceRecommendation(
        line=line, source="template", state_name=state, state_code=ctx.code(state), mechanism=mechanism,
        body=body, document=_need(cell["document"], "document").strip(),
        paragraph=cell["paragraph"].strip(), text=text, source_themes=tuple(given), themes=themes,
        theme_basis=basis, unmapped_themes=unmapped, sdgs=sdgs, inferred_sdgs=inferred,
        body_known=ctx.body_known(body, mechanism),
        affected_persons=tuple(_split(cell["affected_persons"], ";|")), response="", position="",
        action_category=None, session="", adopted_on=_date(cell["date"]), article=cell["article"].strip(),
        urgent_flag=bool(urgent),
        confidential=bool(confidential) or kind in CONFIDENTIAL_KINDS or (confidential is None and mechanism == "SPT"),
        kind=kind, raw=raw)
    object.__setattr__(rec, "uid", _uid(rec))  # frozen, but not yet shared with anyone
    return rec


_READERS: dict[str, Any] = {"upr-info": _upr_info, "uhri": _uhri, "template": _template}
