"""Bad input never crashes a crawl: each fault is archived and counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.followup import FollowupQueue
from tests.faultserver import FAULT_PATHS


def test_crawl_finishes_and_good_article_is_extracted(fault_crawl: dict[str, Any]) -> None:
    titles = {row["title"] for row in fault_crawl["rows"]}
    assert "A good article about a bakery" in titles
    assert fault_crawl["report"]["finish_reason"] == "finished"


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        ("charset", 1),
        ("binary_body", 1),
        ("truncated", 2),  # short of Content-Length, and a cut gzip stream
        ("redirect_loop", 1),
        ("http_status", 2),  # the 500 and the 404
        ("timeout", 1),
    ],
    ids=lambda v: str(v),
)
def test_each_fault_is_counted(fault_crawl: dict[str, Any], kind: str, count: int) -> None:
    assert fault_crawl["report"]["errors_by_kind"].get(kind) == count, fault_crawl["report"]


@pytest.mark.parametrize("path", [p for p in FAULT_PATHS if p != "/slow.html"], ids=str)
def test_each_fault_response_is_archived(fault_crawl: dict[str, Any], path: str) -> None:
    assert fault_crawl["base"] + path in fault_crawl["responses"]


def test_redirects_are_archived_with_their_status(fault_crawl: dict[str, Any]) -> None:
    (loop_a, *_), (loop_b, *_) = (
        fault_crawl["responses"][fault_crawl["base"] + p] for p in ("/loop-a", "/loop-b")
    )
    assert (loop_a.http_status, loop_b.http_status) == (302, 302)


def test_a_redirect_loop_leaves_the_follow_up_queue(fault_crawl: dict[str, Any]) -> None:
    """Marked failed, not pending: the next run does not walk the same loop again."""
    with FollowupQueue(fault_crawl["out"] / "state.sqlite3") as queue:
        states = {link.url: link.state for link in queue.all()}
        pending = {link.url for link in queue.pending()}
    assert states[fault_crawl["base"] + "/loop-a"] == "failed"
    assert fault_crawl["base"] + "/loop-a" not in pending


def test_truncated_response_is_marked(fault_crawl: dict[str, Any]) -> None:
    (record,) = fault_crawl["responses"][fault_crawl["base"] + "/truncated.html"]
    headers = dict(record.warc_headers)
    assert headers.get("WARC-Truncated") == "disconnect"
    assert b"Cut short" in record.payload


def test_cut_short_compressed_body_is_archived_as_sent_and_not_extracted(
    fault_crawl: dict[str, Any],
) -> None:
    """The transfer was whole (no WARC-Truncated) but the gzip stream was not."""
    from tests.faultserver import CUT_GZIP

    (record,) = fault_crawl["responses"][fault_crawl["base"] + "/cut-gzip.html"]
    assert "WARC-Truncated" not in dict(record.warc_headers)
    assert record.payload == CUT_GZIP
    assert not [r for r in fault_crawl["rows"] if r["url"].endswith("/cut-gzip.html")]


def test_wrong_charset_page_is_still_extracted_correctly(fault_crawl: dict[str, Any]) -> None:
    (row,) = [r for r in fault_crawl["rows"] if r["url"].endswith("/wrong-charset.html")]
    assert row["title"] == "A café in Zürich"
    assert "crème brûlée" in row["body"]


def test_binary_body_is_archived_byte_for_byte(fault_crawl: dict[str, Any]) -> None:
    from tests.faultserver import BINARY

    (record,) = fault_crawl["responses"][fault_crawl["base"] + "/binary.html"]
    assert record.payload == BINARY


def test_summary_reports_errors(fault_crawl: dict[str, Any]) -> None:
    assert "errors" in fault_crawl["proc"].stdout
    assert fault_crawl["report"]["errors"] == sum(fault_crawl["report"]["errors_by_kind"].values())


def test_jsonl_rows_validate(fault_crawl: dict[str, Any]) -> None:
    from crawler.schema import schema_errors

    assert fault_crawl["rows"]
    assert all(schema_errors(row) == [] for row in fault_crawl["rows"])


def test_output_dir_layout(fault_crawl: dict[str, Any]) -> None:
    out: Path = fault_crawl["out"]
    assert (out / "state.sqlite3").exists()
    assert not list((out / "warc").glob("*.open"))


def test_one_row_per_article_whatever_the_url(fault_crawl: dict[str, Any]) -> None:
    """Tracking parameters and rel=canonical duplicates give no second row."""
    titles = [row["title"] for row in fault_crawl["rows"]]
    assert titles.count("A good article about a bakery") == 1
