"""CDXJ index: built by cdxj-indexer, sorted, incremental, and looked up by SURT key."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import HttpExchange, WarcWriter, read_record
from archive.dedup import DigestIndex
from archive.errors import CdxjIndexError, InvalidLookup
from archive.index import INDEX_NAME, build_index, iter_index, lookup, parse_line, update_index

LINE_RE = re.compile(r"^\S+ \d{14} \{.*\}\n$")
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def exchange(
    url: str, when: datetime = T0, body: bytes = b"<p>hi</p>", status: int = 200
) -> HttpExchange:
    headers = [("Content-Type", "text/html; charset=utf-8")]
    return HttpExchange(
        url=url, response_headers=headers, body=body, status=status, fetched_at=when
    )


def crawl(out: Path, serial: int, pages: list[HttpExchange]) -> list[Path]:
    with (
        DigestIndex.for_output_dir(out) as digests,
        WarcWriter(out / "warc", hostname="h", serial_start=serial, dedup=digests) as writer,
    ):
        for page in pages:
            location = writer.write_exchange(page)
            writer.write_metadata(page.url, location.record_id, {"title": "t"})
    return writer.closed_files


def test_build_index_lines(tmp_path: Path) -> None:
    files = crawl(
        tmp_path,
        0,
        [
            exchange("https://news.example/b"),
            exchange("https://news.example/a?z=1&a=2", body=b"other"),
            exchange("https://news.example/c", body=b"<p>hi</p>"),  # a revisit of /b
            exchange("https://news.example/gone", status=404, body=b"nope"),
        ],
    )
    out = tmp_path / "all.cdxj"
    assert build_index(files, out) == 4  # no request, warcinfo or metadata lines
    text = out.read_text()
    lines = text.splitlines(keepends=True)
    assert lines == sorted(lines)
    assert all(LINE_RE.match(line) for line in lines)
    entries = [parse_line(line) for line in lines]
    assert [e.urlkey for e in entries] == [
        "example,news)/a?a=2&z=1",
        "example,news)/b",
        "example,news)/c",
        "example,news)/gone",
    ]
    assert {e.timestamp for e in entries} == {"20240501120000"}
    by_key = {e.urlkey: e for e in entries}
    assert by_key["example,news)/c"].mime == "warc/revisit"
    assert by_key["example,news)/b"].mime == "text/html"
    assert by_key["example,news)/gone"].status == 404
    for entry in entries:
        assert set(entry.fields) >= {"url", "status", "digest", "length", "offset", "filename"}
        record = read_record(tmp_path / "warc" / entry.filename, entry.offset)
        assert record.target_uri == entry.url
        assert record.length == entry.length
        assert record.warc_header("WARC-Payload-Digest") == entry.digest


def test_update_index_is_incremental(tmp_path: Path) -> None:
    first = crawl(
        tmp_path, 0, [exchange(f"https://news.example/{n}", body=b"%d" % n) for n in (5, 1)]
    )
    index = update_index(tmp_path)
    assert index == tmp_path / INDEX_NAME
    assert len(list(iter_index(index))) == 2
    (tmp_path / "warc" / "x.warc.gz.open").write_bytes(b"half")  # still being written: skipped
    second = crawl(
        tmp_path, 1, [exchange(f"https://news.example/{n}", body=b"%d" % n) for n in (3, 9)]
    )
    update_index(tmp_path)
    full = tmp_path / "full.cdxj"
    build_index(first + second, full)
    assert index.read_text() == full.read_text()
    before = index.stat().st_mtime_ns
    update_index(tmp_path)
    assert index.stat().st_mtime_ns == before  # nothing new: untouched


def test_update_index_rebuilds_when_a_file_disappears(tmp_path: Path) -> None:
    first = crawl(tmp_path, 0, [exchange("https://news.example/1", body=b"1")])
    crawl(tmp_path, 1, [exchange("https://news.example/2", body=b"2")])
    update_index(tmp_path)
    first[0].unlink()
    entries = list(iter_index(update_index(tmp_path)))
    assert [e.url for e in entries] == ["https://news.example/2"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_index_files_get_the_umask_mode_not_mkstemps_0600(tmp_path: Path, umask: int) -> None:
    """pywb or a wayback machine running as another user must be able to read them."""
    crawl(tmp_path, 0, [exchange("https://news.example/1")])
    previous = os.umask(umask)
    try:
        index = update_index(tmp_path)
    finally:
        os.umask(previous)
    written = [index, *index.parent.glob("*.json")]
    assert len(written) == 2, written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_update_index_without_warcs(tmp_path: Path) -> None:
    assert list(iter_index(update_index(tmp_path))) == []


@pytest.fixture
def history(tmp_path: Path) -> Path:
    days = [T0 + timedelta(days=n) for n in (0, 10, 20)]
    crawl(
        tmp_path,
        0,
        [
            exchange("https://news.example/a?b=1&a=2", when=d, body=d.isoformat().encode())
            for d in days
        ],
    )
    return update_index(tmp_path)


@pytest.mark.parametrize(
    ("url", "at", "first"),
    [
        pytest.param("https://news.example/a?b=1&a=2", None, "20240521120000", id="newest"),
        pytest.param("https://NEWS.example/a?a=2&b=1", None, "20240521120000", id="surt-match"),
        pytest.param("https://news.example/a?b=1&a=2", "20240509", "20240511120000", id="closest"),
        pytest.param("https://news.example/a?b=1&a=2", "2023", "20240501120000", id="year"),
        pytest.param(
            "https://news.example/a?b=1&a=2", "20240501120000", "20240501120000", id="exact"
        ),
    ],
)
def test_lookup(history: Path, url: str, at: str | None, first: str) -> None:
    entries = lookup(history, url, at)
    assert len(entries) == 3
    assert entries[0].timestamp == first


def test_lookup_unknown_url(history: Path) -> None:
    assert lookup(history, "https://news.example/nothing") == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda p: lookup(p, "news.example/a"), id="no-scheme"),
        pytest.param(lambda p: lookup(p, "ftp://news.example/a"), id="ftp"),
        pytest.param(lambda p: lookup(p, "https://news.example/", "2024-05-01"), id="dashes"),
        pytest.param(lambda p: lookup(p, "https://news.example/", "20241301"), id="month-13"),
        pytest.param(lambda p: lookup(p, "https://news.example/", "202405011"), id="odd-length"),
    ],
)
def test_bad_lookups(history: Path, call: Callable[[Path], object]) -> None:
    with pytest.raises(InvalidLookup):
        call(history)


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(CdxjIndexError, match="newscrawl archive index"):
        lookup(tmp_path / "none.cdxj", "https://news.example/")


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("", id="empty"),
        pytest.param("key 20240101000000", id="no-json"),
        pytest.param("key 20240101000000 {not json}", id="bad-json"),
        pytest.param('key 20240101000000 {"url": "x"}', id="missing-fields"),
        pytest.param('key 20240101000000 ["a"]', id="json-list"),
    ],
)
def test_parse_line_rejects(line: str) -> None:
    with pytest.raises(CdxjIndexError):
        parse_line(line)


@given(st.text(max_size=200))
def test_parse_line_never_raises_anything_else(line: str) -> None:
    with contextlib.suppress(CdxjIndexError):
        parse_line(line)


PATHS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=PATHS, query=PATHS)
def test_any_url_is_found_again(
    tmp_path_factory: pytest.TempPathFactory, path: str, query: str
) -> None:
    out = tmp_path_factory.mktemp("prop")
    url = f"https://news.example/{quote(path)}?q={quote(query)}"
    crawl(out, 0, [exchange(url)])
    entries = lookup(update_index(out), url)
    assert [e.url for e in entries] == [url]
