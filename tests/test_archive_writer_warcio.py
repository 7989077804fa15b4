"""The writer's own record serialisation against warcio's ``WARCWriter``: same bytes.

``WarcWriter`` puts records together itself (digests, field order, one gzip
member) instead of through warcio's record objects. Every record it writes
here is rebuilt through warcio the way the writer used to call it (the given
fields, warcio adding the digests, ``Content-Type`` and ``Content-Length``,
the gzip member of the same level and window) and must come out identical,
compressed bytes included, so offsets and lengths in the index do not move.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import DigestIndex, HttpExchange, WarcWriter
from archive.http_headers import Latin1StatusAndHeaders, parse_http_head
from archive.writer import WARC_VERSION, _compressor

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
_ADDED_BY_WARCIO = {"WARC-Block-Digest", "Content-Length"}
_HTTP_TYPES = {"response", "request", "revisit"}


class _WarcioMember:
    """The gzip member warcio's writer wrote through: the writer's compressor."""

    def __init__(self, out: BinaryIO, level: int, size: int) -> None:
        self._compressor = _compressor(level, size)
        self._out = out

    def write(self, data: bytes) -> None:
        self._out.write(self._compressor.compress(data))

    def flush(self) -> None:
        self._out.write(self._compressor.flush())


def warcio_member(record: bytes, level: int) -> bytes:
    """Rebuild one uncompressed record through warcio, as the writer once called it."""
    head, _, block = record.partition(b"\r\n\r\n")
    block = block.removesuffix(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    assert lines[0] == WARC_VERSION
    fields = [tuple(line.split(": ", 1)) for line in lines[1:]]
    rec_type = dict(fields)["WARC-Type"]
    uri = dict(fields).get("WARC-Target-URI", "")
    dropped = set(_ADDED_BY_WARCIO)
    if rec_type != "revisit":
        dropped.add("WARC-Payload-Digest")  # warcio computes it (or was given the same)
    if rec_type in _HTTP_TYPES:
        dropped.add("Content-Type")  # warcio's default for the type
    given = [(name, value) for name, value in fields if name not in dropped]
    http_head: Latin1StatusAndHeaders | None = None
    payload = block
    if rec_type in _HTTP_TYPES:
        parsed = parse_http_head(block)
        status = f"{parsed.second} {parsed.third}"
        http_head = Latin1StatusAndHeaders(status, parsed.headers, protocol=parsed.first)
        payload = block[parsed.length :]
    writer = WARCWriter(BytesIO(), gzip=False, warc_version=WARC_VERSION)
    warc_record: Any = writer.create_warc_record(
        uri,
        rec_type,
        payload=BytesIO(payload),
        length=len(payload),
        warc_headers=StatusAndHeaders("", given, protocol=WARC_VERSION),
        http_headers=http_head,
    )
    out = BytesIO()
    size = (warc_record.length or 1 << 20) + 2048
    writer._write_warc_record(_WarcioMember(out, level, size), warc_record)
    return out.getvalue()


def members(path: Path) -> Iterator[bytes]:
    """The file's gzip members, as written."""
    data = path.read_bytes()
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
        inflater.decompress(data)
        end = len(data) - len(inflater.unused_data)
        yield data[:end]
        data = data[end:]


def exchanges() -> Iterator[HttpExchange]:
    # Random words with a repeated block (like a page's inline icons): ISA-L's output
    # for such a body depends on how the input is split, so the chunks must match.
    rng = random.Random(7)
    letters = b"abcdefghijklmnopqrstuvwxyz"
    words = [bytes(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(600)]
    icon = b" ".join(rng.choices(words, k=400))
    body = b"<html>" + b"\n".join(b" ".join(rng.choices(words, k=150)) + icon for _ in range(24))
    base = HttpExchange(
        url="https://news.example/a/1",
        request_headers=[("User-Agent", "newscrawl"), ("Accept-Encoding", "gzip")],
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"x"')],
        body=body,
        ip_address="192.0.2.1",
    )
    yield base
    yield HttpExchange(**{**vars(base), "url": "https://news.example/a/again"})  # revisit
    yield HttpExchange(
        url="http://news.example:8080/caf\u00e9?q=1",
        method="POST",
        request_headers=[("X-Note", "d\u00e9j\u00e0 vu")],
        request_body=bytes(range(256)) * 100,
        protocol="HTTP/1.0",
        status=404,
        reason="",
        response_headers=[("Transfer-Encoding", "chunked"), ("Content-Length", "99")],
        body=body[:20000],
        truncated="length",
    )
    yield HttpExchange(url="https://news.example/empty", status=304)
    yield HttpExchange(url="https://news.example/head", method="HEAD", body=b"")
    yield HttpExchange(url="https://news.example/small", body=b"tiny")


@pytest.mark.parametrize("level", [1, 6, 9])
@pytest.mark.parametrize("dedup", [False, True])
def test_records_are_what_warcio_writes(tmp_path: Path, level: int, dedup: bool) -> None:
    ids = iter(range(1, 1000))
    ticks = iter(range(1000))
    index = DigestIndex(tmp_path / "digests.sqlite3") if dedup else None
    writer = WarcWriter(
        tmp_path / "warc",
        hostname="h",
        clock=lambda: T0 + timedelta(seconds=next(ticks)),
        record_id_factory=lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>",
        dedup=index,
        gzip_level=level,
    )
    with writer:
        for exchange in exchanges():
            location = writer.write_exchange(exchange)
            writer.write_metadata(exchange.url, location.record_id, {"title": "T\u00e9"})
            writer.write_metadata(exchange.url, "<urn:uuid:elsewhere>", [("a", "b")])
            writer.write_metadata(exchange.url, location.record_id, b"", content_type="x/y")
    if index is not None:
        index.close()
    (path,) = writer.closed_files
    written = list(members(path))
    assert len(written) == writer.records_written == 1 + 6 * 5
    assert any(b"WARC-Type: revisit" in zlib.decompress(m, 31) for m in written) == dedup
    for member in written:
        assert warcio_member(zlib.decompress(member, zlib.MAX_WBITS + 16), level) == member


@pytest.mark.parametrize(
    ("protocol", "status", "headers"),
    [
        ("HTTP/1.1", "200 OK", [("Content-Type", "text/html"), ("X", "caf\u00e9")]),
        ("HTTP/1.1", "404 ", []),
        ("GET", "/a?b HTTP/1.1", [("Host", "news.example")]),
        ("", "200 OK", [("A", "")]),
        ("HTTP/1.0", "", [("A", "b")]),
        ("", "", []),
    ],
)
def test_head_bytes_is_warcio_serialisation(
    protocol: str, status: str, headers: list[tuple[str, str]]
) -> None:
    head = Latin1StatusAndHeaders(status, headers, protocol=protocol)
    head.compute_headers_buffer()
    assert head.head_bytes() == head.headers_buff
