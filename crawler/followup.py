"""The follow-up queue: teaser links waiting to be fetched, persisted in SQLite.

Why SQLite: it survives crashes and restarts (stdlib, one file next to the
outputs), so teasers that a run could not fetch (out of scope, over the page
limit) are still there for the next run, and ``newscrawl queue`` can read it
while a crawl is running (WAL mode).

Each URL has one row. ``state`` is ``pending`` until the URL is fetched, then
``done``; a URL that was already fetched is never queued again.

A crawl queues each page's teasers and links with ``add_page``: new URLs are
written (one transaction per page) before the call returns, so the frontier
survives a crash; a URL that already has a row is only seen again, and those
sightings (``last_seen_at``, ``times_seen``) are kept in memory and written
together every ``flush_seconds`` (and on every read and on close). Pages
repeat the same menus and teaser lists, so this turns ~200 row updates per page
into a few per flush; a crash loses at most the sightings of the last interval.

``mark_done`` is written with the queue's next transaction (the next page's new
rows, a flush, a read, ``close``), at the latest ``flush_seconds`` later, and
not in a commit of its own: a crash before that leaves the URL pending, so it
is fetched again (an archived article is then skipped by the crawl state).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.items import Teaser
from crawler.sqlite_wal import connect_wal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS followup (
    url TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'pending',
    headline TEXT,
    excerpt TEXT,
    relative_time TEXT,
    published_at TEXT,
    block TEXT,
    source_url TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    times_seen INTEGER NOT NULL DEFAULT 1,
    in_scope INTEGER NOT NULL DEFAULT 1,
    fetched_at TEXT,
    status INTEGER,
    extra TEXT
);
CREATE INDEX IF NOT EXISTS followup_pending ON followup (state, published_at DESC);
"""


@dataclass(frozen=True)
class QueuedLink:
    """A teaser link on the queue, with where and when it was seen."""

    url: str
    headline: str | None
    excerpt: str | None
    relative_time: str | None
    published_at: str | None
    block: str | None
    source_url: str | None
    first_seen_at: str
    last_seen_at: str
    times_seen: int
    in_scope: bool
    state: str
    extra: dict[str, Any] | None = None  # e.g. a news sitemap's keywords and language


KNOWN_CACHE_SIZE = 32768  # URLs known to have a row, remembered to skip a SELECT
MAX_SIGHTINGS = 8192  # sightings kept in memory before they are written anyway
_IN_CHUNK = 500  # URLs per "WHERE url IN (...)" lookup


# A row queued as a plain link (no block, no fields) that a sitemap or feed then
# lists takes the entry's fields: which of the two a crawl reads first depends on
# fetch order, and the entry's keywords, title and date are worth keeping. A row
# that already came from a teaser or an entry keeps its first sighting's fields.
_ADOPT_SQL = (
    "UPDATE followup SET block = ?, headline = ?, excerpt = ?, relative_time = ?,"
    " published_at = ?, extra = ? WHERE url = ? AND block = 'link'"
)


def _adoption(
    url: str,
    block: str | None,
    fields: tuple[str | None, str | None, str | None, str | None],
    extra: dict[str, Any],
) -> tuple[Any, ...]:
    """``_ADOPT_SQL``'s parameters for a known URL listed by a sitemap or feed;
    ``fields`` are its headline, excerpt, relative time and publication time."""
    return (block, *fields, _extra_json(extra), url)


def _extra_json(extra: dict[str, Any] | None) -> str | None:
    return json.dumps(extra, ensure_ascii=False) if extra else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class FollowupQueue:
    """A persistent set of teaser links, consumed newest first."""

    def __init__(self, path: str | Path, *, flush_seconds: float = 10.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect_wal(self.path)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._in_batch = False
        self.flush_seconds = flush_seconds
        # URLs known to have a row (rows are never deleted), in two generations:
        # used recently, and before that (moved up when used again). A generation
        # holds at most half of KNOWN_CACHE_SIZE; a full one becomes the old one.
        # (Set operations over a page's URLs, rather than an LRU's per-URL upkeep.)
        self._known: set[str] = set()
        self._known_old: set[str] = set()
        # Sightings not written yet: url -> last_seen_at, and url -> times_seen
        # increment (teasers only: a plain link's sighting only sets last_seen_at).
        self._sightings: dict[str, str] = {}
        self._times_seen: dict[str, int] = {}
        self._flushed_at = time.monotonic()
        # mark_done rows not written yet, in order, and their URLs.
        self._marks: list[tuple[str, str, str, str, str, int | None]] = []
        self._marked: set[str] = set()
        self._marks_since = 0.0

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.flush()
        self._db.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction around several writes (a page's teasers and links).

        Each write otherwise commits on its own, and the commits, not the
        inserts, are what costs. A crash keeps all of the batch or none of it.
        """
        if self._in_batch:
            yield
            return
        self._db.execute("BEGIN")
        self._in_batch = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_batch = False

    def __enter__(self) -> FollowupQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(
        self,
        url: str,
        *,
        headline: str | None = None,
        excerpt: str | None = None,
        relative_time: str | None = None,
        published_at: str | None = None,
        block: str | None = None,
        source_url: str | None = None,
        in_scope: bool = True,
        seen_at: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        """Queue ``url`` unless known; return True if it is newly pending.

        A URL seen again keeps its first sighting and gets its last one updated.
        """
        seen_at = seen_at or _now()
        if self._sightings or self._marks:
            self.flush()  # an older sighting must not overwrite this one later
        cur = self._db.execute(
            "INSERT INTO followup (url, headline, excerpt, relative_time, published_at, block,"
            " source_url, first_seen_at, last_seen_at, in_scope, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET last_seen_at = excluded.last_seen_at,"
            " times_seen = times_seen + 1"
            " RETURNING state, times_seen",
            (
                url,
                headline,
                excerpt,
                relative_time,
                published_at,
                block,
                source_url,
                seen_at,
                seen_at,
                int(in_scope),
                _extra_json(extra),
            ),
        )
        state, times_seen = cur.fetchone()
        if extra and times_seen > 1:  # known before: a plain link takes the entry's fields
            fields = (headline, excerpt, relative_time, published_at)
            self._db.execute(_ADOPT_SQL, _adoption(url, block, fields, extra))
        return bool(state == "pending" and times_seen == 1)

    def add_page(
        self,
        teasers: Sequence[Teaser],
        links: Iterable[str],
        *,
        source_url: str,
        seen_at: str,
        in_scope: Callable[[str], bool] | None = None,
        extras: Mapping[str, dict[str, Any] | None] | None = None,
    ) -> int:
        """Queue one page's teasers, then its plain outlinks; return how many teasers
        are newly pending.

        What ``add`` and ``add_links`` would do, row for row, except that URLs
        already on the queue are only seen again: their ``last_seen_at`` (and,
        for teasers, ``times_seen``) are written at the next ``flush``. New
        rows are committed (in one transaction) before this returns.
        ``in_scope`` says whether a new teaser is in the crawl's scope;
        ``extras`` holds a teaser's ``extra`` by URL (feed/sitemap fields).
        """
        unique_links = dict.fromkeys(links)  # in order, once each
        known = self._known_among([t.url for t in teasers], unique_links)
        new_teasers: list[tuple[Any, ...]] = []
        sightings = self._sightings
        times_seen = self._times_seen
        here: set[str] = set()  # new teasers this page has queued already
        adopted: list[tuple[Any, ...]] = []  # known URLs given a sitemap/feed entry's fields
        for teaser in teasers:
            url = teaser.url
            if url in known or url in here:  # each sighting of a teaser counts
                sightings[url] = seen_at
                times_seen[url] = times_seen.get(url, 0) + 1
                extra = extras.get(url) if extras else None
                if extra and url in known:
                    fields = (
                        teaser.headline,
                        teaser.excerpt,
                        teaser.relative_time,
                        teaser.published_at,
                    )
                    adopted.append(_adoption(url, teaser.block, fields, extra))
                continue
            here.add(url)
            new_teasers.append(
                (
                    url,
                    teaser.headline,
                    teaser.excerpt,
                    teaser.relative_time,
                    teaser.published_at,
                    teaser.block,
                    source_url,
                    seen_at,
                    seen_at,
                    int(in_scope is None or in_scope(url)),
                    _extra_json(extras.get(url) if extras else None),
                )
            )
        # Plain links: a known one is seen again (once a page), a new one queued
        # unless it is one of this page's new teasers.
        sightings.update(dict.fromkeys(known.intersection(unique_links), seen_at))
        skip = known | here if here else known
        new_links = [(url, source_url, seen_at, seen_at) for url in unique_links if url not in skip]
        if new_teasers or new_links or adopted:
            with self.batch():  # one transaction: a crash keeps all of a page's rows or none
                self._write_marks()
                if adopted:
                    self._db.executemany(_ADOPT_SQL, adopted)
                if new_teasers:
                    self._db.executemany(
                        "INSERT INTO followup (url, headline, excerpt, relative_time,"
                        " published_at, block, source_url, first_seen_at, last_seen_at,"
                        " in_scope, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        new_teasers,
                    )
                if new_links:
                    self._db.executemany(
                        "INSERT INTO followup (url, block, source_url, first_seen_at,"
                        " last_seen_at) VALUES (?, 'link', ?, ?, ?)",
                        new_links,
                    )
            self._remember([row[0] for row in new_teasers])
            self._remember([row[0] for row in new_links])
        if len(sightings) >= MAX_SIGHTINGS or (
            sightings and time.monotonic() - self._flushed_at >= self.flush_seconds
        ):
            self.flush()
        return len(new_teasers)

    def _remember(self, urls: Iterable[str]) -> None:
        """Note that ``urls`` have a row (in the recent generation)."""
        self._known.update(urls)
        if len(self._known) >= KNOWN_CACHE_SIZE // 2:
            self._known_old = self._known
            self._known = set()

    def _known_among(self, *url_lists: Iterable[str]) -> set[str]:
        """Which of the URLs have a row: from memory, then one lookup for the rest."""
        wanted = set().union(*url_lists)
        found = self._known.intersection(wanted)
        if self._marked:  # rows that mark_done has yet to write
            found |= self._marked.intersection(wanted)
        missing = wanted - found
        if missing and self._known_old:
            again = self._known_old.intersection(missing)
            if again:
                found |= again
                missing -= again
                self._remember(again)
        if not missing:
            return found
        ordered = sorted(missing)
        fetched: list[str] = []
        for start in range(0, len(ordered), _IN_CHUNK):
            chunk = ordered[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            fetched += (
                url
                for (url,) in self._db.execute(
                    f"SELECT url FROM followup WHERE url IN ({marks})",  # noqa: S608 - only ?s
                    chunk,
                )
            )
        found.update(fetched)
        self._remember(fetched)
        return found

    def flush(self) -> None:
        """Write the sightings kept in memory (one transaction)."""
        self._flushed_at = time.monotonic()
        if not self._sightings and not self._marks:
            return
        times_seen = self._times_seen
        rows = [(seen, times_seen.get(url, 0), url) for url, seen in self._sightings.items()]
        self._sightings = {}
        self._times_seen = {}
        with self.batch():
            self._write_marks()  # first: a sighting may be of a row a mark inserts
            self._db.executemany(
                "UPDATE followup SET last_seen_at = ?, times_seen = times_seen + ? WHERE url = ?",
                rows,
            )

    def add_links(self, urls: Iterable[str], *, source_url: str, seen_at: str) -> None:
        """Queue a page's plain outlinks (the crawl frontier) in one transaction."""
        if self._sightings or self._marks:
            self.flush()
        rows = [(url, source_url, seen_at, seen_at) for url in urls]
        if not rows:
            return
        with self.batch():  # one transaction: a crash keeps all of a page's links or none
            self._db.executemany(
                "INSERT INTO followup (url, block, source_url, first_seen_at, last_seen_at)"
                " VALUES (?, 'link', ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET last_seen_at = excluded.last_seen_at",
                rows,
            )

    def mark_done(
        self, urls: Iterable[str], *, status: int | None = None, state: str = "done"
    ) -> None:
        """Record that ``urls`` were fetched (or failed), so they leave the queue.

        Written with the queue's next transaction (see the module docstring).
        """
        now = _now()
        urls = list(urls)
        if not self._marks:
            self._marks_since = time.monotonic()
        self._marks += [(url, state, now, now, now, status) for url in urls]
        self._marked.update(urls)
        self._remember(urls)
        if time.monotonic() - self._marks_since >= self.flush_seconds:
            self.flush()

    def _write_marks(self) -> None:
        """Write the pending ``mark_done`` rows (in the caller's transaction)."""
        if not self._marks:
            return
        self._db.executemany(
            "INSERT INTO followup (url, state, first_seen_at, last_seen_at, fetched_at, status,"
            " times_seen) VALUES (?, ?, ?, ?, ?, ?, 0)"
            " ON CONFLICT(url) DO UPDATE SET state = excluded.state,"
            " fetched_at = excluded.fetched_at, status = excluded.status",
            self._marks,
        )
        self._marks = []
        self._marked = set()

    def is_done(self, url: str) -> bool:
        self.flush()
        row = self._db.execute("SELECT state FROM followup WHERE url = ?", (url,)).fetchone()
        return bool(row and row[0] == "done")

    def pending(
        self, *, in_scope: bool | None = None, limit: int | None = None
    ) -> list[QueuedLink]:
        """Pending links, newest estimated publication first (unknown times last)."""
        self.flush()
        sql = "SELECT * FROM followup WHERE state = 'pending'"
        args: list[object] = []
        if in_scope is not None:
            sql += " AND in_scope = ?"
            args.append(int(in_scope))
        sql += " ORDER BY published_at IS NULL, published_at DESC, first_seen_at DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return list(self._rows(sql, args))

    def all(self) -> list[QueuedLink]:
        """Every link ever seen, pending ones first."""
        self.flush()
        return list(self._rows("SELECT * FROM followup ORDER BY state != 'pending', url", []))

    def count_pending(self) -> int:
        self.flush()
        (n,) = self._db.execute("SELECT COUNT(*) FROM followup WHERE state = 'pending'").fetchone()
        return int(n)

    def _rows(self, sql: str, args: list[object]) -> Iterator[QueuedLink]:
        cur = self._db.execute(sql, args)
        names = [d[0] for d in cur.description]
        for row in cur:
            rec = dict(zip(names, row, strict=True))
            yield QueuedLink(
                url=rec["url"],
                headline=rec["headline"],
                excerpt=rec["excerpt"],
                relative_time=rec["relative_time"],
                published_at=rec["published_at"],
                block=rec["block"],
                source_url=rec["source_url"],
                first_seen_at=rec["first_seen_at"],
                last_seen_at=rec["last_seen_at"],
                times_seen=rec["times_seen"],
                in_scope=bool(rec["in_scope"]),
                state=rec["state"],
                extra=json.loads(rec["extra"]) if rec.get("extra") else None,
            )
