"""When each source of a crawl plan last ran, what it found, and when it is due.

Kept in the output directory's ``state.sqlite3`` next to the URL state, so
``newscrawl run`` (cron), ``newscrawl schedule`` and ``newscrawl status`` all
read the same ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.sqlite_wal import connect_wal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    last_started_at TEXT NOT NULL,
    last_finished_at TEXT NOT NULL,
    next_due_at TEXT NOT NULL,
    crawl_id TEXT,
    outcome TEXT,
    new INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0
);
"""


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class SourceRun:
    """The last pass over one source."""

    name: str
    last_started_at: str
    last_finished_at: str
    next_due_at: str
    crawl_id: str | None
    outcome: str | None  # the crawl's finish reason
    new: int
    updated: int
    unchanged: int
    failed: int


class SourceLedger:
    """Per-source run history in SQLite (WAL)."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = connect_wal(path)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SourceLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, name: str) -> SourceRun | None:
        cur = self._db.execute("SELECT * FROM sources WHERE name = ?", (name,))
        row = cur.fetchone()
        return SourceRun(*row) if row else None

    def is_due(self, name: str, now: datetime) -> bool:
        run = self.get(name)
        return run is None or _parse(run.next_due_at) <= now

    def next_due(self, name: str, now: datetime) -> datetime:
        run = self.get(name)
        return now if run is None else max(now, _parse(run.next_due_at))

    def record(
        self,
        name: str,
        *,
        started_at: datetime,
        finished_at: datetime,
        interval: timedelta,
        crawl_id: str | None,
        outcome: str | None,
        new: int,
        updated: int,
        unchanged: int,
        failed: int,
        due_from: datetime | None = None,
    ) -> None:
        """Store a finished crawl; the source is due again one interval after ``due_from``.

        ``due_from`` is the start of the pass (``run`` crawls the due sources
        one after another): a later source, due again from its own start, would
        miss the next cron tick by the earlier sources' run time and wait a
        whole extra period. Default: the crawl's own start.
        """
        next_due = max((due_from or started_at) + interval, finished_at)
        self._db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                _iso(started_at),
                _iso(finished_at),
                _iso(next_due),
                crawl_id,
                outcome,
                new,
                updated,
                unchanged,
                failed,
            ),
        )
