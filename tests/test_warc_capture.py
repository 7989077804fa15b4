"""The WARC capture keeps the response head exactly as the server sent it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faultserver import ODD_HEADERS


def _record(fault_crawl: dict[str, Any], path: str) -> Any:
    (record,) = fault_crawl["responses"][fault_crawl["base"] + path]
    return record


def test_reason_phrase_and_protocol_as_received(fault_crawl: dict[str, Any]) -> None:
    record = _record(fault_crawl, "/odd-head.html")
    assert (record.http_protocol, record.http_status, record.http_reason) == (
        "HTTP/1.1",
        200,
        "Fine Thanks",
    )


def test_headers_in_order_with_case_and_repeats(fault_crawl: dict[str, Any]) -> None:
    record = _record(fault_crawl, "/odd-head.html")
    sent = [h for h in record.http_headers if h[0] not in ("Server", "Date")]
    assert sent[: len(ODD_HEADERS)] == list(ODD_HEADERS)
    assert sent[len(ODD_HEADERS)][0] == "Content-Length"


def test_request_record_pairs_with_response(fault_crawl: dict[str, Any]) -> None:
    from archive import iter_records

    out = fault_crawl["out"]
    for path in sorted((out / "warc").glob("*.warc.gz")):
        records = list(iter_records(path))
        responses = {r.record_id: r for r in records if r.rec_type in ("response", "revisit")}
        requests = [r for r in records if r.rec_type == "request"]
        assert len(requests) == len(responses)
        for req in requests:
            target = responses[req.warc_header("WARC-Concurrent-To")]
            assert req.date == target.date
            assert req.target_uri == target.target_uri


def test_rotated_files_are_indexed_as_they_close(fault_server: Any, tmp_path: Any) -> None:
    from archive.index import iter_index
    from tests.conftest import FAST, run_newscrawl

    proc = run_newscrawl(
        "crawl", fault_server.url, "--output", str(tmp_path), *FAST,
        "-s", "NEWSCRAWL_WARC_MAX_BYTES=2000", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = sorted(p.name for p in (tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) > 3  # rotated
    indexed = {entry.filename for entry in iter_index(tmp_path / "indexes" / "index.cdxj")}
    assert indexed == set(files) - {f for f in files if not _has_captures(tmp_path / "warc" / f)}


def _has_captures(path: Any) -> bool:
    from archive import iter_records

    return any(r.rec_type in ("response", "revisit") for r in iter_records(path))


@pytest.mark.parametrize(
    "enabled", [pytest.param(True, id="cdxj-on"), pytest.param(False, id="cdxj-off")]
)
def test_index_lines_only_with_a_cdxj_index(tmp_path: Any, enabled: bool) -> None:
    """NEWSCRAWL_CDXJ_ENABLED off: no CDXJ line (SURT and all) is made per capture."""
    from scrapy.utils.test import get_crawler

    from archive import HttpExchange
    from crawler.middlewares.warc_capture import WarcCaptureMiddleware

    settings = {
        "NEWSCRAWL_WARC_ENABLED": True,
        "NEWSCRAWL_WARC_MAX_BYTES": 1_000_000,
        "NEWSCRAWL_CDXJ_ENABLED": enabled,
        "NEWSCRAWL_OUTPUT_DIR": str(tmp_path),
    }
    mw = WarcCaptureMiddleware.from_crawler(get_crawler(settings_dict=settings))
    mw.writer.write_exchange(HttpExchange(url="https://news.example/a", body=b"<html>"))
    mw.writer.close()
    if mw.dedup is not None:
        mw.dedup.close()
    assert bool(mw.writer.take_index_lines()) == enabled
