"""Files a person hands us, bounded: a size cap before reading, and an Office file's unpacked size counted
before any parser opens it.

A returned XLSX of 1.4 MB that unpacked to 1.5 GB once took 1.58 GB of memory in openpyxl before it was
refused; `check_zip` streams every member through a counter (a megabyte at a time, nothing kept), so a zip
bomb is refused for the time it takes to inflate `limit` bytes, without their memory, whatever sizes its
directory claims.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from nmrf.errors import NmrfError, Problem

MB = 1024 * 1024
# Caps: UPR Info's whole export is about 40 MB; a workbook nmrf writes is tens of kB, a draft a few MB.
MAX_IMPORT_BYTES = 256 * MB
MAX_OFFICE_BYTES = 20 * MB
MAX_UNPACKED_BYTES = 200 * MB
MAX_MEMBERS = 2000


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
    if len(data) > packed_limit:
        raise NmrfError([Problem(f"the file is {len(data) / MB:.1f} MB; a {kind} nmrf reads is at most "
                                 f"{packed_limit // MB} MB", file=file)])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NmrfError([Problem(f"not an {kind} (not a zip archive: {exc})", file=file)]) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise NmrfError([Problem(f"not an {kind}: {len(members)} parts in the archive", file=file)])
        if sum(m.file_size for m in members) > limit:
            raise NmrfError([Problem(f"unpacks to more than {limit // MB} MB (a zip bomb?); refused unopened",
                                     file=file)])
        total = 0
        for member in members:  # the directory may lie: count what actually comes out
            try:
                with archive.open(member) as fh:
                    while chunk := fh.read(MB):
                        total += len(chunk)
                        if total > limit:
                            raise NmrfError([Problem(f"unpacks to more than {limit // MB} MB (a zip bomb?); "
                                                     "refused", file=file)])
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                    zipfile.LargeZipFile) as exc:
                raise NmrfError([Problem(f"not an {kind} (damaged part {member.filename!r}: {exc})",
                                         file=file)]) from None
            except Exception as exc:  # zlib.error and others from a damaged stream
                if isinstance(exc, NmrfError):
                    raise
                raise NmrfError([Problem(f"not an {kind} (damaged part {member.filename!r}: {exc})",
                                         file=file)]) from None
