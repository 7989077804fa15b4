"""Reading records back: offsets, seeking, errors, content decoding, round trips."""

from __future__ import annotations

import gzip
import shutil
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path

import brotli
import pytest
from backports import zstd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import (
    ArchivedRecord,
    HttpExchange,
    RecordNotFound,
    WarcFormatError,
    WarcWriter,
    iter_records,
    read_record,
)

TEXT = b"<p>Le caf\xc3\xa9 est ouvert.</p>" * 20


def fixed_clock() -> Callable[[], datetime]:
    ticks = iter(range(1_000_000))
    start = datetime(2024, 5, 1, tzinfo=UTC)
    return lambda: start + timedelta(milliseconds=next(ticks))


def write(directory: Path, *exchanges: HttpExchange) -> tuple[Path, list[int]]:
    """Write the exchanges to one closed file; return it and the responses' offsets."""
    with WarcWriter(directory, hostname="h", clock=fixed_clock()) as writer:
        locations = [writer.write_exchange(e) for e in exchanges]
    return directory / locations[0].filename, [loc.offset for loc in locations]


def exchange(body: bytes = TEXT, encoding: str | None = None, **kwargs: object) -> HttpExchange:
    headers = [("Content-Type", "text/html")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return HttpExchange(
        url="https://news.example/a?b=c",
        response_headers=headers,
        body=body,
        **kwargs,  # type: ignore[arg-type]
    )


def test_iter_records_offsets_match_locations(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, hostname="h", clock=fixed_clock())
    locations = [writer.write_exchange(exchange(body=b"x" * n)) for n in (0, 10, 1000)]
    writer.close()
    path = writer.closed_files[0]
    records = list(iter_records(path))
    assert [r.rec_type for r in records] == ["warcinfo"] + ["response", "request"] * 3
    responses = [r for r in records if r.rec_type == "response"]
    assert [(r.offset, r.length, r.record_id) for r in responses] == [
        (loc.offset, loc.length, loc.record_id) for loc in locations
    ]
    ends = [r.offset + r.length for r in records]
    assert [r.offset for r in records[1:]] == ends[:-1]
    assert ends[-1] == path.stat().st_size
    assert all(r.filename == path.name for r in records)


def test_read_record_seeks_to_the_response(tmp_path: Path) -> None:
    path, (first, second) = write(tmp_path, exchange(b"one"), exchange(b"two"))
    record = read_record(path, second)
    assert record.rec_type == "response"
    assert record.payload == b"two"
    assert record.offset == second
    assert read_record(path, first).payload == b"one"


def test_read_record_while_the_file_is_open(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, hostname="h")
    location = writer.write_exchange(exchange())
    record = read_record(tmp_path / location.filename, location.offset)
    assert record.filename == location.filename
    assert record.payload == TEXT
    writer.close()


def test_read_record_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecordNotFound, match="does not exist"):
        read_record(tmp_path / "gone.warc.gz", 0)


@pytest.mark.parametrize("offset", [-1, 10_000_000], ids=["negative", "past-end"])
def test_read_record_offset_outside_file(tmp_path: Path, offset: int) -> None:
    path, _ = write(tmp_path, exchange())
    with pytest.raises(RecordNotFound, match="stale"):
        read_record(path, offset)


def test_read_record_offset_inside_a_record(tmp_path: Path) -> None:
    path, (offset,) = write(tmp_path, exchange())
    with pytest.raises(WarcFormatError, match="not the start of a WARC record"):
        read_record(path, offset + 7)


def test_iter_records_not_a_warc(tmp_path: Path) -> None:
    path = tmp_path / "notes.warc.gz"
    path.write_bytes(gzip.compress(b"just some text\r\n\r\n"))
    with pytest.raises(WarcFormatError, match="warcio check"):
        list(iter_records(path))


def test_plain_uncompressed_warc_is_read(tmp_path: Path) -> None:
    path, (offset,) = write(tmp_path, exchange(b"plain"))
    plain = tmp_path / "plain.warc"
    with gzip.open(path) as src, plain.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    assert [r.payload for r in iter_records(plain) if r.rec_type == "response"] == [b"plain"]


def _deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        pytest.param(None, lambda b: b, id="none"),
        pytest.param("identity", lambda b: b, id="identity"),
        pytest.param("gzip", gzip.compress, id="gzip"),
        pytest.param("x-gzip", gzip.compress, id="x-gzip"),
        pytest.param("GZIP", gzip.compress, id="upper-case"),
        pytest.param("deflate", zlib.compress, id="deflate-zlib"),
        pytest.param("deflate", _deflate_raw, id="deflate-raw"),
        pytest.param("br", brotli.compress, id="brotli"),
        pytest.param("zstd", zstd.compress, id="zstd"),
        pytest.param("zstd", lambda b: zstd.compress(b[:9]) + zstd.compress(b[9:]), id="frames"),
        pytest.param("deflate, gzip", lambda b: gzip.compress(zlib.compress(b)), id="stacked"),
        pytest.param("gzip", lambda b: gzip.compress(b[:9]) + gzip.compress(b[9:]), id="members"),
    ],
)
def test_body_stays_encoded_and_decodes(
    tmp_path: Path, encoding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    stored = encode(TEXT)
    path, (offset,) = write(tmp_path, exchange(stored, encoding))
    record = read_record(path, offset)
    assert record.payload == stored
    assert record.decoded_body() == TEXT


def test_truncated_gzip_decodes_as_far_as_it_goes(tmp_path: Path) -> None:
    stored = gzip.compress(TEXT * 50)[:200]
    path, (offset,) = write(tmp_path, exchange(stored, "gzip", truncated="length"))
    decoded = read_record(path, offset).decoded_body()
    assert decoded
    assert (TEXT * 50).startswith(decoded)


@pytest.mark.parametrize(
    ("encoding", "stored", "message"),
    [
        pytest.param("gzip", b"not gzip at all", "does not decode", id="garbage"),
        pytest.param("gzip", gzip.compress(TEXT)[:40], "does not decode", id="cut-short"),
        pytest.param("zstd", b"not zstd at all", "does not decode", id="zstd-garbage"),
        pytest.param("zstd", zstd.compress(TEXT)[:40], "does not decode", id="zstd-cut-short"),
        pytest.param("compress", b"\x1f\x9d\x90", "unsupported", id="unknown-coding"),
    ],
)
def test_decoded_body_errors(tmp_path: Path, encoding: str, stored: bytes, message: str) -> None:
    path, (offset,) = write(tmp_path, exchange(stored, encoding))
    with pytest.raises(WarcFormatError, match=message):
        read_record(path, offset).decoded_body()


def test_header_helpers(tmp_path: Path) -> None:
    path, (offset,) = write(tmp_path, exchange(ip_address="192.0.2.1"))
    record: ArchivedRecord = read_record(path, offset)
    assert record.http_header("content-type") == "text/html"
    assert record.http_header("X-Missing") is None
    assert record.warc_header("warc-ip-address") == "192.0.2.1"
    assert record.truncated is None


# -- property: anything the writer accepts comes back unchanged ----------------

FIXED_UP = {"content-length", "transfer-encoding"}
# header bytes as a server may send them: latin-1, one line; names without ':'
latin1 = st.characters(max_codepoint=0xFF, exclude_characters="\r\n")
names = st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n:"), min_size=1)
names = names.filter(lambda n: n.strip(" \t") == n and n.lower() not in FIXED_UP)
values = st.text(latin1, max_size=40)
headers = st.lists(st.tuples(names, values), max_size=12)
statuses = st.integers(100, 999).filter(lambda s: s >= 200 and s not in (204, 304))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=3000),
    response_headers=headers,
    request_headers=headers,
    status=statuses,
    request_body=st.binary(max_size=100),
)
def test_round_trip_any_body_and_headers(
    tmp_path_factory: pytest.TempPathFactory,
    body: bytes,
    response_headers: list[tuple[str, str]],
    request_headers: list[tuple[str, str]],
    status: int,
    request_body: bytes,
) -> None:
    request_headers = [("Host", "news.example"), *request_headers]
    sent = HttpExchange(
        url="https://news.example/a?b=c",
        method="POST",
        request_headers=request_headers,
        request_body=request_body,
        status=status,
        response_headers=response_headers,
        body=body,
    )
    with WarcWriter(tmp_path_factory.mktemp("warc"), hostname="h") as writer:
        location = writer.write_exchange(sent)
    path = writer.closed_files[0]
    _, response, request = iter_records(path)
    assert response.http_status == status
    try:
        assert response.http_reason == HTTPStatus(status).phrase
    except ValueError:
        assert response.http_reason == ""
    expected = [(n, v.strip(" \t")) for n, v in response_headers]
    assert response.http_headers == [*expected, ("Content-Length", str(len(body)))]
    assert response.payload == body
    assert request.http_headers == [(n, v.strip(" \t")) for n, v in request_headers]
    assert request.payload == request_body
    assert read_record(path, location.offset).payload == body
