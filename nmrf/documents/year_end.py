"""The year-end workbook: a lead institution's actions and pledges, their status asked for; read back strictly.

Like the information request (workbooks.py): the columns may not change, the rows are the
ones sent, the new status must be one of the listed values; every problem is listed with
its cell, and nothing is applied unless the whole file is right.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nmrf.errors import Problem
from nmrf.models.recommendations import ACTION_STATUSES

FORMAT_VERSION = "1"
SHEET = "Status"
META = "nmrf"
COLUMNS = ("Ref", "Kind", "What", "Due", "Current status", "New status", "Note")
ANSWER_COLUMNS = ("New status", "Note")
WIDTHS = (12, 10, 70, 12, 16, 16, 60)
_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass(frozen=True)
class StatusRow:
    ref: str  # action-12, pledge-3
    kind: str
    what: str
    due: str
    status: str


@dataclass(frozen=True)
class StatusSheet:
    token: str
    year: int
    institution_key: str
    institution_name: str
    rows: Sequence[StatusRow]
    generated_at: datetime


def write_status_request(sheet: StatusSheet) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in sheet.rows:
        ws.append([r.ref, r.kind, r.what, r.due, r.status, None, None])
    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last = len(sheet.rows) + 1
    for name in ANSWER_COLUMNS:
        c = COLUMNS.index(name) + 1
        for row in ws.iter_rows(min_row=2, max_row=last, min_col=c, max_col=c):
            for cell in row:
                cell.fill = _FILL
    if sheet.rows:
        letter = get_column_letter(COLUMNS.index("New status") + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(ACTION_STATUSES) + '"', allow_blank=True,
                            showErrorMessage=True, error="Choose one of the listed values")
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    meta = wb.create_sheet(META)
    for k, v in (("token", sheet.token), ("year", str(sheet.year)), ("institution", sheet.institution_key),
                 ("format", FORMAT_VERSION)):
        meta.append([k, v])
    meta.sheet_state = "hidden"
    stamp = sheet.generated_at.replace(tzinfo=None, microsecond=0)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "nmrf"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class StatusAnswer:
    row: int
    ref: str
    status: str
    note: str


@dataclass
class StatusReturn:
    token: str = ""
    institution_key: str = ""
    rows: list[StatusAnswer] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_status_return(data: bytes, *, file: str) -> StatusReturn:
    out = StatusReturn()
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        out.problems.append(Problem(f"not an XLSX workbook ({type(exc).__name__})", file=file))
        return out
    if META not in wb.sheetnames or SHEET not in wb.sheetnames:
        out.problems.append(Problem(f"sheet {SHEET} or {META} missing: not a year-end workbook nmrf sent", file=file))
        return out
    meta = {str(r[0]): ("" if r[1] is None else str(r[1])) for r in wb[META].iter_rows(values_only=True) if r and r[0]}
    out.token, out.institution_key = meta.get("token", ""), meta.get("institution", "")
    if meta.get("format") != FORMAT_VERSION or not out.token:
        out.problems.append(Problem(f"sheet {META}: format or token missing", file=file))
        return out
    rows = list(wb[SHEET].iter_rows(values_only=True))
    header = [("" if v is None else str(v).strip()) for v in (rows[0] if rows else ())]
    while header and header[-1] == "":
        header.pop()
    if header != list(COLUMNS):
        out.problems.append(Problem(f"the columns were changed (expected {', '.join(COLUMNS)}): fill in "
                                    f"{' and '.join(ANSWER_COLUMNS)} only", file=file, field=f"{SHEET}!1"))
        return out
    col = {name: i for i, name in enumerate(COLUMNS)}
    for n, values in enumerate(rows[1:], start=2):
        values = tuple(values) + (None,) * (len(COLUMNS) - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        ref = values[col["Ref"]]
        if not isinstance(ref, str) or not ref.strip():
            out.problems.append(Problem("Ref: the row's reference is missing", file=file, field=f"{SHEET}!A{n}"))
            continue
        status, note = values[col["New status"]], values[col["Note"]]
        letter = get_column_letter(col["New status"] + 1)
        if status is not None and not isinstance(status, str):
            out.problems.append(Problem(f"New status: expected one of {', '.join(ACTION_STATUSES)}",
                                        file=file, field=f"{SHEET}!{letter}{n}"))
            continue
        status = (status or "").strip()
        if status and status not in ACTION_STATUSES:
            out.problems.append(Problem(f"New status {status!r}: expected one of {', '.join(ACTION_STATUSES)}",
                                        file=file, field=f"{SHEET}!{letter}{n}"))
        note_text = "" if note is None else str(note).strip()
        out.rows.append(StatusAnswer(row=n, ref=ref.strip(), status=status, note=note_text))
    return out
