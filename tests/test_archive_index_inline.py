"""The writer's own CDXJ lines are the ones cdxj-indexer reads from its files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.timeutils import iso_date_to_timestamp

from archive.dedup import DigestIndex
from archive.index import INDEX_NAME, _index_lines, _timestamp, build_index, update_index
from archive.records import format_warc_date
from tests.test_archive_writer import new_writer, page

CONTENT_TYPES = [
    [("Content-Type", "text/html; charset=utf-8")],
    [("content-type", "  TEXT/HTML  ")],
    [("Content-Type", "application/json;x=1"), ("Content-Type", "text/plain")],
    [("Content-Type", "")],
    [("Content-Type", "text/html\tcharset=latin-1")],
    [("X-Other", "1")],
]


def _exchanges() -> list:
    found = []
    for n, headers in enumerate(CONTENT_TYPES):
        found.append(page(n, response_headers=headers))
    found += [
        page(10, status=404, reason="Not Found"),
        page(11, status=301, reason=None, response_headers=[("Location", "/x")], body=b""),
        page(12, status=599, reason="Odd"),
        page(13, url="http://News.Example:8080/A/b?z=1&a=2#frag"),
        page(14, truncated="disconnect"),
        page(15, body=b"<html>article 0</html>"),  # the same payload as page 0: a revisit
        page(0),  # the same URL and payload again: a revisit
    ]
    return found


def _check_files(writer_dir: Path, taken: dict[str, list[str]]) -> None:
    files = sorted(writer_dir.glob("*.warc.gz"))
    assert files
    assert sorted(taken) == [f.name for f in files]
    for path in files:
        assert sorted(taken[path.name]) == _index_lines([path])


@pytest.mark.parametrize("max_bytes", [1_000_000_000, 3000])
def test_lines_match_cdxj_indexer(tmp_path: Path, max_bytes: int) -> None:
    with DigestIndex(tmp_path / "digests.sqlite3") as dedup:
        writer = new_writer(tmp_path / "warc", dedup=dedup, max_bytes=max_bytes, gzip_level=1)
        locations = [writer.write_exchange(exchange) for exchange in _exchanges()]
        writer.close()
    assert any(location.revisit for location in locations)
    _check_files(tmp_path / "warc", writer.take_index_lines())
    assert writer.take_index_lines() == {}  # handed out once


def test_update_index_with_known_lines_equals_a_rebuild(tmp_path: Path) -> None:
    with DigestIndex(tmp_path / "digests.sqlite3") as dedup:
        writer = new_writer(tmp_path / "warc", dedup=dedup, max_bytes=3000)
        for exchange in _exchanges():
            writer.write_exchange(exchange)
        writer.close()
    update_index(tmp_path, known=writer.take_index_lines())
    rebuilt = tmp_path / "rebuilt.cdxj"
    build_index(sorted((tmp_path / "warc").glob("*.warc.gz")), rebuilt)
    assert (tmp_path / INDEX_NAME).read_text() == rebuilt.read_text()


def test_a_url_the_writer_cannot_vouch_for_leaves_the_file_to_cdxj_indexer(
    tmp_path: Path,
) -> None:
    writer = new_writer(tmp_path / "warc")
    writer.write_exchange(page(1, url="https://news.example/caf\u00e9"))
    writer.close()
    assert writer.take_index_lines() == {}
    update_index(tmp_path)  # cdxj-indexer reads the file
    assert "news.example" in (tmp_path / INDEX_NAME).read_text()


_header_value = st.text(alphabet=st.sampled_from(list("abcXYZ/;= \t-+.0123456789")), max_size=20)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content_type=_header_value,
    status=st.integers(min_value=100, max_value=599),
    path=st.text(alphabet=st.sampled_from(list("abAB/?&=%.-_~:@!$'()*+,;")), max_size=20),
)
def test_any_header_and_url_match(
    tmp_path_factory: pytest.TempPathFactory, content_type: str, status: int, path: str
) -> None:
    directory = tmp_path_factory.mktemp("w")
    writer = new_writer(directory)
    exchange = page(
        1,
        url="https://news.example/" + path,
        status=status,
        reason="R",
        response_headers=[("Content-Type", content_type)],
    )
    try:
        writer.write_exchange(exchange)
    except Exception:  # an exchange the writer refuses is not indexed at all
        writer.close()
        return
    writer.close()
    _check_files(directory, writer.take_index_lines())


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)))
def test_timestamp_of_a_writer_date_is_warcio_s(moment: datetime) -> None:
    """The 14 digits read off the writer's WARC-Date are what warcio's parser makes."""
    date = format_warc_date(moment)
    assert _timestamp(date) == iso_date_to_timestamp(date)
    whole = date.split(".")[0] + "Z"
    assert _timestamp(whole) == iso_date_to_timestamp(whole)


def test_index_lines_off_writes_the_same_records(tmp_path: Path) -> None:
    """``index_lines=False`` only skips the CDXJ lines: the files are byte for byte the same."""
    files = []
    for index_lines in (True, False):
        with new_writer(tmp_path / str(index_lines), index_lines=index_lines) as writer:
            for exchange in _exchanges():
                writer.write_exchange(exchange)
        assert bool(writer.take_index_lines()) == index_lines
        files.append([path.read_bytes() for path in writer.closed_files])
    assert files[0] == files[1]
