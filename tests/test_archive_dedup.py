"""Dedup: a payload archived before becomes an identical-payload-digest revisit record."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from archive import HttpExchange, WarcWriter, check_warc, iter_records, read_record
from archive.dedup import REVISIT_PROFILE, DigestEntry, DigestIndex, payload_digest

WARCIO = Path(sys.executable).parent / "warcio"
BODY = b"<html><h1>Same story</h1></html>"


def page(n: int, body: bytes = BODY, **kwargs: object) -> HttpExchange:
    fields: dict[str, object] = {
        "url": f"https://news.example/story/{n}",
        "response_headers": [("Content-Type", "text/html"), ("X-Served-By", f"cache-{n}")],
        "body": body,
        "ip_address": "192.0.2.1",
    }
    fields.update(kwargs)
    return HttpExchange(**fields)  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path) -> DigestIndex:
    with DigestIndex.for_output_dir(tmp_path / "out") as digests:
        yield digests


def test_payload_digest_matches_warcio(tmp_path: Path, index: DigestIndex) -> None:
    with WarcWriter(tmp_path / "warc", hostname="h") as writer:
        location = writer.write_exchange(page(1))
    assert location.payload_digest == payload_digest(BODY)


def test_same_body_twice_in_one_writer(tmp_path: Path, index: DigestIndex) -> None:
    with WarcWriter(tmp_path / "warc", hostname="h", dedup=index) as writer:
        first = writer.write_exchange(page(1))
        second = writer.write_exchange(page(2))
        other = writer.write_exchange(page(3, body=b"another story"))
    assert (first.revisit, second.revisit, other.revisit) == (False, True, False)
    path = writer.closed_files[0]
    records = list(iter_records(path))
    assert [r.rec_type for r in records] == [
        "warcinfo",
        "response",
        "request",
        "revisit",
        "request",
        "response",
        "request",
    ]
    revisit = read_record(path, second.offset)
    assert revisit.rec_type == "revisit"
    assert revisit.record_id == second.record_id
    assert revisit.payload == b""
    assert revisit.http_status == 200
    assert revisit.http_header("X-Served-By") == "cache-2"
    assert revisit.http_header("Content-Length") == str(len(BODY))
    assert revisit.warc_header("WARC-Profile") == REVISIT_PROFILE
    assert revisit.warc_header("WARC-Refers-To-Target-URI") == "https://news.example/story/1"
    assert revisit.warc_header("WARC-Refers-To-Date") == records[1].date
    assert revisit.warc_header("WARC-Refers-To") == first.record_id
    assert revisit.warc_header("WARC-Payload-Digest") == first.payload_digest
    assert second.payload_digest == first.payload_digest
    assert revisit.warc_header("WARC-IP-Address") == "192.0.2.1"
    request = records[4]
    assert request.warc_header("WARC-Concurrent-To") == second.record_id
    assert request.target_uri == "https://news.example/story/2"


def test_across_writers_and_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with DigestIndex.for_output_dir(out) as index, WarcWriter(out / "warc", dedup=index) as w1:
        first = w1.write_exchange(page(1))
    with (
        DigestIndex.for_output_dir(out) as index,
        WarcWriter(out / "warc", dedup=index, serial_start=1) as w2,
    ):
        later = w2.write_exchange(page(1))
    assert later.revisit
    assert later.filename != first.filename
    record = read_record(out / "warc" / later.filename, later.offset)
    assert record.warc_header("WARC-Refers-To") == first.record_id


@pytest.mark.parametrize(
    "exchange",
    [
        pytest.param(page(2, status=404), id="not-2xx"),
        pytest.param(page(2, truncated="length"), id="truncated"),
        pytest.param(page(2, status=301, body=b""), id="redirect"),
    ],
)
def test_not_deduplicated(tmp_path: Path, index: DigestIndex, exchange: HttpExchange) -> None:
    with WarcWriter(tmp_path, hostname="h", dedup=index) as writer:
        writer.write_exchange(page(1, status=404) if exchange.status == 200 else page(1))
        location = writer.write_exchange(exchange)
    assert not location.revisit


def test_empty_bodies_are_never_deduplicated(tmp_path: Path, index: DigestIndex) -> None:
    with WarcWriter(tmp_path, hostname="h", dedup=index) as writer:
        locations = [writer.write_exchange(page(n, body=b"")) for n in range(2)]
    assert [loc.revisit for loc in locations] == [False, False]
    assert len(index) == 0


def test_checkers_pass_on_files_with_revisits(tmp_path: Path, index: DigestIndex) -> None:
    with WarcWriter(tmp_path, hostname="h", dedup=index, max_bytes=2000) as writer:
        for n in range(12):
            writer.write_exchange(page(n, body=BODY if n % 2 else b"x" * n))
    files = writer.closed_files
    assert len(files) > 1
    assert any(r.rec_type == "revisit" for path in files for r in iter_records(path))
    assert [problem for path in files for problem in check_warc(path)] == []
    result = subprocess.run(
        [str(WARCIO), "check", "-v", *map(str, files)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_first_capture_wins(index: DigestIndex) -> None:
    first = DigestEntry("sha1:AAAA", "https://a.example/", "2024-01-01T00:00:00Z", "<urn:1>")
    assert index.add(first)
    assert not index.add(DigestEntry("sha1:AAAA", "https://b.example/", "2025", "<urn:2>"))
    assert index.get("sha1:AAAA") == first
    assert index.get("sha1:BBBB") is None


def test_seed_from_existing_warcs(tmp_path: Path) -> None:
    with WarcWriter(tmp_path / "warc", hostname="h") as writer:
        first = writer.write_exchange(page(1))
        writer.write_exchange(page(2, status=500, body=b"oops"))
    with DigestIndex(tmp_path / "d.sqlite3") as index:
        assert index.add_from_warcs(writer.closed_files) == 1
        entry = index.get(payload_digest(BODY))
    assert entry is not None
    assert entry.record_id == first.record_id


def test_index_is_shared_between_threads(index: DigestIndex) -> None:
    def add(n: int) -> None:
        for i in range(50):
            index.add(DigestEntry(f"sha1:{n}-{i}", "https://a.example/", "d", "<id>"))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(index) == 200


def test_entries_are_committed_in_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another reader sees a group once it is committed: at COMMIT_EVERY, and at close."""
    monkeypatch.setattr("archive.dedup.COMMIT_EVERY", 3)
    path = tmp_path / "d.sqlite3"

    def committed() -> int:
        with DigestIndex(path) as reader:
            return len(reader)

    index = DigestIndex(path)
    for n in range(4):
        index.add(DigestEntry(f"sha1:{n}", "https://a.example/", "d", "<id>"))
        assert index.get(f"sha1:{n}") is not None  # the writer sees its own entries at once
    assert committed() == 3
    index.close()
    assert committed() == 4


def test_an_old_group_is_committed_at_the_next_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("archive.dedup.COMMIT_SECONDS", 0.0)
    with DigestIndex(tmp_path / "d.sqlite3") as index:
        index.add(DigestEntry("sha1:A", "https://a.example/", "d", "<id>"))
        with DigestIndex(tmp_path / "d.sqlite3") as reader:
            assert reader.get("sha1:A") is not None
