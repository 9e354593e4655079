"""Uploads: the request body read as a stream with a cap, and a file's type checked by its content.

The body is counted as it arrives and refused past the cap (a declared
Content-Length over it is refused before reading anything). A workbook must be
a ZIP (XLSX) whose entries stay small once inflated: a decompression bomb is
refused before openpyxl opens it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request

from nmrf.domain.i18n import N_

MAX_UPLOAD = 10 * 1024 * 1024  # a workbook of a few hundred answers is well under 1 MB
MAX_INFLATED = 100 * 1024 * 1024
MAX_RATIO = 100  # XML compresses about 10:1; a bomb, thousands to one
TOO_BIG = N_("The file is too big: the limit is 10 MB.")


class UploadRefused(Exception):
    """Why an upload was refused (nothing was recorded), with the HTTP status that says it: 413 for too big."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def read_capped(request: Request, cap: int = MAX_UPLOAD) -> bytes:
    declared = request.headers.get("content-length")
    # The form's own fields and the multipart boundaries take a few kilobytes.
    limit = cap + 64 * 1024
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadRefused(TOO_BIG, status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadRefused(TOO_BIG, status=413)
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class Posted:
    fields: dict[str, str]
    file_name: str | None
    data: bytes | None


async def read_form(request: Request, cap: int = MAX_UPLOAD) -> Posted:
    """The form's fields and its one file, read within the cap."""
    body = await read_capped(request, cap)
    request._body = body  # starlette's form parser then reads the body already counted
    form = await request.form(max_files=1, max_fields=10)
    fields, name, data = {}, None, None
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            name, data = value.filename or "upload", await value.read()
        else:
            fields[key] = value
    await form.close()
    if data is not None and len(data) > cap:
        raise UploadRefused(TOO_BIG, status=413)
    return Posted(fields=fields, file_name=name, data=data)


def check_workbook(data: bytes) -> None:
    """An XLSX by its content: a ZIP with the parts of a workbook, not a bomb."""
    if not data:
        raise UploadRefused(N_("The file is empty."))
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRefused(N_("This is not an Excel workbook (.xlsx): its content is of another kind."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            inflated = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
    except zipfile.BadZipFile:
        raise UploadRefused(N_("This workbook is damaged: it is not a readable .xlsx file.")) from None
    if "xl/workbook.xml" not in names:
        raise UploadRefused(N_("This is not an Excel workbook (.xlsx): it has no workbook part."))
    if inflated > MAX_INFLATED or inflated / packed > MAX_RATIO:
        raise UploadRefused(N_("This file inflates to far more than a workbook holds (a decompression bomb?)."))
