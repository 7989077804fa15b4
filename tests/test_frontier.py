"""Pending requests wait on disk under OUTPUT/frontier/ (crawler/frontier.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import FormRequest, Request, Spider
from scrapy.squeues import MarshalFifoDiskQueue, PickleFifoDiskQueue
from scrapy.utils.test import get_crawler

from crawler.frontier import FrontierDiskQueue, FrontierScheduler, request_to_dict
from crawler.spiders.news import NewsSpider


def _scheduler(tmp_path: Path, **settings: object) -> FrontierScheduler:
    crawler = get_crawler(
        NewsSpider,
        {
            "NEWSCRAWL_OUTPUT_DIR": str(tmp_path),
            "NEWSCRAWL_DISK_QUEUE": True,
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            **settings,
        },
    )
    return FrontierScheduler.from_crawler(crawler)


def test_disk_queues_in_a_fresh_frontier_folder(tmp_path: Path) -> None:
    leftover = tmp_path / "frontier" / "requests.queue" / "active.json"
    leftover.parent.mkdir(parents=True)
    leftover.write_text('{"10": "stale"}')
    scheduler = _scheduler(tmp_path)
    assert scheduler.dqdir == str(tmp_path / "frontier" / "requests.queue")
    assert Path(scheduler.dqdir).is_dir()
    assert not leftover.exists()  # the last run's queue is not resumed


def test_memory_queues_when_switched_off(tmp_path: Path) -> None:
    assert _scheduler(tmp_path, NEWSCRAWL_DISK_QUEUE=False).dqdir is None
    assert not (tmp_path / "frontier").exists()


def test_a_jobdir_set_by_hand_wins(tmp_path: Path) -> None:
    scheduler = _scheduler(tmp_path, JOBDIR=str(tmp_path / "job"))
    assert scheduler.dqdir == str(tmp_path / "job" / "requests.queue")


def test_a_crawl_keeps_every_pending_request_on_disk(tmp_path: Path) -> None:
    from crawler.demo.server import DemoServer
    from tests.conftest import FAST, run_newscrawl

    with DemoServer() as server:
        proc = run_newscrawl(
            "crawl", server.url, "--output", str(tmp_path), *FAST, "-s", "LOG_LEVEL=INFO"
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "'scheduler/enqueued/disk'" in proc.stderr
    assert "'scheduler/enqueued/memory'" not in proc.stderr
    assert "scheduler/unserializable" not in proc.stderr
    assert not (tmp_path / "frontier").exists()  # removed when the crawl closed


class _Spider(Spider):
    name = "frontier-test"

    def parse(self, response: Any, **kwargs: Any) -> Any:
        return None

    def on_error(self, failure: Any) -> None:
        return None

    also_parse = parse  # two names for one function: Scrapy picks the first in order


def _requests(spider: _Spider) -> list[Request]:
    return [
        Request("https://news.example/a", callback=spider.parse, errback=spider.on_error),
        Request(
            "https://news.example/b",
            callback=spider.parse,
            priority=10,
            meta={"depth": 2, "newscrawl_start": True},
            headers={"If-None-Match": '"x"', "If-Modified-Since": "Wed, 22 May 2024"},
            dont_filter=True,
        ),
        Request("https://news.example/c"),  # the spider's parse, by default
        FormRequest(
            "https://news.example/d",
            formdata={"q": "x"},
            callback=spider.also_parse,
            cb_kwargs={"page": 2},
            flags=["f"],
        ),
    ]


def test_request_dicts_are_scrapys(tmp_path: Path) -> None:
    spider = _Spider()
    for _ in range(2):  # found, then remembered
        for request in _requests(spider):
            assert request_to_dict(request, spider) == request.to_dict(spider=spider)
    elsewhere = Request("https://news.example/e", callback=_Spider().parse)
    assert request_to_dict(elsewhere, spider) == elsewhere.to_dict(spider=spider)


def test_a_callback_off_the_spider_is_not_serialisable() -> None:
    spider = _Spider()

    def off_the_spider(response: Any) -> None:
        return None

    request = Request("https://news.example/a", callback=off_the_spider)
    with pytest.raises(ValueError, match="not an instance method"):
        request.to_dict(spider=spider)
    with pytest.raises(ValueError, match="not an instance method"):
        request_to_dict(request, spider)


def test_frontier_queue_writes_what_scrapys_writes(tmp_path: Path) -> None:
    crawler = get_crawler(_Spider)
    crawler.spider = spider = _Spider()
    theirs = PickleFifoDiskQueue(crawler, str(tmp_path / "theirs"))
    ours = FrontierDiskQueue(crawler, str(tmp_path / "ours"))
    for request in _requests(spider):
        theirs.push(request)
        ours.push(request)
    assert (tmp_path / "ours" / "q00000").read_bytes() == (
        tmp_path / "theirs" / "q00000"
    ).read_bytes()
    for request in _requests(spider):
        popped = ours.pop()
        assert type(popped) is type(request)
        assert popped.to_dict(spider=spider) == request.to_dict(spider=spider)
    assert ours.pop() is None
    ours.close()
    theirs.close()


def test_scheduler_uses_the_frontier_queue_for_scrapys_pickle_queue(tmp_path: Path) -> None:
    assert _scheduler(tmp_path).dqclass is FrontierDiskQueue
    other = _scheduler(tmp_path, SCHEDULER_DISK_QUEUE="scrapy.squeues.MarshalFifoDiskQueue")
    assert other.dqclass is MarshalFifoDiskQueue
