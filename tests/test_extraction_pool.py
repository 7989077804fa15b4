"""The extraction pool: same pages as inline, bounded in-flight work, dead workers survived."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager

from crawler import worker_process
from crawler.extraction import ExtractedPage, extract_page
from crawler.extraction_pool import ExtractionFailed, ExtractionPool
from crawler.extraction_worker import warm_up
from crawler.worker_process import close_spares, start_spares, workers_wanted
from tests.conftest import FAST, read_jsonl, run_newscrawl

FETCHED = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
ARTICLE = (
    "<html lang='en'><head><title>Harbour reopens after storm | Gazette</title>"
    "<meta property='og:type' content='article'></head><body><nav><a href='/world/'>World</a>"
    "<a href='/sport/'>Sport</a></nav><article><h1>Harbour reopens after storm</h1>"
    + "".join(
        f"<p>Paragraph {i}: the harbour master said the quay was repaired overnight and "
        "ferries would run to the usual timetable from the morning onwards.</p>"
        for i in range(8)
    )
    + "</article></body></html>"
)


def crash_on_marker(html: str | bytes, url: str, fetched_at: datetime) -> ExtractedPage:
    """Runs in a worker: dies like a segfault for URLs containing "crash"."""
    if "crash" in url:
        os._exit(1)
    return extract_page(html, url, fetched_at)


def hang_on_marker(html: str | bytes, url: str, fetched_at: datetime) -> ExtractedPage:
    """Runs in a worker: never returns for URLs containing "hang"."""
    if "hang" in url:
        import time

        time.sleep(3600)
    return extract_page(html, url, fetched_at)


class Stats(dict[str, Any]):
    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value


def fake_crawler(**overrides: Any) -> Any:
    """Just what ``from_crawler`` reads: the project settings, stats, signals."""
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.setdict(overrides)
    return SimpleNamespace(settings=settings, stats=Stats(), signals=SignalManager())


def test_pool_gives_the_same_page_as_inline() -> None:
    pool = ExtractionPool(1)
    pool.open()
    try:
        page = asyncio.run(pool.extract(ARTICLE, "https://gazette.example/a/1", FETCHED))
    finally:
        pool.close()
    assert page == extract_page(ARTICLE, "https://gazette.example/a/1", FETCHED)
    assert page.page_type == "article"
    assert "https://gazette.example/world/" in page.links


def test_in_flight_submissions_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = ExtractionPool(1, max_in_flight=2)
    in_flight, peak = 0, 0
    submit = pool._submit

    def counting_submit(*args: Any) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        future = submit(*args)

        def done(_: Any) -> None:
            nonlocal in_flight
            in_flight -= 1

        future.add_done_callback(done)
        return future

    monkeypatch.setattr(pool, "_submit", counting_submit)

    async def many() -> list[ExtractedPage]:
        urls = [f"https://gazette.example/a/{i}" for i in range(8)]
        return await asyncio.gather(*(pool.extract(ARTICLE, u, FETCHED) for u in urls))

    pool.open()
    try:
        pages = asyncio.run(many())
    finally:
        pool.close()
    assert len(pages) == 8
    assert all(p.page_type == "article" for p in pages)
    assert peak <= 2


def _fail_then_recover(pool: ExtractionPool, bad_url: str) -> tuple[Any, ExtractedPage]:
    """Extract a page that breaks its worker, then a good one; return both outcomes."""

    async def crawl() -> tuple[BaseException | None, ExtractedPage]:
        failure: BaseException | None = None
        try:
            await pool.extract(ARTICLE, bad_url, FETCHED)
        except ExtractionFailed as exc:
            failure = exc
        after = await pool.extract(ARTICLE, "https://gazette.example/a/2", FETCHED)
        return failure, after

    pool.open()
    try:
        return asyncio.run(crawl())
    finally:
        pool.close()


def test_a_dead_worker_fails_its_page_and_the_pool_goes_on() -> None:
    stats = Stats()
    pool = ExtractionPool(1, stats=stats, extract=crash_on_marker)
    failure, after = _fail_then_recover(pool, "https://gazette.example/crash/")
    assert isinstance(failure, ExtractionFailed)
    assert "worker died" in str(failure)
    assert after.page_type == "article"
    assert stats["newscrawl/extraction/pool_restarts"] == 2  # first try and the retry


def test_a_closed_pool_refuses_work() -> None:
    pool = ExtractionPool(1)
    pool.open()
    pool.close()
    with pytest.raises(ExtractionFailed, match="closed"):
        asyncio.run(pool.extract(ARTICLE, "https://gazette.example/a/3", FETCHED))


@pytest.mark.parametrize(
    ("value", "reason"),
    [("0", "inline"), ("-1", "must be 0 or higher")],
    ids=["zero-means-inline", "negative"],
)
def test_switched_off_or_misconfigured_raises_not_configured(value: str, reason: str) -> None:
    crawler = fake_crawler(NEWSCRAWL_EXTRACTION_WORKERS=value)
    with pytest.raises(NotConfigured, match=reason):
        ExtractionPool.from_crawler(crawler)


def test_default_is_one_worker_per_core_and_eight_times_that_in_flight() -> None:
    pool = ExtractionPool.from_crawler(fake_crawler())
    assert pool.workers == (os.cpu_count() or 1)
    assert pool.max_in_flight == 8 * pool.workers


@pytest.mark.parametrize("workers", ["0", "1"], ids=["inline", "one-worker"])
def test_demo_crawl_gives_the_same_articles_inline_and_pooled(
    demo_server: Any, tmp_path: Path, workers: str
) -> None:
    proc = run_newscrawl(
        "crawl",
        demo_server.url,
        "--output",
        str(tmp_path),
        *FAST,
        "-s",
        f"NEWSCRAWL_EXTRACTION_WORKERS={workers}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_jsonl(tmp_path / "articles")
    assert len(rows) == 36
    assert all(row["body"] for row in rows)


def test_a_hung_worker_times_out_and_the_pool_goes_on() -> None:
    pool = ExtractionPool(1, stats=Stats(), extract=hang_on_marker, timeout=3)
    failure, after = _fail_then_recover(pool, "https://gazette.example/hang/")
    assert isinstance(failure, ExtractionFailed)
    assert "took over 3s" in str(failure)
    assert after.page_type == "article"


def test_prepared_page_in_a_worker_is_the_one_made_inline() -> None:
    """What the spider awaits: the extraction plus the per-link work, as inline."""
    from crawler.extraction_worker import TEASER_PRIORITY, prepare_page
    from crawler.links import canonical, is_page_link

    html = ARTICLE.replace(
        "</nav>",
        "<a href='https://elsewhere.example/x'>Out</a><a href='/img/logo.png'>Logo</a>"
        "<a href='/world/?utm_source=nav'>World again</a></nav>",
    )
    url, domains = "https://gazette.example/a/1", ("gazette.example",)
    pool = ExtractionPool(1)
    pool.open()
    try:
        prepared = asyncio.run(pool.prepare(html, url, FETCHED, domains))
    finally:
        pool.close()
    inline = prepare_page(html, url, FETCHED, domains)
    # A worker sends a link's canonical form once (ProposedLinks): "/world/" and
    # "/world/?utm_source=nav" are one link to the crawl, so only the first goes.
    once, keys = [], set()
    for entry in inline.follow:
        if entry[1] not in keys:
            keys.add(entry[1])
            once.append(entry)
    assert prepared == dataclasses.replace(inline, follow=once)
    assert len(once) == len(inline.follow) - 1
    assert prepared.page == extract_page(html, url, FETCHED)
    links = prepared.page.links
    assert "https://elsewhere.example/x" in links
    wanted = [u for u in links if u.startswith("https://gazette.example/") and is_page_link(u)]
    assert prepared.followable == wanted
    assert [u for u, _, _ in inline.follow] == list(dict.fromkeys(wanted))
    assert [u for u, _, _ in prepared.follow] == [u for u in dict.fromkeys(wanted) if "?" not in u]
    assert all(key == canonical(u) for u, key, _ in prepared.follow)
    assert {p for _, _, p in prepared.follow} <= {0, TEASER_PRIORITY}
    assert not any(u.endswith(".png") for u in prepared.followable)
    assert json.loads(prepared.payload)["page_type"] == "article"


def test_a_worker_sends_each_link_to_follow_once() -> None:
    """A worker leaves out of ``follow`` the links it sent with an earlier page
    (the crawl process already decided them); ``followable`` keeps them all.
    Inline, with no worker, every page gets its whole ``follow``."""
    from crawler.extraction_worker import prepare_page

    url, domains = "https://gazette.example/a/1", ("gazette.example",)
    second = ARTICLE.replace("</nav>", "<a href='/culture/'>Culture</a></nav>")
    pool = ExtractionPool(1)
    pool.open()
    try:
        first_answer = asyncio.run(pool.prepare(ARTICLE, url, FETCHED, domains))
        second_answer = asyncio.run(pool.prepare(second, url.replace("1", "2"), FETCHED, domains))
        again = asyncio.run(pool.prepare(ARTICLE, url.replace("1", "3"), FETCHED, domains))
    finally:
        pool.close()
    sent = [u for u, _, _ in first_answer.follow]
    assert "https://gazette.example/world/" in sent
    assert "https://gazette.example/sport/" in sent
    assert [u for u, _, _ in second_answer.follow] == ["https://gazette.example/culture/"]
    assert again.follow == []
    inline = prepare_page(second, url.replace("1", "2"), FETCHED, domains)
    assert second_answer.followable == inline.followable  # the queue still gets every link
    assert [u for u, _, _ in inline.follow] == [*sent, "https://gazette.example/culture/"]
    assert prepare_page(second, url, FETCHED, domains).follow == inline.follow


def test_proposed_links_forget_the_oldest_generation() -> None:
    """Bounded: after two generations a key is sent again, and the order is kept."""
    from crawler.extraction_worker import ProposedLinks

    proposed = ProposedLinks(size=4)  # generations of 2 keys
    entry = lambda key: (key, key, 0)  # noqa: E731
    assert proposed.fresh([entry("a"), entry("b"), entry("a")]) == [entry("a"), entry("b")]
    assert proposed.fresh([entry("c"), entry("a"), entry("d")]) == [entry("c"), entry("d")]
    assert proposed.fresh([entry("e")]) == [entry("e")]  # "a" and "b" are forgotten now
    assert proposed.fresh([entry("b"), entry("d"), entry("a")]) == [entry("b"), entry("a")]


def test_workers_started_early_are_adopted_and_answer() -> None:
    """``newscrawl crawl`` starts its workers before Scrapy; the pool takes those first."""
    start_spares(1)
    spare = worker_process._spares[0]
    pool = ExtractionPool(1, stats=Stats())
    pool.open()
    try:
        assert pool._workers == [spare]
        assert worker_process._spares == []
        page = asyncio.run(pool.extract(ARTICLE, "https://gazette.example/world/a", FETCHED))
        assert page == extract_page(ARTICLE, "https://gazette.example/world/a", FETCHED)
    finally:
        pool.close()
    assert spare.process.poll() is not None  # exited with the pool


def test_workers_no_pool_adopts_are_stopped() -> None:
    start_spares(2)
    spares = list(worker_process._spares)
    close_spares()
    assert worker_process._spares == []
    assert all(w.process.poll() is not None for w in spares)


@pytest.mark.parametrize(
    ("overrides", "wanted"),
    [
        ({}, os.cpu_count() or 1),
        ({"NEWSCRAWL_EXTRACTION_WORKERS": "0"}, 0),
        ({"NEWSCRAWL_EXTRACTION_WORKERS": 3}, 3),
        ({"NEWSCRAWL_EXTRACTION_WORKERS": "-1"}, 0),
        ({"NEWSCRAWL_EXTRACTION_WORKERS": "lots"}, 0),
    ],
)
def test_workers_wanted_reads_the_setting_as_the_pool_does(
    overrides: dict[str, Any], wanted: int
) -> None:
    assert workers_wanted(overrides) == wanted


def test_warm_up_changes_no_result() -> None:
    """The warm-up only loads what extraction loads lazily: pages come out the same."""
    before = extract_page(ARTICLE, "https://gazette.example/world/a", FETCHED)
    warm_up()
    assert extract_page(ARTICLE, "https://gazette.example/world/a", FETCHED) == before
