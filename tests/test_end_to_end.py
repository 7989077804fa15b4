"""The whole product on the bundled demo site: JSONL, WARC and queue, checked
against the site's own source data and against what the server really sent."""

from __future__ import annotations

import gzip
import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from archive import iter_records, read_record
from archive.index import build_index
from crawler.followup import FollowupQueue
from crawler.schema import schema_errors
from tests.conftest import FAST, read_jsonl, run_newscrawl

FURNITURE = ("Share", "Published by", "Recent Posts", "Related", "More in", "Newsletter", "Sign up")


@pytest.fixture(scope="module")
def site() -> Any:
    from crawler.demo.site import load_site

    return load_site()


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    from crawler.demo.server import DemoServer

    with DemoServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def crawl(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo-crawl")
    proc = run_newscrawl("crawl", server.url, "--output", str(out), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    responses: dict[str, list[Any]] = {}
    for path in sorted((out / "warc").glob("*.warc.gz")):
        for rec in iter_records(path):
            if rec.rec_type == "response":
                responses.setdefault(rec.target_uri, []).append(rec)
    rows = read_jsonl(out / "articles")
    return {
        "out": out,
        "proc": proc,
        "rows": rows,
        "by_path": {urlsplit(r["url"]).path: r for r in rows},
        "responses": responses,
        "report": json.loads((out / "report.json").read_text()),
        "server_log": list(server.requests),
    }


def _article_ids(site: Any) -> list[str]:
    return [a.path for a in site.articles]


def _articles() -> list[Any]:
    from crawler.demo.site import load_site

    return list(load_site().articles)


ARTICLES = _articles()
IDS = [a.slug for a in ARTICLES]


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_article_row_matches_source(crawl: dict[str, Any], article: Any) -> None:
    row = crawl["by_path"].get(article.path)
    assert row is not None, f"{article.path} missing from JSONL"
    assert row["title"] == article.title
    assert row["category"] == article.section
    assert row["body"] == "\n".join(article.paragraphs)


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_no_furniture_in_body(crawl: dict[str, Any], article: Any) -> None:
    body = crawl["by_path"][article.path]["body"]
    lines = body.splitlines()
    assert not [line for line in lines if line.strip() in FURNITURE or line.startswith(FURNITURE)]
    for teaser in article.teasers:
        assert teaser.headline not in lines


def test_only_articles_become_rows(crawl: dict[str, Any], site: Any) -> None:
    assert set(crawl["by_path"]) == {a.path for a in site.articles}
    assert len(crawl["rows"]) == len(site.articles)


def test_model_page_teasers_resolved(crawl: dict[str, Any], site: Any) -> None:
    model = site.model_article
    row = crawl["by_path"][model.path]
    fetched = datetime.fromisoformat(row["fetched_at"].replace("Z", "+00:00"))
    teasers = row["teasers"]
    assert [t["headline"] for t in teasers] == [t.headline for t in model.teasers]
    assert [t["excerpt"] for t in teasers] == [t.excerpt for t in model.teasers]
    assert [t["relative_time"] for t in teasers] == [t.relative_time for t in model.teasers]
    deltas = {
        "15 seconds ago": timedelta(seconds=15),
        "8 mins ago": timedelta(minutes=8),
        "10 mins ago": timedelta(minutes=10),
        "11 mins ago": timedelta(minutes=11),
        "12 mins ago": timedelta(minutes=12),
        "14 mins ago": timedelta(minutes=14),
    }
    for teaser in teasers:
        resolved = datetime.fromisoformat(teaser["published_at"].replace("Z", "+00:00"))
        expected = fetched - deltas[teaser["relative_time"]]
        assert abs(resolved - expected) < timedelta(seconds=2), teaser
        assert teaser["block"] == "Recent Posts"


def test_every_row_validates_against_schema(crawl: dict[str, Any]) -> None:
    assert crawl["rows"]
    problems = {r["url"]: schema_errors(r) for r in crawl["rows"] if schema_errors(r)}
    assert problems == {}


def test_warc_pointer_seeks_to_the_response(crawl: dict[str, Any]) -> None:
    for row in crawl["rows"]:
        loc = row["warc"]
        rec = read_record(crawl["out"] / "warc" / loc["filename"], loc["offset"])
        assert (rec.rec_type, rec.target_uri, rec.record_id) == (
            "response",
            row["url"],
            loc["record_id"],
        )
        assert rec.length == loc["length"]


def test_every_response_the_server_sent_is_archived(crawl: dict[str, Any], server: Any) -> None:
    base = server.url.rstrip("/")
    fetched = {base + path for method, path, _headers in crawl["server_log"] if method == "GET"}
    assert fetched
    assert fetched <= set(crawl["responses"])


def test_every_request_asks_for_gzip_or_deflate_only(crawl: dict[str, Any]) -> None:
    """Not Scrapy's "br, zstd" too: replay tools and warcio cannot all decode them."""
    asked = {
        next((v for k, v in headers.items() if k.lower() == "accept-encoding"), None)
        for _method, _path, headers in crawl["server_log"]
    }
    assert asked == {"gzip, deflate"}


def _refetch(url: str, accept_encoding: str | None) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
    body = conn.getresponse().read()  # http.client de-chunks, keeps Content-Encoding
    conn.close()
    return body


def test_payloads_are_byte_identical_to_what_the_server_sent(crawl: dict[str, Any]) -> None:
    checked = 0
    for url, records in crawl["responses"].items():
        for rec in records:
            if rec.http_status != 200:
                continue
            sent_encoding = dict(rec.http_headers).get("Content-Encoding")
            body = _refetch(url, "gzip" if sent_encoding else None)
            assert rec.payload == body, url
            checked += 1
    assert checked >= 40


def test_gzip_responses_stay_encoded(crawl: dict[str, Any]) -> None:
    gzipped = [
        rec
        for recs in crawl["responses"].values()
        for rec in recs
        if dict(rec.http_headers).get("Content-Encoding") == "gzip"
    ]
    assert gzipped, "the demo site serves Business pages gzip-encoded"
    for rec in gzipped:
        assert rec.payload[:2] == b"\x1f\x8b"
        assert gzip.decompress(rec.payload) == rec.decoded_body()


def test_chunked_responses_are_stored_dechunked(crawl: dict[str, Any]) -> None:
    chunked = [
        rec
        for recs in crawl["responses"].values()
        for rec in recs
        if dict(rec.http_headers).get("X-Archive-Orig-Transfer-Encoding")
    ]
    assert chunked, "the demo site serves Entertainment pages chunked"
    for rec in chunked:
        headers = dict(rec.http_headers)
        assert "Transfer-Encoding" not in headers
        assert int(headers["Content-Length"]) == len(rec.payload)


def test_robots_txt_archived_and_obeyed(crawl: dict[str, Any], server: Any) -> None:
    assert server.url + "robots.txt" in crawl["responses"]
    assert not [p for _m, p, _h in crawl["server_log"] if p.startswith("/private/")]
    assert crawl["report"]["robots_blocked"] >= 1


def _paths(log: list[Any]) -> list[str]:
    return [path for _method, path, _headers in log]


def test_robots_txt_is_fetched_once_and_its_sitemaps_read(
    crawl: dict[str, Any], server: Any
) -> None:
    """Obeying robots.txt, the sitemaps come from the robots middleware's own fetch."""
    paths = _paths(crawl["server_log"])
    assert paths.count("/robots.txt") == 1
    assert len(crawl["responses"][server.url + "robots.txt"]) == 1
    assert {"/sitemap-index.xml", "/news-sitemap.xml"} <= set(paths)


def test_robots_sitemaps_are_read_when_robots_txt_is_not_obeyed(tmp_path: Path, site: Any) -> None:
    from crawler.demo.server import DemoServer

    with DemoServer() as srv:
        proc = run_newscrawl(
            "crawl", srv.url, "--output", str(tmp_path), "--max-pages", "8", *FAST,
            "-s", "ROBOTSTXT_OBEY=False",
        )  # fmt: skip
        paths = _paths(srv.requests)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert paths.count("/robots.txt") == 1
    assert "/sitemap-index.xml" in paths


def test_queue_holds_exactly_the_out_of_scope_teasers(crawl: dict[str, Any], site: Any) -> None:
    with FollowupQueue(crawl["out"] / "state.sqlite3") as queue:
        pending = {link.url for link in queue.pending()}
    assert pending == site.external_teaser_urls()
    assert len(pending) >= 5


def test_warcio_check_passes(crawl: dict[str, Any]) -> None:
    files = sorted((crawl["out"] / "warc").glob("*.warc.gz"))
    assert files
    assert not list((crawl["out"] / "warc").glob("*.open"))
    warcio = Path(sys.executable).with_name("warcio")
    proc = subprocess.run(
        [str(warcio), "check", *map(str, files)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_summary_and_report(crawl: dict[str, Any], site: Any) -> None:
    report = crawl["report"]
    assert report["articles"] == len(site.articles)
    assert report["errors"] == 0, report["errors_by_kind"]
    assert report["warc_files_this_run"] >= 1
    assert report["warc_bytes_this_run"] > 0
    for word in ("pages fetched", "articles", "teasers queued", "WARC files", "errors"):
        assert word in crawl["proc"].stdout


def test_second_run_consumes_nothing_new_from_the_queue(crawl: dict[str, Any], server: Any) -> None:
    proc = run_newscrawl("queue", "--output", str(crawl["out"]), "--json")
    assert proc.returncode == 0
    urls = {json.loads(line)["url"] for line in proc.stdout.splitlines()}
    assert all(urlsplit(u).hostname != "127.0.0.1" for u in urls)


def test_links_metadata_record_follows_each_article(crawl: dict[str, Any], site: Any) -> None:
    model = crawl["by_path"][site.model_article.path]
    path = crawl["out"] / "warc" / model["warc"]["filename"]
    (meta,) = [
        r
        for r in iter_records(path)
        if r.rec_type == "metadata"
        and r.warc_header("WARC-Concurrent-To") == model["warc"]["record_id"]
    ]
    assert meta.target_uri == "urn:newscrawl:links:" + model["url"]
    data = json.loads(meta.payload)
    assert [t["headline"] for t in data["teasers"]] == [
        t.headline for t in site.model_article.teasers
    ]
    assert all(t["relative_time"] for t in data["teasers"])
    assert set(data["outlinks"]) >= {t["url"] for t in model["teasers"]}


def test_full_recrawl_writes_revisits_not_copies(server: Any, tmp_path: Path) -> None:
    for _ in range(2):
        proc = run_newscrawl(
            "crawl",
            server.url,
            "--output",
            str(tmp_path),
            *FAST,
            "-s",
            "NEWSCRAWL_INCREMENTAL=False",
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    counts: dict[str, int] = {}
    for path in sorted((tmp_path / "warc").glob("*.warc.gz")):
        for rec in iter_records(path):
            counts[rec.rec_type] = counts.get(rec.rec_type, 0) + 1
    assert counts["revisit"] >= 40  # every unchanged 200 page of the second run
    # the index the crawls wrote from their own records is the one cdxj-indexer reads
    rebuilt = tmp_path / "rebuilt.cdxj"
    build_index(sorted((tmp_path / "warc").glob("*.warc.gz")), rebuilt)
    assert (tmp_path / "indexes" / "index.cdxj").read_text() == rebuilt.read_text()
    check = run_newscrawl("archive", "check", str(tmp_path / "warc"), "--quiet")
    assert check.returncode == 0, check.stdout + check.stderr


def test_no_request_carries_meta_copied_from_a_response(server: Any, tmp_path: Path) -> None:
    """MetaCopyDetectionMiddleware is off by default; switched on, it has nothing to say."""
    metacopy = "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware"
    proc = run_newscrawl(
        "crawl", server.url, "--output", str(tmp_path), *FAST,
        "-s", f'SPIDER_MIDDLEWARES={{"{metacopy}": 1000}}', "-s", "LOG_LEVEL=INFO",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert metacopy in proc.stderr  # it really ran
    assert "internal meta keys" not in proc.stderr


def test_the_crawl_runs_on_uvloop(server: Any, tmp_path: Path) -> None:
    """The asyncio reactor runs on uvloop's loop (crawler/settings.py), not asyncio's own."""
    proc = run_newscrawl(
        "crawl", server.url, "--output", str(tmp_path), *FAST, "-s", "LOG_LEVEL=DEBUG"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Using asyncio event loop: uvloop.Loop" in proc.stderr
