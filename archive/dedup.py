"""Payload digests already archived, so a second copy becomes a ``revisit`` record.

``DigestIndex`` is a small SQLite table (WAL journal, so readers never block
the writer) mapping a payload digest to the first capture that stored it: its
target URI, ``WARC-Date`` and record id. It lives in the output directory
(``indexes/digests.sqlite3``), so later runs into the same directory dedup
against earlier ones, the way warcprox and Heritrix do.

The first capture wins: re-adding a digest never moves it to a newer record,
because revisits must point at the record that actually holds the payload.

New entries are committed in groups (every ``COMMIT_EVERY`` entries, at the
first entry ``COMMIT_SECONDS`` after the group began, and on ``close``): a
commit per page cost ~2% of a crawl process's CPU. The index only saves space,
so what a crash loses of it costs a full record instead of a revisit later,
never a wrong revisit: entries are added after their record is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from archive.errors import ArchiveError, WarcFormatError
from archive.reader import iter_records

__all__ = [
    "DIGEST_INDEX_NAME",
    "REVISIT_PROFILE",
    "DigestEntry",
    "DigestIndex",
    "is_dedupable",
    "payload_digest",
    "revisit_fields",
]

DIGEST_INDEX_NAME = "indexes/digests.sqlite3"
COMMIT_EVERY = 256  # new entries per transaction, at most
COMMIT_SECONDS = 2.0  # an open group is committed at the first entry after this
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    digest TEXT PRIMARY KEY,
    uri TEXT NOT NULL,
    date TEXT NOT NULL,
    record_id TEXT NOT NULL
)
"""


def payload_digest(body: bytes) -> str:
    """``sha1:BASE32`` of ``body``, the form warcio writes in ``WARC-Payload-Digest``."""
    return "sha1:" + b32encode(hashlib.sha1(body).digest()).decode("ascii")  # noqa: S324


def is_dedupable(status: int, body: bytes, truncated: str | None) -> bool:
    """Only complete, non-empty 2xx payloads: an error page or a cut body is no copy."""
    return 200 <= status < 300 and bool(body) and not truncated


@dataclass(frozen=True)
class DigestEntry:
    """The capture that first archived a payload: what a revisit refers to."""

    digest: str
    uri: str
    date: str  # WARC-Date of that record
    record_id: str


def revisit_fields(original: DigestEntry) -> list[tuple[str, str]]:
    """WARC 1.1 identical-payload-digest revisit fields, pointing at the first capture."""
    return [
        ("WARC-Profile", REVISIT_PROFILE),
        ("WARC-Refers-To-Target-URI", original.uri),
        ("WARC-Refers-To-Date", original.date),
        ("WARC-Refers-To", original.record_id),
        ("WARC-Payload-Digest", original.digest),
    ]


class DigestIndex:
    """Payload digest -> first capture, persisted in SQLite; safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ArchiveError(
                f"cannot open the digest index {self.path} ({exc}); check the directory "
                "permissions, or delete the file to start deduplication afresh"
            ) from exc
        self._lock = threading.Lock()
        self._uncommitted = 0
        self._group_began = 0.0

    @classmethod
    def for_output_dir(cls, output_dir: str | os.PathLike[str]) -> DigestIndex:
        """The index of one output directory: ``OUTPUT/indexes/digests.sqlite3``."""
        return cls(Path(output_dir) / DIGEST_INDEX_NAME)

    def get(self, digest: str) -> DigestEntry | None:
        """The first capture of ``digest``, or None if it was never archived."""
        with self._lock:
            row = self._db.execute(
                "SELECT digest, uri, date, record_id FROM digests WHERE digest = ?", (digest,)
            ).fetchone()
        return DigestEntry(*row) if row else None

    def add(self, entry: DigestEntry) -> bool:
        """Remember a capture; False (and no change) if the digest was already known."""
        with self._lock:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
                self._group_began = time.monotonic()
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO digests (digest, uri, date, record_id) VALUES (?, ?, ?, ?)",
                (entry.digest, entry.uri, entry.date, entry.record_id),
            )
            self._uncommitted += 1
            if (
                self._uncommitted >= COMMIT_EVERY
                or time.monotonic() - self._group_began >= COMMIT_SECONDS
            ):
                self._commit()
        return cursor.rowcount == 1

    def _commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._uncommitted = 0

    def add_from_warcs(self, paths: Iterable[str | os.PathLike[str]]) -> int:
        """Seed the index from existing WARC files (2xx responses); return how many were new.

        For output directories archived before the index existed, or after it
        was deleted.
        """
        added = 0
        for path in paths:
            try:
                for record in iter_records(path):
                    digest = record.warc_header("WARC-Payload-Digest")
                    if (
                        record.rec_type == "response"
                        and digest
                        and is_dedupable(record.http_status or 0, record.payload, record.truncated)
                    ):
                        entry = DigestEntry(digest, record.target_uri or "", record.date,
                                            record.record_id)  # fmt: skip
                        added += self.add(entry)
            except WarcFormatError:
                continue  # a damaged file: `archive check` reports it, dedup just skips it
        return added

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM digests").fetchone()
        return int(count)

    def close(self) -> None:
        """Commit what is pending and close the database (idempotent)."""
        with self._lock:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed already
                self._commit()
            self._db.close()

    def __enter__(self) -> DigestIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
