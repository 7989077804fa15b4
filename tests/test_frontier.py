"""Pending requests wait on disk under OUTPUT/frontier/ (crawler/frontier.py)."""

from __future__ import annotations

from pathlib import Path

from scrapy.utils.test import get_crawler

from crawler.frontier import FrontierScheduler
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
