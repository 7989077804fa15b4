"""A run's set of seen keys on disk, so the crawl process does not grow with every page.

A crawl remembers each URL it has requested (the spider's seen-set) and each
request fingerprint (Scrapy's dupefilter) until it ends: in Python sets, about
200 bytes a page that are never given back. ``SeenSet`` keeps them in a private
temporary SQLite database instead (an empty file name: SQLite unlinks the file
as soon as it is open, so nothing is left behind, even after a crash), as
16-byte BLAKE2b digests (a collision is expected after ~2**64 keys), with a
bounded page cache (``PRAGMA cache_size``) and the recently used keys in memory
(two generations, as ``crawler.followup`` does): pages repeat their menus, so
most lookups never reach SQLite. A run's seen-set is never resumed: the
follow-up queue and the URL state are what persist.
"""

from __future__ import annotations

import hashlib
import sqlite3

DEFAULT_CACHE_KEYS = 16384  # recently used keys kept in memory (both generations)
_PAGE_CACHE_KIB = 2048  # SQLite's own page cache, KiB


def _digest(key: str | bytes) -> bytes:
    """16 bytes for a key; a str and the bytes of its UTF-8 form stay distinct keys."""
    if isinstance(key, str):
        return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return hashlib.blake2b(key, digest_size=16, person=b"bytes").digest()


class SeenSet:
    """A set of str or bytes keys (``in`` and ``add``) backed by a temporary SQLite file."""

    def __init__(self, cache_keys: int = DEFAULT_CACHE_KEYS) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY) WITHOUT ROWID")
        # One transaction for the database's life, never committed: nothing is kept,
        # and an insert then costs half as much. Dirty pages beyond the page cache
        # spill to the file, so memory stays at the cache size.
        self._db.execute("BEGIN")
        self._generation = max(1, cache_keys // 2)
        self._recent: set[str | bytes] = set()
        self._older: set[str | bytes] = set()
        self._count = 0

    def __contains__(self, key: object) -> bool:
        return key in self._recent or self._look_up(key)  # most answers: the first test

    def add(self, key: str | bytes) -> None:
        if key in self._recent:
            return
        cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (_digest(key),))
        self._count += cursor.rowcount
        self._remember(key)

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        """Drop the database (SQLite deletes its file) and the cached keys."""
        self._db.close()
        self._recent.clear()
        self._older.clear()

    def _look_up(self, key: object) -> bool:
        if not isinstance(key, str | bytes):
            return False
        if key in self._older or self._on_disk(key):
            self._remember(key)
            return True
        return False

    def _on_disk(self, key: str | bytes) -> bool:
        row = self._db.execute("SELECT 1 FROM seen WHERE k = ?", (_digest(key),)).fetchone()
        return row is not None

    def _remember(self, key: str | bytes) -> None:
        if len(self._recent) >= self._generation:
            self._older = self._recent
            self._recent = set()
        self._recent.add(key)
