"""Record each fetch in the crawl state, after its outputs are written.

Runs after the JSON Lines pipeline, so a page counts as done only once its
row is on disk. At start it also reconciles: rows a crashed run wrote after
its last state update are read back from the JSONL tails, so a restart never
writes an article twice.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import FetchedPage
from crawler.links import canonical
from crawler.output import OutputLayout
from crawler.state import ARTICLE, CrawlState

logger = logging.getLogger(__name__)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class CrawlStatePipeline:
    """Writes FetchedPage items to ``state.sqlite3`` (NEWSCRAWL_INCREMENTAL)."""

    def __init__(
        self, layout: OutputLayout, stats: Any, *, ttl_days: float, refresh_minutes: float = 0
    ) -> None:
        self.layout = layout
        self.stats = stats
        self.ttl = timedelta(days=ttl_days)
        self.refresh = timedelta(minutes=refresh_minutes)
        self.state: CrawlState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStatePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_INCREMENTAL", True):
            raise NotConfigured("NEWSCRAWL_INCREMENTAL is off")
        ttl = settings.getfloat("NEWSCRAWL_STATE_TTL_DAYS", 90)
        if ttl <= 0:
            raise NotConfigured(f"NEWSCRAWL_STATE_TTL_DAYS ({ttl}) must be higher than 0")
        refresh = settings.getfloat("NEWSCRAWL_LISTING_REFRESH_MINUTES", 0)
        if refresh < 0:
            raise NotConfigured(f"NEWSCRAWL_LISTING_REFRESH_MINUTES ({refresh}) must be 0 or more")
        return cls(
            OutputLayout.from_settings(settings),
            crawler.stats,
            ttl_days=ttl,
            refresh_minutes=refresh,
        )

    def open_spider(self) -> None:
        self.state = CrawlState(self.layout.state_path, ttl=self.ttl)
        expired = self.state.expire()
        if expired:
            logger.info("Forgot %d expired URL states", expired)
        self._reconcile(self.state)

    def _jsonl_files(self) -> list[Path]:
        return sorted(self.layout.articles_dir.glob("*.jsonl"))

    def _reconcile(self, state: CrawlState) -> None:
        """Record JSONL rows written after the last clean close (a crash's tail)."""
        recovered = 0
        for path in self._jsonl_files():
            start = state.reconciled_size(path.name)
            size = path.stat().st_size
            if size <= start:
                continue
            with path.open("rb") as fh:
                fh.seek(start)
                for line in fh:
                    if line.endswith(b"\n"):
                        recovered += self._recover_row(state, line)
            state.set_reconciled_size(path.name, size)
        if recovered:
            logger.warning("Recovered the state of %d articles from JSONL", recovered)
            self.stats.inc_value("newscrawl/state/recovered", recovered)

    @staticmethod
    def _recover_row(state: CrawlState, line: bytes) -> int:
        try:
            row = json.loads(line)
            key = canonical(row["url"])
            known = state.get(key)
            if known is not None and known.version >= row.get("version", 1):
                return 0
            state.record(
                key,
                row["url"],
                kind=ARTICLE,
                status=row["status"],
                fetched_at=_parse_time(row["fetched_at"]),
                payload_digest=(row.get("warc") or {}).get("payload_digest"),
                body=row["body"],
                title=row.get("title"),
                version=row.get("version", 1),
            )
        except (ValueError, KeyError, TypeError):
            return 0
        return 1

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedPage) and self.state is not None:
            fetched_at = _parse_time(item.fetched_at)
            # Articles are fetched once; other pages fall due again after the refresh time.
            next_due = None if item.kind == ARTICLE else fetched_at + self.refresh
            for url in [item.url, *item.aliases]:
                self.state.record(
                    canonical(url),
                    item.url,
                    kind=item.kind,
                    status=item.status,
                    fetched_at=fetched_at,
                    etag=item.etag if url == item.url else None,
                    last_modified=item.last_modified if url == item.url else None,
                    payload_digest=item.payload_digest,
                    body=item.body if url == item.url else None,
                    title=item.title,
                    version=item.version,
                    next_due_at=next_due,
                )
        return item

    def close_spider(self) -> None:
        if self.state is None:
            return
        # A clean close: every row written so far is recorded.
        for path in self._jsonl_files():
            self.state.set_reconciled_size(path.name, path.stat().st_size)
        self.state.close()
        self.state = None
