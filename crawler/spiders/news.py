"""The generic news spider: start pages in, articles and teasers out.

It follows in-scope links from every page, tells article pages from listings
by page signals (see ``crawler.extraction``), turns articles into
``ArticleItem`` and keeps teaser blocks as structured ``Teaser`` records. Every
response is archived by the WARC capture middleware before it gets here.
"""

from __future__ import annotations

import logging
import re
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
from crawler.extraction_pool import ExtractionPool
from crawler.followup import FollowupQueue
from crawler.incremental import change_summary, conditional_headers, is_live_blog
from crawler.items import ArticleItem, FetchedPage, PageLinks, WarcLocation
from crawler.links import Scope, canonical, host_of, is_page_link
from crawler.middlewares.warc_capture import META_FETCHED_AT, META_WARC
from crawler.output import OutputLayout, crawl_id_of, utc_iso
from crawler.page_bytes import decode_html, looks_binary
from crawler.state import CrawlState, body_digest

logger = logging.getLogger(__name__)

TEASER_PRIORITY = 10  # teasers are fresh news: fetch them before deep listings


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


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
        self.state: CrawlState | None = None
        self.follow_teasers = True
        self.live_blog: list[re.Pattern[str]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if spider.max_pages is None:
            spider.max_pages = settings.getint("NEWSCRAWL_MAX_PAGES") or None
        spider.follow_teasers = settings.getbool("NEWSCRAWL_FOLLOW_TEASERS", True)
        state_path = OutputLayout.from_settings(settings).state_path
        if settings.getbool("NEWSCRAWL_QUEUE_ENABLED", True):
            spider.followup = FollowupQueue(state_path)
        if settings.getbool("NEWSCRAWL_INCREMENTAL", True):
            spider.state = CrawlState(state_path)
        spider.live_blog = [re.compile(p) for p in settings.getlist("NEWSCRAWL_LIVE_BLOG_PATTERNS")]
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
        # The frontier of earlier runs (and of a crashed one): newest first.
        for link in self.followup.pending():
            if link.url in self.scope and is_page_link(link.url):
                request = self._request(link.url, priority=TEASER_PRIORITY)
                if request is not None:
                    yield request
                elif self._known_article(link.url):
                    self.followup.mark_done([link.url])

    # -- requests ------------------------------------------------------------

    def _known_article(self, url: str) -> bool:
        if self.state is None:
            return False
        known = self.state.get(canonical(url))
        return known is not None and known.is_archived_article

    def _request(
        self,
        url: str,
        *,
        priority: int = 0,
        meta: dict[str, Any] | None = None,
        force: bool = False,
    ) -> Request | None:
        """A Request for a URL worth fetching, or None.

        None for a URL seen in this run, over the page limit, or an article
        archived by an earlier run (articles are fetched once, unless ``force``
        or a live-blog pattern says otherwise). Pages fetched before are asked
        with their validators, so an unchanged one costs a 304.
        """
        key = canonical(url)
        if key in self.seen:
            return None
        known = self.state.get(key) if self.state is not None else None
        if (
            known is not None
            and known.is_archived_article
            and not force
            and not is_live_blog(url, self.live_blog)
        ):
            self.seen.add(key)
            self.crawler.stats.inc_value("newscrawl/incremental/skipped_known")
            return None
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            self.crawler.stats.inc_value("newscrawl/links/over_limit")
            return None
        self.seen.add(key)
        self.pages_requested += 1
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            priority=priority,
            meta=meta or {},
            headers=conditional_headers(known),
        )

    def _follow(self, page: ExtractedPage) -> Iterator[Request]:
        """Requests for the page's new in-scope links, teasers first.

        A page repeats links (menus, teaser lists, footers; teasers are links
        too): each distinct URL is checked once, as a plain string, before
        ``_request`` canonicalises it and checks the seen-set.
        """
        candidates: dict[str, int] = {}
        if self.follow_teasers:
            candidates.update((t.url, TEASER_PRIORITY) for t in page.teasers)
        for url in page.links:
            candidates.setdefault(url, 0)
        for url, priority in candidates.items():
            if url in self.scope and is_page_link(url):
                request = self._request(url, priority=priority)
                if request is not None:
                    yield request

    # -- responses -----------------------------------------------------------

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        stats.inc_value("newscrawl/pages")
        if response.meta.get("newscrawl_start"):
            stats.inc_value("newscrawl/start_urls/ok")
        if response.status == 304:
            stats.inc_value("newscrawl/incremental/not_modified")
            yield self._fetched(response, "unchanged")
            return
        problem = self._problem(response)
        if problem is not None:
            record_error(stats, *problem)
            yield self._fetched(response, "error")
            return
        text, clean = decode_html(response)
        if not clean:
            record_error(stats, "charset", response.url, f"does not decode as {response.encoding}")
        fetched_at: datetime = response.meta.get(META_FETCHED_AT) or datetime.now(UTC)
        pool = self.crawler.get_extension(ExtractionPool)  # None: extract inline
        try:
            if pool is not None:
                page = await pool.extract(text, response.url, fetched_at)
            else:
                page = extract_page(text, response.url, fetched_at)
        except Exception as exc:  # extraction is best effort; the page is archived anyway
            record_error(stats, "extraction", response.url, repr(exc))
            yield self._fetched(response, "error")
            return
        version = None
        if page.page_type == "article" and page.body:
            stats.inc_value("newscrawl/articles")
            article = self._article(response, page, fetched_at)
            if article is not None:
                version = article.version
                yield article
        yield self._page_links(response, page, fetched_at)
        yield self._fetched(response, page.page_type, page=page, version=version)
        for request in self._follow(page):
            yield request

    @staticmethod
    def _problem(response: Response) -> tuple[str, str, str] | None:
        """Why a response cannot be extracted (error kind, url, detail), or None."""
        if "dataloss" in response.flags:
            return "truncated", response.url, "body shorter than announced"
        if response.status >= 400:
            return "http_status", response.url, f"HTTP {response.status}"
        if not isinstance(response, TextResponse):
            return "not_html", response.url, "not a text response"
        if looks_binary(response.body):
            return "binary_body", response.url, "binary bytes under a text type"
        return None

    def _fetched(
        self,
        response: Response,
        kind: str,
        *,
        page: ExtractedPage | None = None,
        version: int | None = None,
    ) -> FetchedPage:
        location = response.meta.get(META_WARC)
        fetched_at: datetime = response.meta.get(META_FETCHED_AT) or datetime.now(UTC)
        aliases = [response.request.url] if response.request is not None else []
        aliases += response.meta.get("redirect_urls", [])
        is_article = kind == "article" and page is not None and bool(page.body)
        return FetchedPage(
            url=response.url,
            aliases=[u for u in dict.fromkeys(aliases) if u != response.url],
            fetched_at=utc_iso(fetched_at),
            status=response.status,
            kind=kind,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            payload_digest=location.payload_digest if location is not None else None,
            title=page.title if page is not None else None,
            body=page.body if is_article and page is not None else None,
            version=version,
        )

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
    ) -> ArticleItem | None:
        """The JSONL row: a first capture, a new version, or None when unchanged."""
        known = self.state.get(canonical(response.url)) if self.state is not None else None
        version, previous_digest, changes = 1, None, None
        if known is not None and known.is_archived_article and known.body is not None:
            if body_digest(page.body) == known.body_digest and page.title == known.title:
                self.crawler.stats.inc_value("newscrawl/incremental/unchanged")
                return None
            version = known.version + 1
            previous_digest = known.payload_digest
            changes = change_summary(known.title, page.title, known.body, page.body)
            self.crawler.stats.inc_value("newscrawl/incremental/updated")
        else:
            self.crawler.stats.inc_value("newscrawl/incremental/new")
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
            version=version,
            previous_digest=previous_digest,
            changes=changes,
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
                if self.followup is not None:
                    self.followup.mark_done([request.url], state="blocked")
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
        """A redirect the dupefilter dropped: a loop, or an alias of a page already fetched."""
        sources = request.meta.get("redirect_urls", [])
        if canonical(request.url) in {canonical(u) for u in sources}:
            record_error(
                self.crawler.stats, "redirect_loop", request.url, "redirected to a URL already seen"
            )
        elif sources and self.followup is not None:
            self.followup.mark_done(sources, status=None)

    def _closed(self) -> None:
        if self.state is not None:
            self.state.close()
        if self.followup is not None:
            self.crawler.stats.set_value("newscrawl/queue/pending", self.followup.count_pending())
            self.followup.close()
