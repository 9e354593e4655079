"""Serving feeds fast and correctly: the rendered-bytes cache, Last-Modified, conditional requests.

Free of any web framework and of HTTP (conditional requests are answered in nmrf.web.routes.feeds).

The cache keeps each link's rendered bytes with the database's change counter
at the time (the newest audit entry: every ORM change to a milestone, meeting,
person, role, membership or link writes one) and the moment `now` alone may
change the feed (the reader's next midnight, a cancellation's grace ending).
A request costs one indexed read while nothing changed; after any change a feed
is rebuilt on its next request. A bounded age (``max_age``) covers commits that
become visible out of order on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from nmrf.calendars.build import Window, render_feed
from nmrf.calendars.links import find_link, rotate, token_hash, well_formed
from nmrf.calendars.queries import feed_for_link
from nmrf.models import AuditEntry, FeedLink, FeedState
from nmrf.models.db import session_scope
from nmrf.models.types import utcnow
from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Served:
    link_id: int
    body: bytes
    etag: str
    last_modified: datetime  # whole seconds, UTC
    version: int
    valid_until: datetime
    events: int

    @property
    def http_last_modified(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)


def _seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


class _Cache:
    """Rendered feeds by token hash, least recently used out first, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[str, Served] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Served | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Served) -> None:
        if self.max_bytes <= 0:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes and len(self.entries) > 1:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)

    def drop(self, key: str) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)


def change_counter(session_or_conn) -> int:  # type: ignore[no-untyped-def]
    return session_or_conn.execute(select(func.max(AuditEntry.id))).scalar() or 0


class FeedPublisher:
    """Answers 'the feed behind this token': from the cache while nothing changed, rebuilt otherwise."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow, window: Window = Window(),
                 cache_bytes: int = 64 * 1024 * 1024, max_age: timedelta = timedelta(minutes=5)) -> None:
        self.engine = engine
        self.reader = engine.execution_options(nmrf_readonly=True)
        self.clock = clock
        self.window = window
        self.max_age = max_age
        self.cache = _Cache(cache_bytes)
        self.hits = 0
        self.builds = 0
        # Each State's institutions, role holders and cycles, shared by its people's
        # feeds; emptied whenever the change counter moves.
        self.views: dict = {}
        self.views_version = -1
        self.views_lock = threading.Lock()

    def current_version(self) -> int:
        with self.reader.connect() as conn:
            value = change_counter(conn)
            conn.rollback()
        return int(value)

    def get(self, token: str) -> Served | None:
        if not well_formed(token):
            return None
        key = token_hash(token)
        now = self.clock()
        entry = self.cache.get(key)
        if entry is not None and now < entry.valid_until and entry.version == self.current_version():
            self.hits += 1
            return entry
        served = self._build(token, now)
        if served is None:
            self.cache.drop(key)
        else:
            self.cache.put(key, served)
        return served

    def _build(self, token: str, now: datetime) -> Served | None:
        with session_scope(self.engine, readonly=True) as s:
            version = change_counter(s)  # read first: the build sees this state or a newer one
            link = find_link(session=s, token=token)
            if link is None:
                return None
            feed = feed_for_link(session=s, link=link, now=now, window=self.window, views=self._views(version))
            if feed is None:
                return None
            rendered = render_feed(feed.spec, feed.items, now=now, window=self.window)
            computed = rendered.last_modified or link.created_at
            state = s.get(FeedState, link.id)
            known = (state.etag, state.last_modified) if state else None
            link_id = link.id
        self.builds += 1
        last_modified = self._last_modified(link_id, rendered.etag, computed, known, now)
        return Served(link_id=link_id, body=rendered.body, etag=rendered.etag, last_modified=last_modified,
                      version=version, valid_until=min(rendered.expires, now + self.max_age),
                      events=len(rendered.uids))

    def _views(self, version: int) -> dict:
        with self.views_lock:
            if version != self.views_version:
                self.views, self.views_version = {}, version
            return self.views

    def _last_modified(self, link_id: int, etag: str, computed: datetime,
                       known: tuple[str, datetime] | None, now: datetime) -> datetime:
        """Whole seconds, moving forward whenever the bytes change, even when what changed
        is that something left the feed (its own change time is then older)."""
        computed = _seconds(computed)
        if known is not None:
            old_etag, old = known[0], _seconds(known[1])
            if old_etag == etag:
                return old
            if computed <= old:
                computed = max(_seconds(now), old + timedelta(seconds=1))
        with session_scope(self.engine, actor="feed-server") as s:
            _upsert_state(s, link_id, etag, computed)
        return computed

    def rotate(self, token: str, *, actor: str) -> str | None:
        """A new token for the holder of `token` (the old one stops working), or None."""
        with session_scope(self.engine, actor=actor) as s:
            link = find_link(session=s, token=token)
            if link is None or feed_for_link(session=s, link=link, now=self.clock(), window=self.window) is None:
                return None
            _, new = rotate(session=s, link=link, now=self.clock(), actor=actor)
        self.cache.drop(token_hash(token))
        return new


def _upsert_state(session: Session, link_id: int, etag: str, last_modified: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = FeedState.__table__
    stmt = insert(table).values(link_id=link_id, etag=etag, last_modified=last_modified)
    stmt = stmt.on_conflict_do_update(index_elements=["link_id"],
                                      set_={"etag": etag, "last_modified": last_modified})
    session.execute(stmt)


def served_links(*, session: Session) -> list[FeedLink]:
    return list(session.exec(select(FeedLink).where(FeedLink.revoked_at.is_(None))  # type: ignore[union-attr]
                             .order_by(FeedLink.id)))
