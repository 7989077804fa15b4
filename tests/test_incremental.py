"""Incremental crawls on the same output directory: fetch only what is new."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive import iter_records
from tests.conftest import FAST, read_jsonl, run_newscrawl


@pytest.fixture
def server() -> Iterator[Any]:
    from crawler.demo.server import DemoServer

    with DemoServer() as srv:
        yield srv


def _crawl(server: Any, out: Path) -> dict[str, Any]:
    server.clear_requests()
    proc = run_newscrawl("crawl", server.url, "--output", str(out), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "report.json").read_text())


def test_second_run_with_nothing_new(server: Any, tmp_path: Path) -> None:
    from crawler.demo.site import load_site

    _crawl(server, tmp_path)
    rows_before = len(read_jsonl(tmp_path / "articles"))
    _crawl(server, tmp_path)
    article_paths = {a.path for a in load_site().articles}
    requested = [path for method, path, _h in server.requests if method == "GET"]
    assert requested, "the second run asked nothing"
    assert not set(requested) & article_paths, "an archived article was fetched again"
    assert len(read_jsonl(tmp_path / "articles")) == rows_before
    statuses = [
        rec.http_status
        for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type == "response" and rec.target_uri == server.url
    ]
    assert statuses == [200, 304]  # the home page: first run, then a conditional GET


def test_interrupted_frontier_is_resumed(server: Any, tmp_path: Path) -> None:
    from crawler.demo.site import load_site

    proc = run_newscrawl("crawl", server.url, "--output", str(tmp_path), *FAST, "--max-pages", "8")
    assert proc.returncode == 0, proc.stderr[-2000:]
    first = {r["url"] for r in read_jsonl(tmp_path / "articles")}
    assert len(first) < len(load_site().articles)
    _crawl(server, tmp_path)
    rows = read_jsonl(tmp_path / "articles")
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)), "an article was written twice"
    assert len(urls) == len(load_site().articles)
