"""An Office file's unpacked size, counted before any parser opens it (pure: bytes in, a problem or None out).

A returned XLSX of 1.4 MB that unpacked to 1.5 GB once took 1.58 GB of memory in openpyxl before it was
refused. `unpacked_problem` streams every member through a counter (a megabyte at a time, nothing kept), so a zip
bomb is refused for the time it takes to inflate `limit` bytes, without their memory, whatever sizes the
archive's directory claims.
"""

from __future__ import annotations

import io
import zipfile

MB = 1024 * 1024
MAX_OFFICE_BYTES = 20 * MB  # a workbook nmrf writes is tens of kB, a ministry's export a few MB
MAX_UNPACKED_BYTES = 200 * MB
MAX_MEMBERS = 2000


def unpacked_problem(data: bytes, *, kind: str = "XLSX workbook", limit: int = MAX_UNPACKED_BYTES,
                     packed_limit: int = MAX_OFFICE_BYTES) -> str | None:
    """Why `data` may not be opened (too large packed or unpacked, not a zip archive), or None."""
    if len(data) > packed_limit:
        return f"the file is {len(data) / MB:.1f} MB; a {kind} nmrf reads is at most {packed_limit // MB} MB"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return f"not an {kind} (not a zip archive: {exc})"
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return f"not an {kind}: {len(members)} parts in the archive"
        if sum(m.file_size for m in members) > limit:
            return f"unpacks to more than {limit // MB} MB (a zip bomb?); refused unopened"
        total = 0
        for member in members:  # the directory may lie: count what actually comes out
            try:
                with archive.open(member) as fh:
                    while chunk := fh.read(MB):
                        total += len(chunk)
                        if total > limit:
                            return f"unpacks to more than {limit // MB} MB (a zip bomb?); refused"
            except Exception as exc:  # zlib.error, BadZipFile, NotImplementedError...: a damaged part
                return f"not an {kind} (damaged part {member.filename!r}: {type(exc).__name__}: {exc})"
    return None
