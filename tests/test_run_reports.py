"""Run reports kept per crawl id in reports/, pruned to NEWSCRAWL_REPORTS_KEEP."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.extensions.report import RunReportExtension, prune_reports
from crawler.output import OutputLayout


def test_prune_keeps_the_most_recently_written(tmp_path: Path) -> None:
    for n, name in enumerate(["b", "a", "c", "d"]):  # written in this order
        path = tmp_path / f"{name}.json"
        path.write_text("{}")
        os.utime(path, ns=(n * 10**9, n * 10**9))
    prune_reports(tmp_path, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "d.json"]


def _run_report(tmp_path: Path, crawl_id: str, **settings: object) -> None:
    crawler = get_crawler(
        settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(tmp_path), "NEWSCRAWL_CRAWL_ID": crawl_id}
        | settings
    )
    RunReportExtension.from_crawler(crawler).engine_stopped()


def test_each_run_leaves_its_report_and_the_latest_is_report_json(tmp_path: Path) -> None:
    for crawl_id in ("run-1", "run-2", "run-3"):
        _run_report(tmp_path, crawl_id, NEWSCRAWL_REPORTS_KEEP=2, NEWSCRAWL_SOURCE_NAME="wire")
    layout = OutputLayout(tmp_path)
    kept = sorted(p.stem for p in layout.reports_dir.glob("*.json"))
    assert kept == ["run-2", "run-3"]
    latest = json.loads(layout.report_path.read_text())
    assert latest == json.loads((layout.reports_dir / "run-3.json").read_text())
    assert (latest["crawl_id"], latest["source"]) == ("run-3", "wire")


def test_keep_zero_keeps_all_and_a_negative_keep_is_refused(tmp_path: Path) -> None:
    for crawl_id in ("run-1", "run-2", "run-3"):
        _run_report(tmp_path, crawl_id, NEWSCRAWL_REPORTS_KEEP=0)
    assert len(list(OutputLayout(tmp_path).reports_dir.glob("*.json"))) == 3
    with pytest.raises(ValueError, match="NEWSCRAWL_REPORTS_KEEP"):
        _run_report(tmp_path, "run-4", NEWSCRAWL_REPORTS_KEEP=-1)
