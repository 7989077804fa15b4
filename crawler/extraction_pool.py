"""Extraction off the reactor: a process pool the spider awaits, with back-pressure.

A crawl is CPU-bound on extraction (lxml parsing, teaser finding, trafilatura:
two thirds of the crawl process's CPU in a profile), and Scrapy's reactor runs
on one core. This extension owns a ``ProcessPoolExecutor`` of
``NEWSCRAWL_EXTRACTION_WORKERS`` processes (default: one per core), created on
``spider_opened`` and shut down on ``spider_closed``; the spider's ``parse``
awaits ``ExtractionPool.extract`` for each page, so the reactor keeps
downloading, archiving and writing while the workers extract.

- Back-pressure: at most ``NEWSCRAWL_EXTRACTION_MAX_IN_FLIGHT`` pages are
  submitted at a time (an ``asyncio.Semaphore``), so the executor's queue never
  grows without bound; pages waiting for a slot keep their callbacks open,
  which fills Scrapy's scraper slot (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) and makes
  the engine stop downloading until the workers catch up.
- A worker that dies (segfault, OOM kill) breaks the whole executor: the pool
  is replaced and each page that was in flight is retried once on the new
  pool; a page that fails again raises ``ExtractionFailed``, which the spider
  records as an ``extraction`` error. The crawl goes on.
- Workers are started with ``spawn``, not ``fork``: the crawl process has
  threads (Twisted's thread pool, SQLite) by the time the spider opens.
- Only extraction moves: WARC and JSON Lines are still written by the crawl
  process, in order, as before. ``extract_page`` already parses each page once
  for links, teasers and text, so the links come back with the page.
- The crawl runs ``prepare_page`` in the workers: ``extract_page`` plus what
  the crawl process would otherwise do per link (scope and asset checks,
  canonical forms) and the JSON body of the page's links metadata record, so
  the reactor process only checks its seen-set and writes bytes.

``NEWSCRAWL_EXTRACTION_WORKERS=0`` switches the extension off
(``NotConfigured``); the spider then extracts inline in the reactor process.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from multiprocessing import get_context
from typing import Any, TypeAlias, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.extraction import ExtractedPage, extract_page
from crawler.links import Scope, canonical, is_page_link
from crawler.middlewares.warc_capture import links_record_body

logger = logging.getLogger(__name__)

Extractor: TypeAlias = Callable[[str | bytes, str, datetime], ExtractedPage]
T = TypeVar("T")
ATTEMPTS = 2  # a page whose worker died is retried once on a fresh pool
TEASER_PRIORITY = 10  # teasers are fresh news: fetched before deep listings
LINK_CACHE_SIZE = 8192  # per worker: pages repeat menus, so most links are answered here


@dataclass
class PreparedPage:
    """A page's extraction plus the crawl's per-link work, done in a worker."""

    page: ExtractedPage
    # (url, canonical form, priority) of each distinct in-scope page link,
    # teasers first (with TEASER_PRIORITY when ``follow_teasers``).
    follow: list[tuple[str, str, int]] = field(default_factory=list)
    # The page's outlinks that are in-scope page links, in page order (the queue's).
    followable: list[str] = field(default_factory=list)
    payload: bytes = b""  # JSON body of the links metadata record


@lru_cache(maxsize=LINK_CACHE_SIZE)
def _link_verdict(url: str, domains: tuple[str, ...]) -> str | None:
    """The canonical form of an in-scope page link, None for any other link."""
    if url in Scope(domains) and is_page_link(url):
        return canonical(url)
    return None


def prepare_page(
    html: str | bytes,
    url: str,
    fetched_at: datetime,
    domains: tuple[str, ...],
    follow_teasers: bool = True,
) -> PreparedPage:
    """``extract_page`` and the page's link work for a crawl scoped to ``domains``."""
    return _prepared_from(extract_page(html, url, fetched_at), domains, follow_teasers)


class ExtractionFailed(Exception):
    """A page could not be extracted because its worker process died (twice)."""


def _warm_up() -> int:
    """Run once per worker at start: the imports happen before the first page."""
    return os.getpid()


def default_workers() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    """Terminate an executor's worker processes (the stdlib has no public way)."""
    for process in list(getattr(executor, "_processes", {}).values()):
        process.terminate()


class ExtractionPool:
    """Scrapy extension: a bounded process pool for ``extract_page``."""

    def __init__(
        self,
        workers: int,
        max_in_flight: int = 0,
        stats: Any = None,
        *,
        extract: Extractor = extract_page,
        timeout: float = 60.0,
    ) -> None:
        """``extract`` runs in the workers: a module-level function (it is pickled by name)."""
        if workers < 1:
            raise ValueError(f"workers ({workers}) must be at least 1")
        self.workers = workers
        self.max_in_flight = max_in_flight if max_in_flight > 0 else 2 * workers
        self.stats = stats
        self._extract = extract
        self.timeout = timeout  # seconds one page may take before its worker is killed
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        settings = crawler.settings
        raw = settings.get("NEWSCRAWL_EXTRACTION_WORKERS")
        workers = default_workers() if raw in (None, "") else int(raw)
        if workers == 0:
            raise NotConfigured("NEWSCRAWL_EXTRACTION_WORKERS is 0: extraction runs inline")
        if workers < 0:
            raise NotConfigured(f"NEWSCRAWL_EXTRACTION_WORKERS ({workers}) must be 0 or higher")
        max_in_flight = settings.getint("NEWSCRAWL_EXTRACTION_MAX_IN_FLIGHT")
        timeout = settings.getfloat("NEWSCRAWL_EXTRACTION_TIMEOUT", 60.0)
        if timeout <= 0:
            raise NotConfigured(f"NEWSCRAWL_EXTRACTION_TIMEOUT ({timeout}) must be higher than 0")
        pool = cls(workers, max_in_flight, crawler.stats, timeout=timeout)
        crawler.signals.connect(pool.open, signal=signals.spider_opened)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    # -- life cycle -------------------------------------------------------------

    def open(self) -> None:
        """Start the workers (and their imports) before the first page arrives."""
        self._closed = False
        self._executor = self._new_executor()
        for _ in range(self.workers):
            self._executor.submit(_warm_up)
        if self.stats is not None:
            self.stats.set_value("newscrawl/extraction/workers", self.workers)
        logger.info("Extraction pool: %d worker processes", self.workers)

    def close(self) -> None:
        """Stop the workers; nothing is in flight once the spider closes."""
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Swap a broken executor for a fresh one (once, however many pages saw it break)."""
        if self._executor is not broken or self._closed:
            return
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        if self.stats is not None:
            self.stats.inc_value("newscrawl/extraction/pool_restarts")
        logger.warning("An extraction worker died; started a new pool")

    # -- work ---------------------------------------------------------------------

    def _submit(self, html: str | bytes, url: str, fetched_at: datetime) -> Future[ExtractedPage]:
        return self._submit_call(self._extract, html, url, fetched_at)

    def _submit_call(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._executor is None:
            if self._closed:
                raise ExtractionFailed("the extraction pool is closed")
            self.open()
        assert self._executor is not None
        return self._executor.submit(fn, *args)

    async def extract(self, html: str | bytes, url: str, fetched_at: datetime) -> ExtractedPage:
        """``extract_page`` in a worker; waits for a free slot first (back-pressure)."""
        return await self._run(lambda: self._submit(html, url, fetched_at))

    async def prepare(
        self,
        html: str | bytes,
        url: str,
        fetched_at: datetime,
        domains: tuple[str, ...],
        follow_teasers: bool = True,
    ) -> PreparedPage:
        """``prepare_page`` in a worker (what the spider awaits); same slots and retries."""
        if self._extract is not extract_page:  # a custom extractor (tests): links made here
            page = await self.extract(html, url, fetched_at)
            return _prepared_from(page, domains, follow_teasers)
        return await self._run(
            lambda: self._submit_call(prepare_page, html, url, fetched_at, domains, follow_teasers)
        )

    async def _run(self, submit: Callable[[], Future[T]]) -> T:
        async with self._slots:
            for attempt in range(1, ATTEMPTS + 1):
                executor = self._executor
                future = asyncio.wrap_future(submit())
                try:
                    return await asyncio.wait_for(future, self.timeout)
                except TimeoutError as exc:
                    # A page that hangs its worker (pathological markup): kill the
                    # workers so the pool is usable again; pages that were on the
                    # other workers are retried by the BrokenProcessPool path.
                    if executor is not None:
                        _kill_workers(executor)
                        self._replace(executor)
                    raise ExtractionFailed(f"extraction took over {self.timeout:g}s") from exc
                except BrokenProcessPool as exc:
                    if executor is not None:
                        self._replace(executor)
                    if attempt == ATTEMPTS:
                        raise ExtractionFailed(f"extraction worker died: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover


def _prepared_from(
    page: ExtractedPage, domains: tuple[str, ...], follow_teasers: bool
) -> PreparedPage:
    """What ``prepare_page`` adds to an extraction made some other way."""
    candidates: dict[str, int] = {}
    if follow_teasers:
        candidates.update((t.url, TEASER_PRIORITY) for t in page.teasers)
    for link in page.links:
        candidates.setdefault(link, 0)
    follow = []
    for link, priority in candidates.items():
        key = _link_verdict(link, domains)
        if key is not None:
            follow.append((link, key, priority))
    followable = [link for link in page.links if _link_verdict(link, domains) is not None]
    payload = links_record_body(page.page_type, list(page.links), list(page.teasers))
    return PreparedPage(page, follow, followable, payload)
