"""Write every response, as received, to WARC: the one place where Scrapy
objects become archive objects.

It sits closest to the downloader (priority 950), so ``process_response``
sees the response before HttpCompressionMiddleware decodes it and before
RedirectMiddleware or RetryMiddleware replace it: robots.txt, redirects,
errors and truncated bodies are all archived. The record's location goes into
``request.meta["newscrawl_warc"]`` for the JSONL row.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

from archive import HttpExchange, WarcWriter
from archive.dedup import DigestIndex
from archive.index import update_index
from archive.repair import repair_open_files
from crawler import __version__
from crawler.download_handler import META_RAW_HEAD, RawHead
from crawler.items import PageLinks
from crawler.links_record import links_record_body
from crawler.output import OutputLayout, crawl_id_of

logger = logging.getLogger(__name__)

META_WARC = "newscrawl_warc"
META_FETCHED_AT = "newscrawl_fetched_at"
# Links metadata gets its own URI (as browsertrix's urn:pageinfo: records do),
# so replay tools never serve it in place of the page.
METADATA_URI_PREFIX = "urn:newscrawl:links:"


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) pairs, repeats kept, bytes read as latin-1."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            pairs.append((key, text))
    return pairs


def _protocol(response: Response) -> str:
    """The status line's HTTP version (Scrapy's HTTP/2 handler says "h2")."""
    protocol = response.protocol or "HTTP/1.1"
    return "HTTP/2" if protocol.lower() in ("h2", "http/2", "http/2.0") else protocol


def exchange_from(
    request: Request, response: Response, fetched_at: datetime, raw: RawHead | None = None
) -> HttpExchange:
    """The archive's view of one request/response pair.

    ``raw`` is the head as received (see ``crawler.download_handler``); without
    it (another download handler) the head is rebuilt from Scrapy's response.
    """
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        request_body=request.body or b"",
        protocol=raw.protocol if raw else _protocol(response),
        status=raw.status if raw else response.status,
        reason=raw.reason if raw else None,
        response_headers=list(raw.headers) if raw else header_pairs(response.headers),
        body=response.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated="disconnect" if "dataloss" in response.flags else None,
        fetched_at=fetched_at,
    )


class WarcCaptureMiddleware:
    """Downloader middleware that archives each response, untouched, to WARC.

    At start it repairs ``.open`` files a crash left behind; with
    NEWSCRAWL_WARC_DEDUP an identical payload seen before (this run or an
    earlier one in the same output directory) becomes a revisit record; each
    parsed page's links and teasers follow its response as a ``metadata``
    record; at close the CDXJ index is brought up to date (NEWSCRAWL_CDXJ_ENABLED).
    """

    def __init__(
        self,
        writer: WarcWriter,
        stats: Any,
        *,
        dedup: DigestIndex | None = None,
        index_root: Path | None = None,
    ) -> None:
        self.writer = writer
        self.stats = stats
        self.dedup = dedup
        self.index_root = index_root
        self._files_indexed = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_WARC_ENABLED"):
            raise NotConfigured("NEWSCRAWL_WARC_ENABLED is off")
        max_bytes = settings.getint("NEWSCRAWL_WARC_MAX_BYTES")
        if max_bytes <= 0:
            raise NotConfigured(f"NEWSCRAWL_WARC_MAX_BYTES ({max_bytes}) must be higher than 0")
        gzip_level = settings.getint("NEWSCRAWL_WARC_GZIP_LEVEL", 1)
        if not 1 <= gzip_level <= 9:
            raise NotConfigured(f"NEWSCRAWL_WARC_GZIP_LEVEL ({gzip_level}) must be between 1 and 9")
        layout = OutputLayout.from_settings(settings)
        for result in repair_open_files(layout.warc_dir) if layout.warc_dir.exists() else []:
            logger.warning("Repaired a WARC left open by a crash: %s", result.describe())
            crawler.stats.inc_value("newscrawl/warc/repaired")
        dedup = (
            DigestIndex.for_output_dir(layout.root)
            if settings.getbool("NEWSCRAWL_WARC_DEDUP", True)
            else None
        )
        index_root = layout.root if settings.getbool("NEWSCRAWL_CDXJ_ENABLED", True) else None
        writer = WarcWriter(
            layout.warc_dir,
            prefix=settings.get("NEWSCRAWL_WARC_PREFIX") or "newscrawl",
            max_bytes=max_bytes,
            warcinfo={
                "software": f"newscrawl/{__version__}",
                "operator": settings.get("NEWSCRAWL_WARC_OPERATOR") or "",
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT") or "",
                "isPartOf": crawl_id_of(crawler),
            },
            fsync=settings.getbool("NEWSCRAWL_WARC_FSYNC"),
            dedup=dedup,
            gzip_level=gzip_level,
            index_lines=index_root is not None,  # no index kept: no CDXJ line per capture
        )
        mw = cls(writer, crawler.stats, dedup=dedup, index_root=index_root)
        crawler.signals.connect(mw.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        fetched_at = datetime.now(UTC)
        request.meta[META_FETCHED_AT] = fetched_at
        if not response.url.startswith(("http://", "https://")):
            return response  # data:, file:, ftp: are not web captures
        try:
            raw = request.meta.pop(META_RAW_HEAD, None)
            exchange = exchange_from(request, response, fetched_at, raw)
            location = self.writer.write_exchange(exchange)
        except Exception:
            # A failed write must not cost the crawl; it is counted and logged.
            logger.exception("Could not archive %s", response.url)
            self.stats.inc_value("newscrawl/warc/errors")
            return response
        request.meta[META_WARC] = location
        self.stats.inc_value("newscrawl/warc/records", 2)
        self.stats.inc_value("newscrawl/warc/responses")
        if location.revisit:
            self.stats.inc_value("newscrawl/warc/revisits")
        if len(self.writer.closed_files) != self._files_indexed:
            self._update_index()  # a file was rotated: index it now, not at the end
        return response

    def item_scraped(self, item: Any) -> None:
        """Archive a page's outlinks and teasers next to its response."""
        if not isinstance(item, PageLinks) or item.response_record_id is None:
            return
        try:
            payload = item.payload
            if payload is None:
                payload = links_record_body(
                    item.page_type, item.outlinks, item.teasers, item.entries
                )
            self.writer.write_metadata(
                METADATA_URI_PREFIX + item.url, item.response_record_id, payload
            )
        except Exception:
            logger.exception("Could not archive the links of %s", item.url)
            self.stats.inc_value("newscrawl/warc/errors")
            return
        self.stats.inc_value("newscrawl/warc/records")

    def spider_closed(self) -> None:
        self.writer.close()
        self.stats.set_value("newscrawl/warc/files", len(self.writer.closed_files))
        self.stats.set_value("newscrawl/warc/bytes", self.writer.bytes_written)
        if self.dedup is not None:
            self.dedup.close()
        self._update_index()

    def _update_index(self) -> None:
        """Bring indexes/index.cdxj up to date with the closed files (incremental)."""
        self._files_indexed = len(self.writer.closed_files)
        known = self.writer.take_index_lines()  # handed out (or dropped) once per file
        if self.index_root is None:
            return
        try:
            update_index(self.index_root, known=known)
        except Exception:
            logger.exception("Could not update the CDXJ index of %s", self.index_root)
            self.stats.inc_value("newscrawl/warc/errors")
