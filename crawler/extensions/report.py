"""The run report: what one crawl did, as ``OUTPUT/report.json``.

Written when the engine stops (after every component has closed its files), so
WARC totals are final. The CLI prints its summary from this file; schedulers
and monitoring can read it too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.errors import error_counts
from crawler.output import OutputLayout, crawl_id_of, utc_iso


def build_report(stats: dict[str, Any], *, crawl_id: str, layout: OutputLayout) -> dict[str, Any]:
    """The report's content, from the crawl's final stats and the output directory."""
    warc_files = (
        sorted(p.name for p in layout.warc_dir.glob("*.warc.gz"))
        if layout.warc_dir.exists()
        else []
    )
    warc_bytes = sum((layout.warc_dir / name).stat().st_size for name in warc_files)

    def num(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    start = stats.get("start_time")
    finish = stats.get("finish_time") or datetime.now(UTC)
    return {
        "crawl_id": crawl_id,
        "output_dir": str(layout.root),
        "started_at": utc_iso(start) if isinstance(start, datetime) else None,
        "finished_at": utc_iso(finish) if isinstance(finish, datetime) else None,
        "finish_reason": stats.get("finish_reason"),
        "pages_fetched": num("newscrawl/pages"),
        "responses_archived": num("newscrawl/warc/responses"),
        "articles": num("newscrawl/jsonl/rows"),
        "teasers_seen": num("newscrawl/teasers/seen"),
        "teasers_queued": num("newscrawl/teasers/queued"),
        "queue_pending": num("newscrawl/queue/pending"),
        "warc_files_this_run": num("newscrawl/warc/files"),
        "warc_bytes_this_run": num("newscrawl/warc/bytes"),
        "warc_files_total": len(warc_files),
        "warc_bytes_total": warc_bytes,
        "robots_blocked": num("newscrawl/robots_blocked"),
        "robots_crawl_delay_max": stats.get("newscrawl/robots/crawl_delay_max"),
        "backoff_pauses": num("newscrawl/backoff/pauses"),
        "start_urls_ok": num("newscrawl/start_urls/ok"),
        "start_urls_failed": num("newscrawl/start_urls/failed"),
        "start_url_error": stats.get("newscrawl/start_urls/last_error"),
        "errors": num("newscrawl/errors/total"),
        "errors_by_kind": error_counts(stats),
    }


class RunReportExtension:
    """Writes report.json at the end of each run (NEWSCRAWL_REPORT_ENABLED)."""

    def __init__(self, crawler: Crawler, layout: OutputLayout) -> None:
        self.crawler = crawler
        self.layout = layout
        self.report: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReportExtension:
        if not crawler.settings.getbool("NEWSCRAWL_REPORT_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_REPORT_ENABLED is off")
        ext = cls(crawler, OutputLayout.from_settings(crawler.settings))
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        self.report = build_report(
            self.crawler.stats.get_stats(), crawl_id=crawl_id_of(self.crawler), layout=self.layout
        )
        write_json_atomically(self.layout.report_path, self.report)


def write_json_atomically(path: Path, data: Any) -> None:
    """Write via a temporary file and rename, so readers never see half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
