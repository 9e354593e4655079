"""The information-request workbook (XLSX): written for one institution, read back strictly.

Writing and reading are here; what the rows hold and what an answer means are
in nmrf.services.inputs. The reader refuses a workbook whose columns were
changed, whose rows are missing or added, or whose cells hold the wrong type,
and lists every such problem with its cell.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nmrf.documents.files import check_zip
from nmrf.domain.i18n import N_, Translator, text_direction, translator
from nmrf.domain.text import text_problem, without_controls
from nmrf.errors import NmrfError, Problem
from nmrf.models.recommendations import IMPLEMENTATION

FORMAT_VERSION = "1"
SHEET = "Recommendations"
META = "nmrf"
COLUMNS = ("Ref", "Cluster", "Theme", "Mechanism", "From", "Document", "Recommendation", "Your role",
           "Also raised by", "Previous answer", "Question", "Answer", "Implementation", "Data / indicator")
ANSWER_COLUMNS = ("Answer", "Implementation", "Data / indicator")
WIDTHS = (7, 9, 22, 11, 18, 20, 60, 11, 14, 40, 40, 60, 20, 24)
_FILL = PatternFill("solid", fgColor="FFF2CC")
# What a person reads, in the workbook's language (the institution's working language); the English
# names above are the keys, and a workbook in English (or an old one) reads as before.
COLUMN_LABELS = dict(zip(COLUMNS, (
    N_("Ref"), N_("Cluster"), N_("Theme"), N_("Mechanism"), N_("From"), N_("Document"), N_("Recommendation"),
    N_("Your role"), N_("Also raised by"), N_("Previous answer"), N_("Question"), N_("Answer"),
    N_("Implementation"), N_("Data / indicator")), strict=True))
IMPLEMENTATION_LABELS = {
    "not_started": N_("not started"), "in_progress": N_("in progress"), "implemented": N_("implemented"),
    "partially_implemented": N_("partially implemented"), "not_applicable": N_("not applicable"),
}
SHEET_LABELS = {SHEET: N_("Recommendations"), "About": N_("About"), "Calendar": N_("Calendar"),
                "Clusters": N_("Clusters")}


def column_labels(t: Translator) -> list[str]:
    return [t.gettext(COLUMN_LABELS[c]) for c in COLUMNS]


def implementation_label(t: Translator, key: str) -> str:
    return t.gettext(IMPLEMENTATION_LABELS[key]) if key in IMPLEMENTATION_LABELS else key


def implementation_choices(t: Translator) -> dict[str, str]:
    """What a person may type in Implementation, normalised, and the key it means: the labels in the
    workbook's language and the English keys (a returned workbook may come back from anyone)."""
    out: dict[str, str] = {}
    for key in IMPLEMENTATION:
        for text in (key, key.replace("_", " "), implementation_label(t, key)):
            out[_norm(text)] = key
    return out


def _norm(text: str) -> str:
    return " ".join(str(text).replace("_", " ").casefold().split())


def sheet_name(t: Translator, english: str) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\ .
    name = t.gettext(SHEET_LABELS.get(english, english))
    return "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or english


@dataclass(frozen=True)
class RequestRow:
    ref: int
    cluster: str
    theme: str
    mechanism: str
    body: str
    document: str
    text: str
    role: str
    also: str
    previous: str
    question: str


@dataclass(frozen=True)
class RequestSheet:
    token: str
    cycle_key: str
    institution_key: str
    about: Sequence[tuple[str, str]]
    rows: Sequence[RequestRow]
    calendar: Sequence[tuple[str, str, str]]  # due, milestone, owed by
    clusters: Sequence[tuple[str, str, str, str]]  # id, label, size, mechanisms
    generated_at: datetime
    lang: str = "en"  # the workbook's language: the institution's working language


def _right_to_left(wb: Workbook) -> None:
    """Arabic: every sheet reads from the right, every cell's text right-to-left."""
    for ws in wb.worksheets:
        ws.sheet_view.rightToLeft = True
        for row in ws.iter_rows():
            for cell in row:
                a = cell.alignment
                cell.alignment = Alignment(horizontal=a.horizontal, vertical=a.vertical, wrap_text=a.wrap_text,
                                           readingOrder=2)


def write_request(sheet: RequestSheet) -> bytes:
    t = translator(sheet.lang)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(t, SHEET)
    ws.append(column_labels(t))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in sheet.rows:
        ws.append([r.ref, r.cluster, r.theme, r.mechanism, r.body, r.document, r.text, r.role, r.also, r.previous,
                   r.question, None, None, None])
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last = len(sheet.rows) + 1
    for col in ANSWER_COLUMNS:
        letter = get_column_letter(COLUMNS.index(col) + 1)
        for row in ws.iter_rows(min_row=2, max_row=last, min_col=COLUMNS.index(col) + 1,
                                max_col=COLUMNS.index(col) + 1):
            for cell in row:
                cell.fill = _FILL
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if col == "Implementation" and sheet.rows:
            # The choices in the workbook's language (a list formula cannot hold commas or quotes).
            labels = [implementation_label(t, k).replace(",", " ").replace('"', "'") for k in IMPLEMENTATION]
            dv = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                showErrorMessage=True, error=t.gettext("Choose one of the listed values"),
                                errorTitle=t.gettext("Implementation"))
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    for row in ws.iter_rows(min_row=2, max_row=last, max_col=len(COLUMNS) - 3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"

    about = wb.create_sheet(sheet_name(t, "About"))
    for k, v in sheet.about:
        about.append([k, v])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    for cell in about["A"]:
        cell.font = Font(bold=True)

    cal = wb.create_sheet(sheet_name(t, "Calendar"))
    cal.append([t.gettext("Due"), t.gettext("Milestone"),
                t.gettext("Owed by")])
    for row in sheet.calendar:
        cal.append(list(row))
    for letter, w in zip("ABC", (14, 70, 50), strict=True):
        cal.column_dimensions[letter].width = w

    cl = wb.create_sheet(sheet_name(t, "Clusters"))
    cl.append([t.gettext("Cluster"), t.gettext("What it is about"),
               t.gettext("Recommendations"), t.gettext("Mechanisms")])
    for row in sheet.clusters:
        cl.append(list(row))
    for letter, w in zip("ABCD", (9, 80, 16, 20), strict=True):
        cl.column_dimensions[letter].width = w

    meta = wb.create_sheet(META)
    for k, v in (("token", sheet.token), ("cycle", sheet.cycle_key), ("institution", sheet.institution_key),
                 ("format", FORMAT_VERSION), ("language", t.tag)):
        meta.append([k, v])
    meta.sheet_state = "hidden"
    for sheet_ in wb.worksheets:
        _inert(sheet_)
    if text_direction(t.lang) == "rtl":
        _right_to_left(wb)
    # The same request gives the same bytes' content (no "now" in the file's properties).
    stamp = sheet.generated_at.replace(tzinfo=None, microsecond=0)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "nmrf"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# What a spreadsheet reads as the start of a formula (OWASP's CSV-injection list; a tab or CR first too).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(ws: Any) -> None:
    """Every text cell of `ws` written as text: no formula, no control character.

    openpyxl stores a string beginning with '=' as a formula (a recommendation's text became a live formula,
    and then the returned workbook read back empty and was refused as "text was changed"). A text cell's type
    is forced to string, and text that looks like a formula also gets Excel's quote prefix, so it stays text
    when a person edits the cell.
    """
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                text = without_controls(cell.value)
                cell.value = text
                cell.data_type = "s"
                if text.startswith(FORMULA_START):
                    cell.quotePrefix = True


@dataclass(frozen=True)
class ReturnedRow:
    row: int
    ref: int
    text: str
    answer: str
    implementation: str
    data: str


@dataclass
class Returned:
    token: str
    cycle_key: str
    institution_key: str
    rows: list[ReturnedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lang: str = "en"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (datetime, date)):
        return f"a date ({value:%Y-%m-%d})"
    return type(value).__name__


def read_returned(data: bytes, *, file: str) -> Returned:
    """Read a returned workbook; every problem is listed (nothing is trusted half-way)."""
    try:
        check_zip(data, file=file)
    except NmrfError as exc:
        return Returned("", "", "", problems=list(exc.problems))
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return Returned("", "", "", problems=[Problem(f"not an XLSX workbook ({type(exc).__name__}: {exc})",
                                                      file=file)])
    out = Returned("", "", "")
    meta = ({str(r[0]): ("" if r[1] is None else str(r[1])) for r in wb[META].iter_rows(values_only=True) if r and r[0]}
            if META in wb.sheetnames else {})
    out.lang = meta.get("language") or "en"
    t = translator(out.lang)
    main = next((n for n in (sheet_name(t, SHEET), SHEET) if n in wb.sheetnames), None)
    if META not in wb.sheetnames or main is None:
        missing = [n for n, there in ((sheet_name(t, SHEET), main is not None), (META, META in wb.sheetnames))
                   if not there]
        out.problems.append(Problem(f"sheet(s) {', '.join(missing)} missing: this is not a workbook nmrf sent "
                                    "(or a sheet was deleted or renamed)", file=file))
        return out
    out.token, out.cycle_key, out.institution_key = meta.get("token", ""), meta.get("cycle", ""), meta.get("institution", "")
    if meta.get("format") != FORMAT_VERSION or not out.token:
        out.problems.append(Problem(f"sheet {META}: format {meta.get('format')!r} or token missing; expected "
                                    f"format {FORMAT_VERSION}", file=file))
        return out
    ws = wb[main]
    rows = list(ws.iter_rows(values_only=True))
    header = [("" if v is None else str(v).strip()) for v in (rows[0] if rows else ())]
    while header and header[-1] == "":
        header.pop()
    labels = column_labels(t)
    if header != list(COLUMNS) and header != labels:
        for i in range(max(len(header), len(COLUMNS))):
            got = header[i] if i < len(header) else None
            want = labels[i] if i < len(labels) else None
            if got != want:
                where = f"{main}!{get_column_letter(i + 1)}1"
                if want is None:
                    msg = f"column {got!r} was added"
                elif got is None:
                    msg = f"column {want!r} is missing"
                else:
                    msg = f"column is {got!r}, expected {want!r}"
                out.problems.append(Problem(msg, file=file, field=where))
        out.problems.append(Problem("the columns were changed: fill in the answer columns only "
                                    f"({', '.join(labels[COLUMNS.index(c)] for c in ANSWER_COLUMNS)})", file=file))
        return out
    choices = implementation_choices(t)
    col = {name: i for i, name in enumerate(COLUMNS)}
    for n, values in enumerate(rows[1:], start=2):
        values = tuple(values) + (None,) * (len(COLUMNS) - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if any(v not in (None, "") for v in values[len(COLUMNS):]):
            out.problems.append(Problem("cells beyond the last column are filled", file=file, field=f"{main}!row {n}"))
        ref = values[col["Ref"]]
        if isinstance(ref, float) and ref.is_integer():
            ref = int(ref)
        if not isinstance(ref, int) or isinstance(ref, bool):
            out.problems.append(Problem(f"Ref: expected the recommendation's number, got {_type_name(ref)}",
                                        file=file, field=f"{main}!A{n}"))
            continue
        cells: dict[str, str] = {}
        for name in ANSWER_COLUMNS:
            v = values[col[name]]
            letter = get_column_letter(col[name] + 1)
            if v is None:
                cells[name] = ""
            elif isinstance(v, str):
                cells[name] = v.strip()
                if (problem := text_problem(cells[name])) is not None:
                    out.problems.append(Problem(f"{name}: {problem}", file=file, field=f"{SHEET}!{letter}{n}"))
            elif name == "Data / indicator" and isinstance(v, (int, float)) and not isinstance(v, bool):
                cells[name] = str(v)
            else:
                out.problems.append(Problem(f"{name}: expected text, got {_type_name(v)}", file=file,
                                            field=f"{main}!{letter}{n}"))
                cells[name] = ""
        impl = cells["Implementation"]
        if impl and _norm(impl) in choices:
            impl = choices[_norm(impl)]
        elif impl:
            # Said in the workbook's language, with what it accepts: its own labels and the English keys.
            accepted = ", ".join(implementation_label(t, k) for k in IMPLEMENTATION)
            out.problems.append(Problem(
                t.gettext("%(column)s: %(value)r is not one of the accepted values: %(accepted)s (or %(keys)s)")
                % {"column": t.gettext("Implementation"), "value": impl, "accepted": accepted,
                   "keys": ", ".join(IMPLEMENTATION)},
                file=file, field=f"{main}!{get_column_letter(col['Implementation'] + 1)}{n}"))
        if cells["Answer"] and not impl:
            out.problems.append(Problem("Implementation: empty; say where the recommendation stands",
                                        file=file, field=f"{main}!{get_column_letter(col['Implementation'] + 1)}{n}"))
        if impl and not cells["Answer"]:
            out.problems.append(Problem("Answer: empty while Implementation is given", file=file,
                                        field=f"{main}!{get_column_letter(col['Answer'] + 1)}{n}"))
        text = values[col["Recommendation"]]
        out.rows.append(ReturnedRow(row=n, ref=ref, text="" if text is None else str(text), answer=cells["Answer"],
                                    implementation=impl, data=cells["Data / indicator"]))
    return out
