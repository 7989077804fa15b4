"""check_warc and the `warcio check` CLI on written, damaged and hand-made files."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import HttpExchange, RecordLocation, WarcWriter, check_warc
from archive.check import main

WARCIO = Path(sys.executable).parent / "warcio"

EXCHANGES = [
    pytest.param(HttpExchange(url="http://a.example/"), id="empty-200"),
    pytest.param(
        HttpExchange(
            url="https://a.example/x?y=1",
            response_headers=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
            body=gzip.compress(b"hello" * 100),
        ),
        id="gzip-chunked",
    ),
    pytest.param(
        HttpExchange(
            url="https://a.example/big",
            response_headers=[("Content-Encoding", "gzip"), ("Content-Length", "99999")],
            body=gzip.compress(bytes(range(256)) * 200)[:500],
            truncated="length",
        ),
        id="truncated-gzip",
    ),
    pytest.param(
        HttpExchange(
            url="https://a.example/h", method="HEAD", response_headers=[("Content-Length", "50")]
        ),
        id="head",
    ),
    pytest.param(
        HttpExchange(
            url="https://a.example/n", status=304, response_headers=[("Content-Length", "7")]
        ),
        id="not-modified",
    ),
    pytest.param(
        HttpExchange(
            url="https://a.example/latin",
            response_headers=[("X-Raw", "caf\xe9 \xc3\xa9")],
            body=bytes(range(256)),
        ),
        id="latin1-header-binary-body",
    ),
]


def write(directory: Path, *exchanges: HttpExchange) -> tuple[Path, list[RecordLocation]]:
    with WarcWriter(directory, hostname="h") as writer:
        locations = [writer.write_exchange(e) for e in exchanges]
        writer.write_metadata(exchanges[0].url, locations[0].record_id, {"k": "v"})
    return writer.closed_files[0], locations


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_written_files_pass(tmp_path: Path, exchange: HttpExchange) -> None:
    path, _ = write(tmp_path, exchange, HttpExchange(url="http://b.example/", body=b"second"))
    assert check_warc(path) == []
    result = warcio_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout
    assert "failed" not in result.stdout


def _splice(path: Path, location: RecordLocation, old: bytes, new: bytes) -> None:
    """Rewrite one gzip member with ``old`` replaced by ``new`` (digests left as they were)."""
    data = path.read_bytes()
    start, end = location.offset, location.offset + location.length
    member = gzip.decompress(data[start:end]).replace(old, new)
    path.write_bytes(data[:start] + gzip.compress(member) + data[end:])


def test_corrupted_payload_is_found(tmp_path: Path) -> None:
    path, (location,) = write(tmp_path, HttpExchange(url="http://a.example/", body=b"original"))
    _splice(path, location, b"original", b"0riginal")
    problems = check_warc(path)
    assert any("payload digest failed" in p for p in problems), problems
    assert any("block digest failed" in p for p in problems), problems
    assert all(f"offset {location.offset} response" in p for p in problems)
    assert warcio_check(path).returncode == 1


def test_cut_off_file_misses_warcinfo_and_concurrent_target(tmp_path: Path) -> None:
    path, (location,) = write(tmp_path, HttpExchange(url="http://a.example/"))
    data = path.read_bytes()
    path.write_bytes(data[location.offset + location.length :])  # drop warcinfo and response
    problems = "\n".join(check_warc(path))
    assert "first record is not a warcinfo" in problems
    assert "WARC-Warcinfo-ID" in problems
    assert "WARC-Concurrent-To" in problems


def test_undecodable_content_encoding_is_found(tmp_path: Path) -> None:
    exchange = HttpExchange(
        url="http://a.example/", response_headers=[("Content-Encoding", "gzip")], body=b"plain"
    )
    path, _ = write(tmp_path, exchange)
    (problem,) = check_warc(path)
    assert "does not decode as Content-Encoding 'gzip'" in problem


def _handmade(path: Path, http_headers: list[tuple[str, str]], body: bytes) -> None:
    """A file written with warcio directly, to get heads WarcWriter would fix."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        head = StatusAndHeaders("200 OK", http_headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            "http://a.example/",
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=head,
        )
        writer.write_record(record)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param([("Content-Length", "999")], "payload has 3 bytes", id="wrong"),
        pytest.param(
            [("Content-Length", "3"), ("Content-Length", "3")], "2 Content-Length", id="two"
        ),
    ],
)
def test_content_length_mismatch_is_found(
    tmp_path: Path, headers: list[tuple[str, str]], message: str
) -> None:
    path = tmp_path / "handmade.warc.gz"
    _handmade(path, headers, b"abc")
    (problem,) = check_warc(path)
    assert message in problem
    assert warcio_check(path).returncode == 0  # warcio only checks digests


def test_not_a_warc(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gzip.compress(b"hello\r\n"))
    problems = check_warc(path)
    assert problems
    assert all("unreadable" in p or "warcio check" in p for p in problems)
    assert check_warc(tmp_path / "missing.warc.gz") == [
        f"{tmp_path / 'missing.warc.gz'}: no such file"
    ]


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, _ = write(tmp_path / "good", HttpExchange(url="http://a.example/"))
    bad = tmp_path / "bad.warc.gz"
    _handmade(bad, [("Content-Length", "999")], b"abc")
    assert main([str(good)]) == 0
    assert main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok" in out
    assert f"{bad}: 1 problem(s)" in out
    assert main([]) == 2


def test_date_of_written_records_is_utc_with_microseconds(tmp_path: Path) -> None:
    moment = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    path, _ = write(tmp_path, HttpExchange(url="http://a.example/", fetched_at=moment))
    assert b"WARC-Date: 2024-02-29T23:59:59.999999Z\r\n" in gzip.decompress(path.read_bytes())
    assert check_warc(path) == []


FIELD = st.characters(max_codepoint=0xFF, exclude_characters="\r\n:")
PLAIN_NAMES = st.text(FIELD, min_size=1, max_size=15).filter(
    lambda n: (
        n.strip(" \t") == n
        and n.lower() not in {"content-length", "transfer-encoding", "content-encoding"}
    )
)


@settings(max_examples=40, deadline=None)
@given(
    headers=st.lists(st.tuples(PLAIN_NAMES, st.text(FIELD, max_size=30)), max_size=8),
    body=st.binary(max_size=2000),
    truncated=st.sampled_from([None, "length", "time", "disconnect", "unspecified"]),
)
def test_anything_written_checks_clean(
    tmp_path_factory: pytest.TempPathFactory,
    headers: list[tuple[str, str]],
    body: bytes,
    truncated: str | None,
) -> None:
    exchange = HttpExchange(
        url="https://a.example/p?q=1",
        response_headers=headers,
        body=body,
        truncated=truncated,
    )
    path, _ = write(tmp_path_factory.mktemp("warc"), exchange)
    assert check_warc(path) == []


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), compress=st.booleans())
def test_check_never_raises(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, compress: bool
) -> None:
    path = tmp_path_factory.mktemp("junk") / "junk.warc.gz"
    path.write_bytes(gzip.compress(data) if compress else data)
    assert isinstance(check_warc(path), list)
