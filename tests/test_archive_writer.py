"""WarcWriter: file naming and rotation, record pairs, header fixups, errors."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive import HttpExchange, WarcWriteError, WarcWriter, iter_records, read_record

START = datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=UTC)
NAME_RE = re.compile(r"test-(\d{17})-(\d{5})-crawlhost\.warc\.gz")


def make_clock(step: timedelta = timedelta(milliseconds=1)) -> Callable[[], datetime]:
    ticks = iter(range(1_000_000))
    return lambda: START + step * next(ticks)


def make_ids() -> Callable[[], str]:
    counter: Iterator[int] = iter(range(1, 1_000_000))
    return lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(counter):012d}>"


def new_writer(directory: Path, **kwargs: object) -> WarcWriter:
    options: dict[str, object] = {
        "prefix": "test",
        "hostname": "crawlhost",
        "clock": make_clock(),
        "record_id_factory": make_ids(),
    }
    options.update(kwargs)
    return WarcWriter(directory, **options)  # type: ignore[arg-type]


def page(n: int = 0, **kwargs: object) -> HttpExchange:
    fields: dict[str, object] = {
        "url": f"https://news.example/article/{n}?ref=home",
        "response_headers": [("Content-Type", "text/html; charset=utf-8")],
        "body": b"<html>article %d</html>" % n,
        "ip_address": "192.0.2.7",
    }
    fields.update(kwargs)
    return HttpExchange(**fields)  # type: ignore[arg-type]


def test_file_name_pattern_and_open_suffix(tmp_path: Path) -> None:
    writer = new_writer(tmp_path)
    assert list(tmp_path.iterdir()) == []  # opened lazily
    location = writer.write_exchange(page())
    (open_file,) = tmp_path.iterdir()
    assert open_file.name == location.filename + ".open"
    match = NAME_RE.fullmatch(location.filename)
    assert match
    # the clock's first tick dated the exchange, the second one opened the file
    assert match.groups() == ("20240501123045124", "00000")
    writer.close()
    assert [p.name for p in tmp_path.iterdir()] == [location.filename]
    assert writer.closed_files == [tmp_path / location.filename]


def test_context_manager_closes_and_close_is_idempotent(tmp_path: Path) -> None:
    with new_writer(tmp_path) as writer:
        writer.write_exchange(page())
    writer.close()
    assert len(writer.closed_files) == 1
    assert not list(tmp_path.glob("*.open"))


def test_write_after_close_starts_next_file(tmp_path: Path) -> None:
    writer = new_writer(tmp_path, serial_start=7)
    writer.write_exchange(page(1))
    writer.close()
    writer.write_exchange(page(2))
    writer.close()
    serials = [NAME_RE.fullmatch(p.name).group(2) for p in writer.closed_files]  # type: ignore[union-attr]
    assert serials == ["00007", "00008"]


def test_rotation_at_max_bytes(tmp_path: Path) -> None:
    with new_writer(tmp_path, max_bytes=1500) as writer:
        locations = [writer.write_exchange(page(n, body=bytes(300) * n)) for n in range(8)]
    files = writer.closed_files
    assert len(files) > 2
    for path in files:
        records = list(iter_records(path))
        assert records[0].rec_type == "warcinfo"
        assert records[0].warc_header("WARC-Filename") == path.name
        assert all(r.warc_header("WARC-Warcinfo-ID") == records[0].record_id for r in records[1:])
        # pairs never straddle files: response, request, response, request...
        assert [r.rec_type for r in records[1:]] == ["response", "request"] * (
            (len(records) - 1) // 2
        )
    for path in files[:-1]:
        # a file is only left once it reached max_bytes, and goes over by one pair at most
        assert path.stat().st_size >= 1500
    assert {loc.filename for loc in locations} == {p.name for p in files}
    assert writer.bytes_written == sum(p.stat().st_size for p in files)
    assert writer.records_written == len(files) + 2 * len(locations)


def test_request_and_response_are_paired(tmp_path: Path) -> None:
    fetched = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page(fetched_at=fetched))
    _, response, request = iter_records(tmp_path / location.filename)
    assert response.record_id == location.record_id
    assert request.warc_header("WARC-Concurrent-To") == response.record_id
    assert request.date == response.date == "2024-01-02T03:04:05.678000Z"
    assert request.target_uri == response.target_uri == "https://news.example/article/0?ref=home"
    assert response.warc_header("WARC-IP-Address") == "192.0.2.7"
    assert response.warc_header("WARC-Payload-Digest") == location.payload_digest
    assert location.payload_digest
    assert location.payload_digest.startswith("sha1:")
    assert response.warc_header("WARC-Block-Digest")
    assert (request.http_method, request.http_target) == ("GET", "/article/0?ref=home")
    assert request.http_protocol == "HTTP/1.1"


def test_location_points_at_the_gzip_member(tmp_path: Path) -> None:
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page(body=b"payload bytes"))
    data = (tmp_path / location.filename).read_bytes()
    member = gzip.decompress(data[location.offset : location.offset + location.length])
    assert member.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")
    assert member.endswith(b"payload bytes\r\n\r\n")


def test_warcinfo_fields(tmp_path: Path) -> None:
    info = {"operator": "Archive Team <ops@example.org>", "robots": "obey", "isPartOf": "c1"}
    with new_writer(tmp_path, warcinfo=info) as writer:
        location = writer.write_exchange(page())
    warcinfo = next(iter_records(tmp_path / location.filename))
    body = warcinfo.payload.decode()
    assert "format: WARC File Format 1.1\r\n" in body
    assert "conformsTo: https://iipc.github.io/warc-specifications/" in body
    assert "operator: Archive Team <ops@example.org>\r\n" in body
    assert "isPartOf: c1\r\n" in body
    assert re.search(r"^software: newscrawl/\S+ warcio/1\.8\.1\r$", body, re.M)
    assert warcinfo.warc_header("Content-Type") == "application/warc-fields"


def test_response_header_fixups_are_written(tmp_path: Path) -> None:
    """The cases live in test_archive_http_headers; here: they reach the file."""
    headers = [("Transfer-Encoding", "chunked"), ("Content-Length", "4096"), ("X-A", "1")]
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page(response_headers=headers, body=b"hello"))
    record = read_record(tmp_path / location.filename, location.offset)
    assert record.http_headers == [
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("Content-Length", "5"),
        ("X-Archive-Orig-Content-Length", "4096"),
        ("X-A", "1"),
    ]
    assert record.payload == b"hello"


@pytest.mark.parametrize(
    ("method", "status"),
    [
        pytest.param("HEAD", 200, id="head"),
        pytest.param("GET", 304, id="not-modified"),
        pytest.param("GET", 204, id="no-content"),
    ],
)
def test_bodiless_responses_keep_their_length(tmp_path: Path, method: str, status: int) -> None:
    headers = [("Content-Length", "1234")]
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(
            page(method=method, status=status, response_headers=headers, body=b"")
        )
    record = read_record(tmp_path / location.filename, location.offset)
    assert record.http_headers == headers


def test_truncated_response(tmp_path: Path) -> None:
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(
            page(truncated="length", response_headers=[("Content-Length", "999")])
        )
    record = read_record(tmp_path / location.filename, location.offset)
    assert record.truncated == "length"
    assert ("X-Archive-Orig-Content-Length", "999") in (record.http_headers or [])


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        pytest.param(200, None, "OK", id="standard"),
        pytest.param(404, None, "Not Found", id="standard-404"),
        pytest.param(299, None, "", id="unknown-status"),
        pytest.param(200, "Fine Thanks", "Fine Thanks", id="given"),
        pytest.param(500, "", "", id="empty"),
    ],
)
def test_status_line(tmp_path: Path, status: int, reason: str | None, expected: str) -> None:
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page(status=status, reason=reason, protocol="HTTP/1.0"))
    record = read_record(tmp_path / location.filename, location.offset)
    assert (record.http_protocol, record.http_status, record.http_reason) == (
        "HTTP/1.0",
        status,
        expected,
    )


def test_request_line_and_host(tmp_path: Path) -> None:
    url = "https://example.com:8443/a/b?c=1&d"
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page(url=url, request_headers=[("Accept", "*/*")]))
    request = list(iter_records(tmp_path / location.filename))[2]
    assert (request.http_method, request.http_target) == ("GET", "/a/b?c=1&d")
    assert request.http_headers == [("Host", "example.com:8443"), ("Accept", "*/*")]


def test_request_headers_and_body_kept(tmp_path: Path) -> None:
    headers = [("User-Agent", "newscrawl"), ("host", "virtual.example"), ("Cookie", "a=b")]
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(
            page(method="POST", request_headers=headers, request_body=b"q=1")
        )
    request = list(iter_records(tmp_path / location.filename))[2]
    assert request.http_method == "POST"
    assert request.http_headers == headers
    assert request.payload == b"q=1"


def test_latin1_header_bytes_are_archived_unchanged(tmp_path: Path) -> None:
    raw = 'attachment; filename="caf\xc3\xa9.txt"'  # UTF-8 bytes read as latin-1
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page(response_headers=[("Content-Disposition", raw)]))
    path = tmp_path / location.filename
    assert b'filename="caf\xc3\xa9.txt"' in gzip.decompress(path.read_bytes())
    assert read_record(path, location.offset).http_header("Content-Disposition") == raw


def test_metadata_record(tmp_path: Path) -> None:
    with new_writer(tmp_path) as writer:
        location = writer.write_exchange(page())
        meta = writer.write_metadata(page().url, location.record_id, {"title": "Été", "n": 1})
        pairs = writer.write_metadata(page().url, location.record_id, [("via", "sitemap")])
    path = tmp_path / location.filename
    record = read_record(path, meta.offset)
    assert record.rec_type == "metadata"
    assert record.warc_header("WARC-Concurrent-To") == location.record_id
    assert record.warc_header("Content-Type") == "application/json"
    assert record.payload == '{"title": "Été", "n": 1}'.encode()
    other = read_record(path, pairs.offset)
    assert other.warc_header("Content-Type") == "application/warc-fields"
    assert other.payload == b"via: sitemap\r\n"


def test_metadata_after_rotation_refers_to(tmp_path: Path) -> None:
    writer = new_writer(tmp_path)
    location = writer.write_exchange(page())
    writer.close()
    meta = writer.write_metadata(page().url, location.record_id, {"late": True})
    writer.close()
    record = read_record(tmp_path / meta.filename, meta.offset)
    assert meta.filename != location.filename
    assert record.warc_header("WARC-Concurrent-To") is None
    assert record.warc_header("WARC-Refers-To") == location.record_id


def test_metadata_long_after_its_response_refers_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the file's recent record ids are remembered: memory does not grow with the file."""
    monkeypatch.setattr("archive.writer._RECENT_IDS", 8)
    with new_writer(tmp_path) as writer:
        old = writer.write_exchange(page(0))
        for n in range(1, 6):  # 10 records: the first pair falls out of the window
            recent = writer.write_exchange(page(n))
        late = writer.write_metadata(page().url, old.record_id, {"late": True})
        soon = writer.write_metadata(page().url, recent.record_id, {"late": False})
    assert late.filename == old.filename
    late_record = read_record(tmp_path / late.filename, late.offset)
    assert late_record.warc_header("WARC-Concurrent-To") is None
    assert late_record.warc_header("WARC-Refers-To") == old.record_id
    soon_record = read_record(tmp_path / soon.filename, soon.offset)
    assert soon_record.warc_header("WARC-Concurrent-To") == recent.record_id


@pytest.mark.parametrize(
    ("exchange", "message"),
    [
        pytest.param(page(response_headers=[("X-A", "1\r\nX-B: 2")]), "line break", id="crlf"),
        pytest.param(page(response_headers=[("X:Y", "1")]), "header name", id="colon-in-name"),
        pytest.param(page(response_headers=[(" X", "1")]), "header name", id="space-before-name"),
        pytest.param(page(response_headers=[("", "1")]), "header name", id="empty-name"),
        pytest.param(page(response_headers=[("X-A", "\u20ac")]), "latin-1", id="non-latin1"),
        pytest.param(page(response_headers=[(b"X-A", b"1")]), "decode", id="bytes"),
        pytest.param(page(response_headers=[("X-A",)]), "pair", id="not-a-pair"),
        pytest.param(page(url="/relative"), "https:// URL", id="relative-url"),
        pytest.param(page(url="http://a.example/x y"), "https:// URL", id="space-in-url"),
        pytest.param(page(url="ftp://a.example/x"), "https:// URL", id="not-http"),
        pytest.param(page(url="HTTP://a.example/x"), "lower-case", id="upper-case-scheme"),
        pytest.param(page(status=42), "status", id="status"),
        pytest.param(page(truncated="maybe"), "truncated", id="truncated-reason"),
        pytest.param(page(reason="OK\n"), "line break", id="reason"),
        pytest.param(page(method="GET X"), "method", id="method"),
        pytest.param(page(body="text"), "bytes", id="str-body"),
    ],
)
def test_invalid_exchange_writes_nothing(
    tmp_path: Path, exchange: HttpExchange, message: str
) -> None:
    writer = new_writer(tmp_path)
    writer.write_exchange(page())
    size = writer.bytes_written
    with pytest.raises(WarcWriteError, match=message):
        writer.write_exchange(exchange)
    writer.close()
    assert writer.bytes_written == size == writer.closed_files[0].stat().st_size
    assert [r.rec_type for r in iter_records(writer.closed_files[0])] == [
        "warcinfo",
        "response",
        "request",
    ]


def test_failed_disk_write_is_cut_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = new_writer(tmp_path)
    writer.write_exchange(page(1))
    size = writer.bytes_written
    calls = iter(range(100))

    def fail_on_second_record(record: object, params: object = None) -> None:
        if next(calls) == 1:
            raise OSError(28, "No space left on device")
        original(record)

    assert writer._warc is not None
    original = writer._warc.write_record
    monkeypatch.setattr(writer._warc, "write_record", fail_on_second_record)
    with pytest.raises(WarcWriteError, match="No space left on device"):
        writer.write_exchange(page(2))
    writer.close()
    assert writer.closed_files[0].stat().st_size == size
    assert len(list(iter_records(writer.closed_files[0]))) == 3


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    with new_writer(tmp_path) as first:
        first.write_exchange(page())
    with pytest.raises(WarcWriteError, match="already exists"):
        new_writer(tmp_path).write_exchange(page())


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"prefix": "bad/prefix"}, id="prefix"),
        pytest.param({"max_bytes": 0}, id="max-bytes"),
        pytest.param({"serial_start": -1}, id="serial"),
        pytest.param({"warcinfo": {"operator": "a\nb"}}, id="warcinfo"),
    ],
)
def test_invalid_configuration(tmp_path: Path, kwargs: dict[str, object]) -> None:
    with pytest.raises(WarcWriteError):
        new_writer(tmp_path, **kwargs)


def test_fsync_and_default_clock(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "nested", fsync=True) as writer:
        location = writer.write_exchange(page())
    assert read_record(tmp_path / "nested" / location.filename, location.offset).http_status == 200
    assert re.fullmatch(r"newscrawl-\d{17}-00000-[A-Za-z0-9.\-]+\.warc\.gz", location.filename)
