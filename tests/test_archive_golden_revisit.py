"""Golden revisit record: injected clock and ids, so the bytes are the same on every run.

Regenerate with ``NEWSCRAWL_UPDATE_GOLDEN=1 pytest tests/test_archive_golden_revisit.py``
and review the diff of ``tests/golden/archive_revisit.warc``.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from archive import DigestIndex, HttpExchange, WarcWriter, check_warc
from tests.test_archive_golden import EXCHANGES, WARCINFO, clock, record_ids

GOLDEN = Path(__file__).parent / "golden" / "archive_revisit.warc"


def write_with_revisit(directory: Path) -> Path:
    first = EXCHANGES[0]
    again = HttpExchange(
        url="https://news.example/politics/vote?page=2",
        request_headers=first.request_headers,
        response_headers=[*first.response_headers, ("Age", "30")],
        body=first.body,
        ip_address=first.ip_address,
    )
    with DigestIndex(directory / "digests.sqlite3") as index:
        writer = WarcWriter(
            directory,
            prefix="golden",
            hostname="crawler-1",
            warcinfo=WARCINFO,
            clock=clock(),
            record_id_factory=record_ids(),
            dedup=index,
        )
        with writer:
            writer.write_exchange(first)
            assert writer.write_exchange(again).revisit
    (path,) = writer.closed_files
    return path


def test_golden_revisit(tmp_path: Path) -> None:
    path = write_with_revisit(tmp_path)
    assert check_warc(path) == []
    records = gzip.decompress(path.read_bytes())
    if os.environ.get("NEWSCRAWL_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(records)
    assert records == GOLDEN.read_bytes()
    assert b"WARC-Type: revisit\r\n" in records
    assert (
        b"WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\n"
        in records
    )
