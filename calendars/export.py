"""Write every feed as a file, for secretariats that publish through a web server they already run.

Each active link's feed goes to ``DIR/<name>.ics``, where the name is derived
from the link's stored hash (the token itself is never stored, so it cannot
be the file name). Whoever can read the database can therefore find the
exported files: protect the export as you protect the database, or serve the
feeds with `nmrf serve`. A file is rewritten only when its bytes change and
takes the feed's Last-Modified as its modification time, so the web server's
own ETag and Last-Modified stay right; files of revoked links are removed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from nmrf.calendars.build import Window, render_feed
from nmrf.calendars.publishing import served_links
from nmrf.calendars.queries import feed_for_link
from nmrf.models import FeedLink

_EXPORTED = re.compile(r"^[0-9a-f]{64}\.ics$")


def export_name(link: FeedLink) -> str:
    return hashlib.sha256(b"nmrf-export\x1f" + link.token_hash.encode()).hexdigest()


@dataclass
class ExportResult:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0  # links whose subject is gone (an inactive person, a holder no longer assigned)
    files: list[tuple[FeedLink, str]] = field(default_factory=list)


def export_feeds(*, session: Session, directory: Path, now: datetime, window: Window = Window()) -> ExportResult:
    directory.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    keep: set[str] = set()
    for link in served_links(session=session):
        feed = feed_for_link(session=session, link=link, now=now, window=window)
        if feed is None:
            result.skipped += 1
            continue
        rendered = render_feed(feed.spec, feed.items, now=now, window=window)
        name = export_name(link) + ".ics"
        keep.add(name)
        path = directory / name
        if path.exists() and path.read_bytes() == rendered.body:
            result.unchanged += 1
        else:
            stamp = int((rendered.last_modified or link.created_at).timestamp())
            if path.exists():
                # New bytes never get an older time than the file they replace (something
                # left the feed): web servers answer If-Modified-Since from the file's time.
                old = int(path.stat().st_mtime)
                if stamp <= old:
                    stamp = max(int(now.timestamp()), old + 1)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(rendered.body)
            os.replace(tmp, path)
            os.utime(path, (stamp, stamp))
            result.written += 1
        result.files.append((link, name))
    for path in directory.iterdir():
        if _EXPORTED.match(path.name) and path.name not in keep:
            path.unlink()
            result.removed += 1
    return result
