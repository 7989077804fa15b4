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
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response, TextResponse, XmlResponse
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from crawler.discovery import feed_urls_in_html
from crawler.errors import record_error
from crawler.extracted_page import ExtractedPage
from crawler.extraction_pool import ExtractionPool
from crawler.extraction_worker import TEASER_PRIORITY, PreparedPage, prepare_page
from crawler.followup import FollowupQueue
from crawler.incremental import change_summary, conditional_headers, is_live_blog
from crawler.items import ArticleItem
from crawler.links import Scope, canonical, host_of, is_page_link
from crawler.lock import OutputLock
from crawler.middlewares.compression import INCOMPLETE_CODING
from crawler.middlewares.robots import RobotsUnreachable
from crawler.output import OutputLayout, crawl_id_of
from crawler.page_bytes import decode_html, looks_binary
from crawler.seen_set import SeenSet
from crawler.spiders.discovery import DiscoveryMixin, looks_like_sitemap
from crawler.spiders.page_items import article_item, fetched_at_of, fetched_page, page_links
from crawler.state import CrawlState, PageState, body_digest
from crawler.state import iso as utc_iso_seconds

logger = logging.getLogger(__name__)

__all__ = ["TEASER_PRIORITY", "NewsSpider"]  # teasers are fetched before deep listings


def _is_plain_text(response: Response) -> bool:
    ctype = (response.headers.get("Content-Type") or b"").split(b";")[0].strip().lower()
    return ctype in (b"text/plain", b"application/json", b"text/css", b"application/javascript")


def _split_arg(value: str | Iterable[str] | None) -> list[str]:
    """Spider arguments arrive as strings from ``-a``; accept comma/space lists."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [str(v) for v in value]


class NewsSpider(DiscoveryMixin, Spider):
    """Crawl news sites from their home/section pages (``-a start_urls=URL[,URL]``).

    Optional ``-a feeds=URL[,URL]`` and ``-a sitemaps=URL[,URL]`` add feeds and
    sitemaps to read (besides those announced by start pages and robots.txt).
    """

    name = "news"

    def __init__(
        self,
        start_urls: str | Iterable[str] | None = None,
        allowed_domains: str | Iterable[str] | None = None,
        max_pages: int | str | None = None,
        feeds: str | Iterable[str] | None = None,
        sitemaps: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.feeds = _split_arg(feeds)
        self.sitemaps = _split_arg(sitemaps)
        self.max_age: timedelta | None = None
        self.sitemaps_from_robots = True
        self.robots_reads = []
        self.discover_feeds = True
        self.start_urls = _split_arg(start_urls)
        self._declared_domains = _split_arg(allowed_domains)
        self.allowed_domains: list[str] = []
        self.scope = Scope([])
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        self.pages_requested = 0
        self.seen = SeenSet()  # canonical URLs requested this run, on disk
        self.followup: FollowupQueue | None = None
        self.state: CrawlState | None = None
        self.articles_this_run = SeenSet()  # rel=canonical keys of rows written
        self.run_started_at = utc_iso_seconds(datetime.now(UTC))
        self.follow_teasers = True
        self.live_blog: list[re.Pattern[str]] = []
        self.output_lock: OutputLock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # One crawl per output directory however it was started (``scrapy crawl``
        # too): taken first, before the state or any output is opened, and let go
        # when the engine has stopped and every output is closed (crawler/lock.py).
        spider.output_lock = OutputLock(OutputLayout.from_settings(settings).root)
        spider.output_lock.acquire()  # OutputLocked: the crawl does not start
        crawler.signals.connect(spider.output_lock.release, signal=signals.engine_stopped)
        if spider.max_pages is None:
            spider.max_pages = settings.getint("NEWSCRAWL_MAX_PAGES") or None
        spider.follow_teasers = settings.getbool("NEWSCRAWL_FOLLOW_TEASERS", True)
        state_path = OutputLayout.from_settings(settings).state_path
        if settings.getbool("NEWSCRAWL_QUEUE_ENABLED", True):
            spider.followup = FollowupQueue(state_path)
        if settings.getbool("NEWSCRAWL_INCREMENTAL", True):
            spider.state = CrawlState(state_path)
        spider.live_blog = [re.compile(p) for p in settings.getlist("NEWSCRAWL_LIVE_BLOG_PATTERNS")]
        spider.feeds += settings.getlist("NEWSCRAWL_FEEDS")
        spider.sitemaps += settings.getlist("NEWSCRAWL_SITEMAPS")
        max_age_days = settings.getfloat("NEWSCRAWL_MAX_AGE_DAYS", 7)
        spider.max_age = timedelta(days=max_age_days) if max_age_days > 0 else None
        spider.sitemaps_from_robots = settings.getbool("NEWSCRAWL_SITEMAPS_FROM_ROBOTS", True)
        spider.discover_feeds = settings.getbool("NEWSCRAWL_DISCOVER_FEEDS", True)
        entry_points = [*spider.start_urls, *spider.feeds, *spider.sitemaps]
        if not entry_points:
            raise ValueError("NewsSpider needs start_urls, feeds or sitemaps (-a start_urls=URL)")
        domains = spider._declared_domains or [host_of(u) for u in entry_points]
        spider.allowed_domains = sorted(set(domains))
        spider.scope = Scope(spider.allowed_domains)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            request = self._request(url, meta={"newscrawl_start": True})
            if request is not None:
                yield request
        for request in self.discovery_url_requests([*self.feeds, *self.sitemaps]):
            yield request
        for request in self.robots_sitemap_requests(
            [*self.start_urls, *self.feeds, *self.sitemaps]
        ):
            yield request
        # Sitemaps name the newest articles: they get the page budget (--max-pages)
        # before the older frontier. Every request to a host waits for its
        # robots.txt anyway, and the start URLs are already on their way.
        await self.robots_sitemaps_read()
        if self.state is not None and self.live_blog:
            for url in self.state.article_urls():  # live blogs change: ask again every run
                if url in self.scope and is_live_blog(url, self.live_blog):
                    request = self._request(url, priority=TEASER_PRIORITY)
                    if request is not None:
                        yield request
        for request in self._frontier_requests():
            yield request

    def _frontier_requests(self) -> Iterator[Request]:
        """The frontier of earlier runs (and of a crashed one): newest first."""
        if self.followup is None:
            return
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
        callback: Any = None,
        key: str | None = None,
    ) -> Request | None:
        """A Request for a URL worth fetching, or None.

        None for a URL seen in this run, over the page limit, or an article
        archived by an earlier run (articles are fetched once, unless ``force``
        or a live-blog pattern says otherwise). Pages fetched before are asked
        with their validators, so an unchanged one costs a 304, except start
        URLs: a 304 has no links to follow, and an unchanged home page must not
        hide the sections below it that did change. ``key`` is the URL's
        canonical form, when already known.
        """
        key = key or canonical(url)
        if key in self.seen:
            return None
        meta = meta or {}
        start = bool(meta.get("newscrawl_start"))
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
        if (  # a listing reached by a link: ask again only once it is due
            known is not None
            and callback is None
            and not start
            and known.next_due_at is not None
            and known.next_due_at > self.run_started_at
        ):
            self.seen.add(key)
            self.crawler.stats.inc_value("newscrawl/incremental/not_due")
            return None
        if self.max_pages is not None and self.pages_requested >= self.max_pages:
            self.crawler.stats.inc_value("newscrawl/links/over_limit")
            return None
        self.seen.add(key)
        self.pages_requested += 1
        return Request(
            url,
            callback=callback or self.parse,
            errback=self.on_error,
            priority=priority,
            meta=meta,
            headers={} if start else conditional_headers(known),
        )

    def _follow(self, prepared: PreparedPage) -> Iterator[Request]:
        """Requests for the page's new in-scope links, teasers first.

        The extraction worker already kept each distinct in-scope page link
        once, with its canonical form, and left out those it sent with an
        earlier page (``prepare_in_worker``): here only the seen-set and the state
        decide.
        """
        seen = self.seen
        for url, key, priority in prepared.follow:
            if key in seen:
                continue
            request = self._request(url, priority=priority, key=key)
            if request is not None:
                yield request

    # -- responses -----------------------------------------------------------

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        stats.inc_value("newscrawl/pages")
        if response.meta.get("newscrawl_start"):
            stats.inc_value("newscrawl/start_urls/ok")
        if isinstance(response, XmlResponse) or looks_like_sitemap(response.body[:2048]):
            async for output in self.parse_discovery(response):  # a feed or sitemap link
                yield output
            return
        if response.status == 304:
            stats.inc_value("newscrawl/incremental/not_modified")
            yield fetched_page(response, "unchanged")
            return
        problem = self._problem(response)
        if problem is not None:
            record_error(stats, *problem)
            yield fetched_page(response, "error")
            return
        assert isinstance(response, TextResponse)  # _problem() ruled the rest out
        text, clean = decode_html(response)
        if not clean:
            record_error(stats, "charset", response.url, f"does not decode as {response.encoding}")
        fetched_at = fetched_at_of(response)
        pool = self.crawler.get_extension(ExtractionPool)  # None: extract inline
        domains = tuple(self.scope.domains)
        try:
            if pool is not None:
                prepared = await pool.prepare(
                    text, response.url, fetched_at, domains, self.follow_teasers
                )
            else:
                prepared = prepare_page(
                    text, response.url, fetched_at, domains, self.follow_teasers
                )
        except Exception as exc:  # extraction is best effort; the page is archived anyway
            record_error(stats, "extraction", response.url, repr(exc))
            yield fetched_page(response, "error")
            return
        page = prepared.page
        version = None
        kind = page.page_type
        if page.page_type == "article" and page.body:
            stats.inc_value("newscrawl/articles")
            article = self._article(response, page)
            if article is not None:
                version = article.version
                yield article
        elif page.page_type == "article":  # an article whose text did not come out
            record_error(stats, "extraction", response.url, "an article page with no body text")
            kind = "error"  # not a finished article: fetched again next run
        links = page_links(response, page.page_type, list(page.links), list(page.teasers))
        links.followable, links.payload = prepared.followable, prepared.payload
        yield links
        if self.discover_feeds and response.meta.get("newscrawl_start"):
            for request in self.discovery_url_requests(feed_urls_in_html(text, response.url)):
                yield request
        yield fetched_page(response, kind, page=page, version=version)
        for request in self._follow(prepared):
            yield request

    @staticmethod
    def _problem(response: Response) -> tuple[str, str, str] | None:
        """Why a response cannot be extracted (error kind, url, detail), or None."""
        if "dataloss" in response.flags:
            return "truncated", response.url, "body shorter than announced"
        if INCOMPLETE_CODING in response.flags:
            return "truncated", response.url, "the compressed body ends early or does not decode"
        if response.status >= 400:
            return "http_status", response.url, f"HTTP {response.status}"
        if not isinstance(response, TextResponse):
            return "not_html", response.url, "not a text response"
        if _is_plain_text(response):
            return "not_html", response.url, "plain text, not an HTML page"
        if looks_binary(response.body, response.encoding):
            return "binary_body", response.url, "binary bytes under a text type"
        return None

    def _known_version(self, url: str, canonical_url: str | None) -> PageState | None:
        """The archived version of this article, by its URL or its rel=canonical."""
        if self.state is None:
            return None
        for candidate in (url, canonical_url):
            if not candidate:
                continue
            known = self.state.get(canonical(candidate))
            if known is not None and known.body is None and known.url != candidate:
                known = self.state.get(canonical(known.url))  # an alias: its main record
            if known is not None and known.body is not None:
                return known
        return None

    def _article(self, response: Response, page: ExtractedPage) -> ArticleItem | None:
        """The JSONL row: a first capture, a new version, or None when unchanged."""
        stats = self.crawler.stats
        key = canonical(page.canonical_url or response.url)
        if key in self.articles_this_run:  # the same article under another URL
            stats.inc_value("newscrawl/incremental/duplicate")
            return None
        self.articles_this_run.add(key)
        known = self._known_version(response.url, page.canonical_url)
        if known is None or not known.is_archived_article or known.body is None:
            stats.inc_value("newscrawl/incremental/new")
            return article_item(response, page, crawl_id=crawl_id_of(self.crawler))
        if body_digest(page.body) == known.body_digest and page.title == known.title:
            stats.inc_value("newscrawl/incremental/unchanged")
            return None
        stats.inc_value("newscrawl/incremental/updated")
        return article_item(
            response,
            page,
            crawl_id=crawl_id_of(self.crawler),
            version=known.version + 1,
            previous_digest=known.payload_digest,
            changes=change_summary(known.title, page.title, known.body, page.body),
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        stats = self.crawler.stats
        if request.meta.get("newscrawl_start"):
            stats.inc_value("newscrawl/start_urls/failed")
            stats.set_value("newscrawl/start_urls/last_error", f"{request.url}: {failure.value}")
        if failure.check(RobotsUnreachable):
            # the host could not be asked: a download error, and the URL stays
            # pending on the follow-up queue for the next run (never "blocked")
            record_error(stats, "download", request.url, str(failure.value))
            return
        if failure.check(IgnoreRequest):
            message = str(failure.value)
            if "robots.txt" in message.lower():
                stats.inc_value("newscrawl/robots_blocked")
                if self.followup is not None:
                    self.followup.mark_done([request.url], state="blocked")
            elif "redirections" in message:
                record_error(stats, "redirect_loop", request.url, message)
                self._redirect_failed(request)
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
            self._redirect_failed(request)
        elif sources and self.followup is not None:
            self.followup.mark_done(sources, status=None)

    def _redirect_failed(self, request: Request) -> None:
        """A redirect loop: every URL of the chain leaves the follow-up queue as
        failed, or the next run would walk the same loop (and count it) again."""
        if self.followup is not None:
            chain = [*request.meta.get("redirect_urls", []), request.url]
            self.followup.mark_done(dict.fromkeys(chain), state="failed")

    def _closed(self) -> None:
        self.seen.close()
        self.articles_this_run.close()
        if self.state is not None:
            self.state.close()
        if self.followup is not None:
            self.crawler.stats.set_value("newscrawl/queue/pending", self.followup.count_pending())
            self.followup.close()
