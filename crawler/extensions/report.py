"""The run report: what one crawl did, as ``OUTPUT/report.json``.

Written when the engine stops (after every component has closed its files), so
WARC totals are final. The CLI prints its summary from this file; schedulers
and monitoring can read it too. ``report.json`` is the latest run's; a copy
stays as ``reports/<crawl_id>.json``, because a plan pass runs one crawl per
source into the same directory and the crawl ids ``newscrawl run`` prints must
lead to their reports. The newest ``NEWSCRAWL_REPORTS_KEEP`` are kept.
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


def build_report(
    stats: dict[str, Any], *, crawl_id: str, layout: OutputLayout, source: str | None = None
) -> dict[str, Any]:
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
        "source": source,
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


def crawler_report(crawler: Crawler, layout: OutputLayout) -> dict[str, Any]:
    """The report of a crawler that has stopped."""
    assert crawler.stats is not None
    return build_report(
        crawler.stats.get_stats(),
        crawl_id=crawl_id_of(crawler),
        layout=layout,
        source=crawler.settings.get("NEWSCRAWL_SOURCE_NAME") or None,
    )


class RunReportExtension:
    """Writes report.json at the end of each run (NEWSCRAWL_REPORT_ENABLED)."""

    def __init__(self, crawler: Crawler, layout: OutputLayout, *, keep: int) -> None:
        self.crawler = crawler
        self.layout = layout
        self.keep = keep
        self.report: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReportExtension:
        if not crawler.settings.getbool("NEWSCRAWL_REPORT_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_REPORT_ENABLED is off")
        keep = crawler.settings.getint("NEWSCRAWL_REPORTS_KEEP", 1000)
        if keep < 0:
            raise ValueError(f"NEWSCRAWL_REPORTS_KEEP must be 0 (keep all) or more, got {keep}")
        ext = cls(crawler, OutputLayout.from_settings(crawler.settings), keep=keep)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        self.report = crawler_report(self.crawler, self.layout)
        write_json_atomically(
            self.layout.reports_dir / f"{self.report['crawl_id']}.json", self.report
        )
        write_json_atomically(self.layout.report_path, self.report)
        if self.keep:
            prune_reports(self.layout.reports_dir, self.keep)


def prune_reports(reports_dir: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently written reports."""
    written = sorted(
        ((path.stat().st_mtime_ns, path.name, path) for path in reports_dir.glob("*.json")),
        reverse=True,
    )
    for *_, old in written[keep:]:
        old.unlink(missing_ok=True)


def write_json_atomically(path: Path, data: Any) -> None:
    """Write via a temporary file and rename, so readers never see half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
