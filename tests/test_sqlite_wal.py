"""The state files open in WAL mode while other processes open and use them.

A scheduled crawl once failed in CI with "database is locked" on the WAL switch
while `newscrawl status` opened the same file; ``connect_wal`` retries it.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from crawler.sources import SourceLedger
from crawler.sqlite_wal import connect_wal


def _open_ledger(path: str, start: multiprocessing.synchronize.Barrier) -> None:  # type: ignore[name-defined]
    start.wait()
    for _ in range(20):
        SourceLedger(path).close()


def test_many_processes_open_a_new_file_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite3")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(6)
    procs = [context.Process(target=_open_ledger, args=(path, start)) for _ in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0] * 6
    db = connect_wal(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()
