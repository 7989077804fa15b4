"""Opening the project's SQLite files (state, queue, source ledger) in WAL mode.

Several processes open them at once: a scheduled crawl, ``newscrawl status``
or ``queue`` beside it. Switching a new file to WAL needs a moment of exclusive
access, and SQLite answers "database is locked" at once there instead of
waiting out the busy timeout; so the switch is retried until the timeout.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT = 30.0  # seconds a connection waits for another one's lock


def connect_wal(path: str | Path, *, timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """An autocommit connection to ``path`` with the file in WAL mode."""
    db = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return db
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                db.close()
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
