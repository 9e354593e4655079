"""Files a person hands us, bounded: a size cap before reading, and an Office file's unpacked size counted
before any parser opens it (nmrf.domain.archives).
"""

from __future__ import annotations

from pathlib import Path

from nmrf.domain.archives import MAX_MEMBERS, MAX_OFFICE_BYTES, MAX_UNPACKED_BYTES, MB, unpacked_problem
from nmrf.errors import NmrfError, Problem

# UPR Info's whole export is about 40 MB; the Office caps are nmrf.domain.archives'.
MAX_IMPORT_BYTES = 256 * MB
__all__ = ["MAX_IMPORT_BYTES", "MAX_MEMBERS", "MAX_OFFICE_BYTES", "MAX_UNPACKED_BYTES", "check_zip", "read_file"]


def read_file(path: Path | str, *, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, refusing a missing file, a folder or one over `limit` bytes (before reading it)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise NmrfError([Problem(f"is a folder; give a {what}", file=str(path))])
        if size > limit:
            raise NmrfError([Problem(f"the {what} is {size / MB:.1f} MB; nmrf reads at most {limit // MB} MB",
                                     file=str(path))])
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise NmrfError([Problem("file not found", file=str(path))]) from None
    except PermissionError:
        raise NmrfError([Problem("not allowed to read this file", file=str(path))]) from None
    except IsADirectoryError:
        raise NmrfError([Problem(f"is a folder; give a {what}", file=str(path))]) from None
    if len(data) > limit:  # grew while we read it
        raise NmrfError([Problem(f"the {what} is over {limit // MB} MB", file=str(path))])
    return data


def check_zip(data: bytes, *, file: str, kind: str = "XLSX workbook", limit: int = MAX_UNPACKED_BYTES,
              packed_limit: int = MAX_OFFICE_BYTES) -> None:
    """Refuse (NmrfError) an Office file that is too large packed or unpacked, before a parser sees it."""
    problem = unpacked_problem(data, kind=kind, limit=limit, packed_limit=packed_limit)
    if problem:
        raise NmrfError([Problem(problem, file=file)])
