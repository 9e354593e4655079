"""Documents handed in as an institution's input (DOCX, ODT, PDF) or as the evidence of a record.

Kept in the database, not in the data folder: the database is the system of
record and the one thing backed up and moved (`nmrf db migrate`), and with
PostgreSQL the page server, the workers and the command line may run on
different machines that share no folder. The 10 MB cap keeps that sensible.
The bytes sit in their own table, out of the audit history (which keeps the
document's metadata and checksum); both are append-only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from nmrf.models.types import UTCDateTime, utcnow

DOCUMENT_KINDS = ("docx", "odt", "pdf")
DOCUMENT_ROLES = ("input", "evidence")


class InputDocument(SQLModel, table=True):
    __tablename__ = "input_document"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    role: str = Field(default="input", max_length=10)  # input | evidence
    file_name: str = Field(max_length=300)
    kind: str = Field(max_length=10)  # docx | odt | pdf, from the content
    size: int
    sha256: str = Field(max_length=64, index=True)
    # The text read from a DOCX or ODT (paragraphs separated by blank lines); empty for a PDF.
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Whose act it is, and who recorded it (the same person on their page).
    on_behalf_of: str | None = Field(default=None, max_length=200)
    recorded_by: str = Field(max_length=200)
    via: str = Field(max_length=20)  # page | command line
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DocumentContent(SQLModel, table=True):
    """The bytes of a document, as handed in."""

    __tablename__ = "document_content"
    __audit__ = False

    document_id: int = Field(foreign_key="input_document.id", primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
