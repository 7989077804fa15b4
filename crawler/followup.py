"""The follow-up queue: teaser links waiting to be fetched, persisted in SQLite.

Why SQLite: it survives crashes and restarts (stdlib, one file next to the
outputs), so teasers that a run could not fetch (out of scope, over the page
limit) are still there for the next run, and ``newscrawl queue`` can read it
while a crawl is running (WAL mode).

Each URL has one row. ``state`` is ``pending`` until the URL is fetched, then
``done``; a URL that was already fetched is never queued again.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class FollowupQueue:
    """A persistent set of teaser links, consumed newest first."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._in_batch = False

    def close(self) -> None:
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
                json.dumps(extra, ensure_ascii=False) if extra else None,
            ),
        )
        state, times_seen = cur.fetchone()
        return bool(state == "pending" and times_seen == 1)

    def add_links(self, urls: Iterable[str], *, source_url: str, seen_at: str) -> None:
        """Queue a page's plain outlinks (the crawl frontier) in one transaction."""
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
        """Record that ``urls`` were fetched (or failed), so they leave the queue."""
        now = _now()
        self._db.executemany(
            "INSERT INTO followup (url, state, first_seen_at, last_seen_at, fetched_at, status,"
            " times_seen) VALUES (?, ?, ?, ?, ?, ?, 0)"
            " ON CONFLICT(url) DO UPDATE SET state = excluded.state,"
            " fetched_at = excluded.fetched_at, status = excluded.status",
            [(url, state, now, now, now, status) for url in urls],
        )

    def is_done(self, url: str) -> bool:
        row = self._db.execute("SELECT state FROM followup WHERE url = ?", (url,)).fetchone()
        return bool(row and row[0] == "done")

    def pending(
        self, *, in_scope: bool | None = None, limit: int | None = None
    ) -> list[QueuedLink]:
        """Pending links, newest estimated publication first (unknown times last)."""
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
        return list(self._rows("SELECT * FROM followup ORDER BY state != 'pending', url", []))

    def count_pending(self) -> int:
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
