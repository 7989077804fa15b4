"""The generic news spider: start pages in, articles and teasers out.

It follows in-scope links from every page, tells article pages from listings
by page signals (see ``crawler.extraction``), turns articles into
``ArticleItem`` and keeps teaser blocks as structured ``Teaser`` records. Every
response is archived by the WARC capture middleware before it gets here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from crawler.errors import record_error
from crawler.extraction import ExtractedPage, extract_page
from crawler.followup import FollowupQueue
from crawler.items import ArticleItem, PageLinks, WarcLocation
from crawler.links import Scope, canonical, host_of, is_page_link
from crawler.middlewares.warc_capture import META_FETCHED_AT, META_WARC
from crawler.output import OutputLayout, crawl_id_of, utc_iso
from crawler.page_bytes import decode_html, looks_binary

logger = logging.getLogger(__name__)

TEASER_PRIORITY = 10  # teasers are fresh news: fetch them before deep listings


def _split_arg(value: str | Iterable[str] | None) -> list[str]:
    """Spider arguments arrive as strings from ``-a``; accept comma/space lists."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [str(v) for v in value]


class NewsSpider(Spider):
    """Crawl news sites from their home/section pages (``-a start_urls=URL[,URL]``)."""

    name = "news"

    def __init__(
        self,
        start_urls: str | Iterable[str] | None = None,
        allowed_domains: str | Iterable[str] | None = None,
        max_pages: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_urls = _split_arg(start_urls)
        if not self.start_urls:
            raise ValueError("NewsSpider needs start_urls (-a start_urls=https://site/)")
        domains = _split_arg(allowed_domains) or [host_of(u) for u in self.start_urls]
        self.allowed_domains = sorted(set(domains))
        self.scope = Scope(self.allowed_domains)
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        self.pages_requested = 0
        self.seen: set[str] = set()
        self.followup: FollowupQueue | None = None
        self.follow_teasers = True

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if spider.max_pages is None:
            spider.max_pages = settings.getint("NEWSCRAWL_MAX_PAGES") or None
        spider.follow_teasers = settings.getbool("NEWSCRAWL_FOLLOW_TEASERS", True)
        if settings.getbool("NEWSCRAWL_QUEUE_ENABLED", True):
            spider.followup = FollowupQueue(OutputLayout.from_settings(settings).queue_path)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            request = self._request(url, meta={"newscrawl_start": True})
            if request is not None:
                yield request
        if self.followup is None:
            return
        for link in self.followup.pending():
            if link.url in self.scope and is_page_link(link.url):
                request = self._request(link.url, priority=TEASER_PRIORITY)
                if request is not None:
                    yield request

    # -- requests ------------------------------------------------------------

    def _request(
        self, url: str, *, priority: int = 0, meta: dict[str, Any] | None = None
    ) -> Request | None:
        """A Request for a new in-scope URL, or None (seen, out of scope, over limit)."""
        key = canonical(url)
        if key in self.seen:
            return None
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            self.crawler.stats.inc_value("newscrawl/links/over_limit")
            return None
        self.seen.add(key)
        self.pages_requested += 1
        return Request(
            url, callback=self.parse, errback=self.on_error, priority=priority, meta=meta or {}
        )

    def _follow(self, page: ExtractedPage) -> Iterator[Request]:
        teaser_urls = [t.url for t in page.teasers] if self.follow_teasers else []
        for url, priority in [(u, TEASER_PRIORITY) for u in teaser_urls] + [
            (u, 0) for u in page.links
        ]:
            if url in self.scope and is_page_link(url):
                request = self._request(url, priority=priority)
                if request is not None:
                    yield request

    # -- responses -----------------------------------------------------------

    def parse(self, response: Response) -> Iterator[Any]:
        self._mark_fetched(response)
        stats = self.crawler.stats
        stats.inc_value("newscrawl/pages")
        if response.meta.get("newscrawl_start"):
            stats.inc_value("newscrawl/start_urls/ok")
        if "dataloss" in response.flags:
            record_error(stats, "truncated", response.url, "body shorter than announced")
            return
        if response.status >= 400:
            record_error(stats, "http_status", response.url, f"HTTP {response.status}")
            return
        if not isinstance(response, TextResponse):
            record_error(stats, "not_html", response.url, "not a text response")
            return
        if looks_binary(response.body):
            record_error(stats, "binary_body", response.url, "binary bytes under a text type")
            return
        text, clean = decode_html(response)
        if not clean:
            record_error(stats, "charset", response.url, f"does not decode as {response.encoding}")
        fetched_at: datetime = response.meta.get(META_FETCHED_AT) or datetime.now(UTC)
        try:
            page = extract_page(text, response.url, fetched_at)
        except Exception as exc:  # extraction is best effort; the page is archived anyway
            record_error(stats, "extraction", response.url, repr(exc))
            return
        if page.page_type == "article" and page.body:
            stats.inc_value("newscrawl/articles")
            yield self._article(response, page, fetched_at)
        yield self._page_links(response, page, fetched_at)
        yield from self._follow(page)

    def _page_links(
        self, response: Response, page: ExtractedPage, fetched_at: datetime
    ) -> PageLinks:
        location = response.meta.get(META_WARC)
        return PageLinks(
            url=response.url,
            fetched_at=utc_iso(fetched_at),
            page_type=page.page_type,
            response_record_id=location.record_id if location is not None else None,
            outlinks=list(page.links),
            teasers=list(page.teasers),
        )

    def _article(
        self, response: Response, page: ExtractedPage, fetched_at: datetime
    ) -> ArticleItem:
        location = response.meta.get(META_WARC)
        warc = (
            WarcLocation(
                filename=location.filename,
                offset=location.offset,
                length=location.length,
                record_id=location.record_id,
                payload_digest=location.payload_digest,
                revisit=location.revisit,
            )
            if location is not None
            else None
        )
        return ArticleItem(
            url=response.url,
            fetched_at=utc_iso(fetched_at),
            status=response.status,
            title=page.title,
            body=page.body,
            canonical_url=page.canonical_url,
            category=page.category,
            categories=list(page.categories),
            author=page.author,
            published_at=page.published_at,
            modified_at=page.modified_at,
            language=page.language,
            tags=list(page.tags),
            description=page.description,
            site_name=page.site_name,
            image=page.image,
            teasers=list(page.teasers),
            warc=warc,
            crawl_id=crawl_id_of(self.crawler),
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        stats = self.crawler.stats
        if request.meta.get("newscrawl_start"):
            stats.inc_value("newscrawl/start_urls/failed")
            stats.set_value("newscrawl/start_urls/last_error", f"{request.url}: {failure.value}")
        if failure.check(IgnoreRequest):
            message = str(failure.value)
            if "robots.txt" in message.lower():
                stats.inc_value("newscrawl/robots_blocked")
            elif "redirections" in message:
                record_error(stats, "redirect_loop", request.url, message)
            else:
                stats.inc_value("newscrawl/ignored")
            return
        kind = (
            "timeout"
            if failure.check(DownloadTimeoutError, TxTimeoutError, TimeoutError)
            else "download"
        )
        record_error(stats, kind, request.url, failure.getErrorMessage())
        if self.followup is not None:
            self.followup.mark_done([request.url], state="failed")

    def _request_dropped(self, request: Request) -> None:
        """A redirect back to a URL already fetched is a loop the dupefilter ended."""
        chain = {canonical(u) for u in request.meta.get("redirect_urls", [])}
        if canonical(request.url) in chain:
            record_error(
                self.crawler.stats, "redirect_loop", request.url, "redirected to a URL already seen"
            )

    def _mark_fetched(self, response: Response) -> None:
        if self.followup is None:
            return
        urls = {response.url, response.request.url if response.request else response.url}
        urls.update(response.meta.get("redirect_urls", []))
        self.followup.mark_done(urls, status=response.status)

    def _closed(self) -> None:
        if self.followup is not None:
            self.crawler.stats.set_value("newscrawl/queue/pending", self.followup.count_pending())
            self.followup.close()
