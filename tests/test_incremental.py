"""Incremental crawls on the same output directory: fetch only what is new."""

from __future__ import annotations

import json
import time
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
    responses = [
        rec
        for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type in ("response", "revisit")  # an identical 200 is a revisit
    ]
    # The start page is asked in full each run (a 304 would hide its links);
    # the listings below it are asked with their validators, and unchanged.
    assert [r.http_status for r in responses if r.target_uri == server.url] == [200, 200]
    home_again = [h for m, p, h in server.requests if m == "GET" and p == "/"][-1]
    assert not {k.lower() for k in home_again} & {"if-none-match", "if-modified-since"}
    assert any(r.http_status == 304 for r in responses)


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


def test_publish_three_and_edit_one_between_runs(server: Any, tmp_path: Path) -> None:

    _crawl(server, tmp_path)
    before = read_jsonl(tmp_path / "articles")
    time.sleep(1.1)  # sitemap lastmod has one-second precision
    published = [
        server.publish(section, f"Fresh {section} story number {n}", _paragraphs(section, n))
        for n, section in enumerate(["World", "Business", "Entertainment"], start=1)
    ]
    edited_path = server.site.articles[-1].path  # the oldest article
    old = server.site.article_by_path(edited_path)
    server.edit(edited_path, paragraphs=[*old.paragraphs[:-1], "A correction was added here."])
    report = _crawl(server, tmp_path)

    rows = read_jsonl(tmp_path / "articles")
    new_rows = rows[len(before) :]
    base = server.url.rstrip("/")
    firsts = [r for r in new_rows if r["version"] == 1]
    versions = [r for r in new_rows if r["version"] > 1]
    assert {r["url"] for r in firsts} == {base + a.path for a in published}
    assert len(firsts) == 3
    (version,) = versions
    assert version["url"] == base + edited_path
    assert version["version"] == 2
    previous = next(r for r in before if r["url"] == version["url"])
    assert version["previous_digest"] == previous["warc"]["payload_digest"]
    assert version["changes"]["title_changed"] is False
    assert 0 < version["changes"]["body_changed_pct"] < 50
    assert version["body"].endswith("A correction was added here.")
    assert report["articles"] == 4


def _paragraphs(section: str, n: int) -> list[str]:
    return [
        f"Reporters on the {section.lower()} desk filed story {n} late on Tuesday evening, "
        "after a long day of interviews with officials, residents and independent experts.",
        f"The {section.lower()} editors said the account was checked twice before publication, "
        "and that further updates would follow as soon as new information became available.",
        "Readers wrote in with questions about the timeline, which the newsroom answered in a "
        "short note appended to the piece the following morning.",
    ]


def test_queue_survives_restart_and_is_consumed_newest_first(server: Any, tmp_path: Path) -> None:
    no_discovery = (
        "-s", "NEWSCRAWL_SITEMAPS_FROM_ROBOTS=False", "-s", "NEWSCRAWL_DISCOVER_FEEDS=False",
    )  # fmt: skip
    first = run_newscrawl(
        "crawl", server.url, "--output", str(tmp_path), *FAST, *no_discovery, "--max-pages", "6"
    )
    assert first.returncode == 0, first.stderr[-2000:]
    listing = run_newscrawl("queue", "--output", str(tmp_path), "--json")
    pending = [json.loads(line) for line in listing.stdout.splitlines()]
    base = server.url.rstrip("/")
    timed = [
        p["url"][len(base) :] for p in pending if p["published_at"] and p["url"].startswith(base)
    ]
    assert len(timed) >= 3, "expected pending teasers with resolved times"

    server.clear_requests()
    proc = run_newscrawl(
        "crawl", server.url, "--output", str(tmp_path), *FAST, *no_discovery,
        "-s", "CONCURRENT_REQUESTS=1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    order = [path for method, path, _h in server.requests if method == "GET" and path in timed]
    assert order[: len(timed)] == timed  # the queue's order: newest estimated time first


def test_listings_reached_by_links_wait_until_due(server: Any, tmp_path: Path) -> None:
    refresh = ("-s", "NEWSCRAWL_LISTING_REFRESH_MINUTES=60")
    first = run_newscrawl("crawl", server.url, "--output", str(tmp_path), *FAST, *refresh)
    assert first.returncode == 0, first.stderr[-2000:]
    time.sleep(1.1)
    published = server.publish("World", "A fresh world story", _paragraphs("World", 9))
    server.clear_requests()
    second = run_newscrawl("crawl", server.url, "--output", str(tmp_path), *FAST, *refresh)
    assert second.returncode == 0, second.stderr[-2000:]
    requested = {path for method, path, _h in server.requests if method == "GET"}
    assert "/" in requested  # the start URL is asked every run (and changed: 200)
    assert published.path in requested  # the new article, linked from the home page
    assert "/section/world/page/2/" not in requested  # a listing reached by a link: not due
