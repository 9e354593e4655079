"""Documents handed in as input: what a file is (by its content, never its name) and the text it holds.

A PDF starts with `%PDF-`. A DOCX is a ZIP holding `word/document.xml`; an ODT a
ZIP whose first entry `mimetype` says `application/vnd.oasis.opendocument.text`.
A ZIP that inflates far beyond its size (a decompression bomb) is refused before
anything reads it. The text of a DOCX or ODT is read paragraph by paragraph for
the draft; a PDF's is not (it is listed as an annex).
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

MAX_DOCUMENT = 10 * 1024 * 1024
MAX_INFLATED = 100 * 1024 * 1024
MAX_RATIO = 100
ODT_TYPE = b"application/vnd.oasis.opendocument.text"
KIND_NAMES = {"docx": "Word document (DOCX)", "odt": "OpenDocument text (ODT)", "pdf": "PDF"}


def _zip_entries(data: bytes) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise NmrfError(N_("This file is damaged: its ZIP structure cannot be read.")) from None
    inflated = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if inflated > MAX_INFLATED or inflated / packed > MAX_RATIO:
        raise NmrfError(N_("This file inflates to far more than a document holds (a decompression bomb?)."))
    return infos


def sniff(data: bytes) -> str:
    """docx, odt or pdf, from the content; anything else is refused with the reason."""
    if not data:
        raise NmrfError(N_("The file is empty."))
    if len(data) > MAX_DOCUMENT:
        raise NmrfError(N_("The file is too big: the limit is 10 MB."))
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        infos = _zip_entries(data)
        names = {i.filename for i in infos}
        if "word/document.xml" in names:
            return "docx"
        if infos and infos[0].filename == "mimetype":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if z.read("mimetype").strip() == ODT_TYPE and "content.xml" in names:
                    return "odt"
        if "xl/workbook.xml" in names:
            raise NmrfError(N_("This is a workbook: hand it in with the workbook form, which checks its answers."))
    raise NmrfError(N_("This file is not a Word document (DOCX), an OpenDocument text (ODT) or a PDF: its "
                       "content says otherwise, whatever its name."))


def _docx_text(data: bytes) -> list[str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    return [p.text.strip() for p in document.paragraphs if p.text.strip()]


ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _odt_text(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ElementTree.fromstring(z.read("content.xml"))
    out = []
    for el in root.iter():
        if el.tag in (f"{{{ODF_TEXT}}}p", f"{{{ODF_TEXT}}}h"):
            text = "".join(el.itertext()).strip()
            if text:
                out.append(text)
    return out


def extract_text(kind: str, data: bytes) -> list[str]:
    """The paragraphs of a DOCX or ODT; none for a PDF."""
    try:
        if kind == "docx":
            return _docx_text(data)
        if kind == "odt":
            return _odt_text(data)
    except NmrfError:
        raise
    except Exception as exc:  # a damaged file: python-docx and ElementTree raise many kinds
        raise NmrfError(N_("This document cannot be read: it is damaged.")) from None
    return []
