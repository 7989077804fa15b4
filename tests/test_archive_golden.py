"""Deterministic WARC output: golden records and write -> read -> rewrite round trips.

The clock and the record-id factory are injected, so the file is the same on
every run. The golden file holds the *uncompressed* records (zlib's output may
differ between zlib builds; the records may not). To accept a deliberate
change, run ``NEWSCRAWL_UPDATE_GOLDEN=1 pytest tests/test_archive_golden.py``
and review the diff of ``tests/golden/archive_exchanges.warc``.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive import ArchivedRecord, HttpExchange, WarcWriter, iter_records
from archive.records import parse_warc_date

GOLDEN = Path(__file__).parent / "golden" / "archive_exchanges.warc"
T0 = datetime(2024, 5, 1, 8, 0, 0, 250000, tzinfo=UTC)
WARCINFO = {
    "software": "newscrawl/0.1.0 warcio/1.8.1",
    "operator": "Newsroom Archive <archive@example.org>",
    "robots": "obey",
    "isPartOf": "crawl-20240501",
}


def clock() -> Callable[[], datetime]:
    ticks = iter(range(1_000_000))
    return lambda: T0 + timedelta(seconds=next(ticks))


def record_ids() -> Callable[[], str]:
    ticks = iter(range(1, 1_000_000))
    return lambda: f"<urn:uuid:6e0c4a58-1f3b-4c56-9a7d-{next(ticks):012x}>"


def writer_in(directory: Path, warcinfo: dict[str, str]) -> WarcWriter:
    return WarcWriter(
        directory,
        prefix="golden",
        hostname="crawler-1",
        warcinfo=warcinfo,
        clock=clock(),
        record_id_factory=record_ids(),
    )


EXCHANGES = [
    HttpExchange(
        url="https://news.example/politics/vote?page=2&utm_source=x",
        request_headers=[("User-Agent", "newscrawl/0.1"), ("Accept-Encoding", "gzip, br")],
        response_headers=[
            ("Date", "Wed, 01 May 2024 08:00:00 GMT"),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/"),
        ],
        body=bytes.fromhex("1f8b0800000000000203b3c928c9cdb10bcb2f4955b4d107b3013771c22312000000"),
        ip_address="203.0.113.9",
        fetched_at=datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC),
    ),
    HttpExchange(
        url="http://news.example:8080/feed",
        method="POST",
        request_headers=[("Content-Type", "application/x-www-form-urlencoded")],
        request_body=b"q=caf%C3%A9",
        protocol="HTTP/1.0",
        status=404,
        response_headers=[("Content-Length", "9000"), ("Content-Type", "text/plain")],
        body=b"not here, partial",
        truncated="length",
        fetched_at=datetime(2024, 5, 1, 8, 0, 1, tzinfo=UTC),
    ),
]


def write_golden_file(directory: Path) -> Path:
    with writer_in(directory, WARCINFO) as writer:
        first = writer.write_exchange(EXCHANGES[0])
        writer.write_metadata(
            EXCHANGES[0].url, first.record_id, {"title": "Vote", "teasers": ["/a", "/b"]}
        )
        writer.write_exchange(EXCHANGES[1])
    (path,) = writer.closed_files
    return path


def exchange_from(response: ArchivedRecord, request: ArchivedRecord) -> HttpExchange:
    assert response.target_uri is not None
    assert response.http_status is not None
    return HttpExchange(
        url=response.target_uri,
        method=request.http_method or "GET",
        request_headers=request.http_headers or [],
        request_body=request.payload,
        protocol=response.http_protocol or "",
        status=response.http_status,
        reason=response.http_reason,
        response_headers=response.http_headers or [],
        body=response.payload,
        ip_address=response.warc_header("WARC-IP-Address"),
        truncated=response.truncated,
        fetched_at=parse_warc_date(response.date),
    )


def rewrite(source: Path, directory: Path) -> Path:
    """Write every record of ``source`` again, from what the reader returns."""
    records = list(iter_records(source))
    warcinfo = dict(
        line.split(": ", 1) for line in records[0].payload.decode().splitlines() if line
    )
    by_id = {r.record_id: r for r in records}
    with writer_in(directory, warcinfo) as writer:
        for record in records[1:]:
            if record.rec_type == "request":
                response = by_id[record.warc_header("WARC-Concurrent-To") or ""]
                writer.write_exchange(exchange_from(response, record))
            elif record.rec_type == "metadata":
                writer.write_metadata(
                    record.target_uri or "",
                    record.warc_header("WARC-Concurrent-To") or "",
                    json.loads(record.payload),
                )
    (path,) = writer.closed_files
    return path


def test_golden_records(tmp_path: Path) -> None:
    path = write_golden_file(tmp_path)
    assert path.name == "golden-20240501080000250-00000-crawler-1.warc.gz"
    records = gzip.decompress(path.read_bytes())
    if os.environ.get("NEWSCRAWL_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(records)
    assert records == GOLDEN.read_bytes()


def test_write_read_rewrite_is_byte_identical(tmp_path: Path) -> None:
    original = write_golden_file(tmp_path / "first")
    again = rewrite(original, tmp_path / "second")
    assert again.name == original.name
    assert again.read_bytes() == original.read_bytes()


def test_rewrite_keeps_fixups_stable(tmp_path: Path) -> None:
    """Fixed-up heads are already consistent: a rewrite adds no second X-Archive-Orig-*."""
    original = write_golden_file(tmp_path / "first")
    again = rewrite(original, tmp_path / "second")
    heads = [r.http_headers for r in iter_records(again) if r.rec_type == "response"]
    assert heads[0] is not None
    assert ("X-Archive-Orig-Transfer-Encoding", "chunked") in heads[0]
    assert heads[1] == [
        ("Content-Length", "17"),
        ("X-Archive-Orig-Content-Length", "9000"),
        ("Content-Type", "text/plain"),
    ]
