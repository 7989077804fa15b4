"""Extraction off the reactor: a process pool the spider awaits, with back-pressure.

A crawl is CPU-bound on extraction (lxml parsing, teaser finding, trafilatura:
two thirds of the crawl process's CPU in a profile), and Scrapy's reactor runs
on one core. This extension owns ``NEWSCRAWL_EXTRACTION_WORKERS`` worker
processes (default: one per core), taken on ``spider_opened`` and stopped on
``spider_closed``; the spider's ``parse`` awaits ``ExtractionPool.prepare``
for each page, so the reactor keeps downloading, archiving and writing while
the workers extract.

- Each worker has a pipe for calls and one for answers, and the event loop
  itself watches them (non-blocking, ``add_reader``/``add_writer``): no helper
  threads. The stdlib's ``ProcessPoolExecutor`` keeps two in the crawl
  process, and their wake-ups and hand-offs cost more CPU than the pickling.
  A call goes to the worker with the fewest calls waiting.

- Back-pressure: at most ``NEWSCRAWL_EXTRACTION_MAX_IN_FLIGHT`` pages are
  submitted at a time (an ``asyncio.Semaphore``), so the workers' pipes never
  fill up without bound; pages waiting for a slot keep their callbacks open,
  which fills Scrapy's scraper slot (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) and makes
  the engine stop downloading until the workers catch up.
- A worker that dies (segfault, OOM kill) is replaced by a new one, and each
  page that was in flight on it is retried once; a page that fails again
  raises ``ExtractionFailed``, which the spider records as an ``extraction``
  error. A page that takes over ``NEWSCRAWL_EXTRACTION_TIMEOUT`` seconds gets
  its worker killed (and replaced) and fails at once. The crawl goes on.
- Workers are fresh interpreters running ``crawler/extraction_worker.py``
  (``crawler/worker_process.py`` holds them), not ``fork``s (the crawl process
  has threads by the time the spider opens) and not ``multiprocessing``
  spawns, which re-import ``crawler.cli`` and Scrapy in each worker: a worker
  starts in ~0.25 s of CPU instead of ~0.9 s, then warms up (~0.3 s). The
  command line starts them before it imports Scrapy, and the pool adopts them.
- Only extraction moves: WARC and JSON Lines are still written by the crawl
  process, in order, as before. ``extract_page`` already parses each page once
  for links, teasers and text, so the links come back with the page.
- The crawl runs ``prepare_in_worker`` in the workers: ``extract_page`` plus
  what the crawl process would otherwise do per link (scope and asset checks,
  canonical forms, each link to follow sent once) and the JSON body of the
  page's links metadata record, so the reactor process only checks its
  seen-set and writes bytes.

``NEWSCRAWL_EXTRACTION_WORKERS=0`` switches the extension off
(``NotConfigured``); the spider then extracts inline in the reactor process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.extracted_page import ExtractedPage
from crawler.extraction_worker import PreparedPage, prepare_in_worker, prepared_from
from crawler.worker_process import (
    PIPE_BYTES,
    WorkerProcess,
    default_workers,
    frame,
    take_spares,
)

logger = logging.getLogger(__name__)

Extractor: TypeAlias = Callable[[str | bytes, str, datetime], ExtractedPage]
T = TypeVar("T")
ATTEMPTS = 2  # a page whose worker died is retried once on a fresh pool


class ExtractionFailed(Exception):
    """A page could not be extracted because its worker process died (twice)."""


class WorkerDied(Exception):
    """The worker running a call exited (or was killed) before answering."""


class ExtractionPool:
    """Scrapy extension: a bounded process pool for ``prepare_in_worker`` (see the module)."""

    def __init__(
        self,
        workers: int,
        max_in_flight: int = 0,
        stats: Any = None,
        *,
        extract: Extractor | None = None,
        timeout: float = 60.0,
    ) -> None:
        """``extract`` (default ``extract_page``) runs in the workers: a module-level
        function, pickled by name. The default is imported only when ``extract`` is
        called: the crawl's own path (``prepare``) leaves the extraction stack to
        the workers, so this process never imports trafilatura."""
        if workers < 1:
            raise ValueError(f"workers ({workers}) must be at least 1")
        self.workers = workers
        self.max_in_flight = max_in_flight if max_in_flight > 0 else 8 * workers
        self.stats = stats
        self._extract = extract
        self.timeout = timeout  # seconds one page may take before its worker is killed
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._workers: list[WorkerProcess] = []
        self._closed = False
        self._read_buffer = memoryview(bytearray(PIPE_BYTES))

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
        """Start the workers (they import the extraction modules before the first page).

        Workers the command line started early (``start_spares``) are taken first.
        """
        self._closed = False
        self._workers += take_spares(self.workers - len(self._workers))
        while len(self._workers) < self.workers:
            self._workers.append(WorkerProcess())
        if self.stats is not None:
            self.stats.set_value("newscrawl/extraction/workers", self.workers)
        logger.info("Extraction pool: %d worker processes", self.workers)

    def close(self) -> None:
        """Stop the workers; nothing is in flight once the spider closes."""
        self._closed = True
        workers, self._workers = self._workers, []
        for worker in workers:  # all hang up first: the workers exit side by side
            worker.hang_up()
        for worker in workers:
            worker.reap()
            self._fail(worker, ExtractionFailed("the extraction pool is closed"))

    def _replace(self, worker: WorkerProcess, *, kill: bool = False) -> None:
        """A worker died (or hangs, ``kill``): fail its calls, start another in its place."""
        if worker.dead:
            return
        worker.close(kill=kill)
        self._fail(worker, WorkerDied(f"extraction worker {worker.process.pid} died"))
        if self._closed or worker not in self._workers:
            return
        self._workers[self._workers.index(worker)] = WorkerProcess()
        if self.stats is not None:
            self.stats.inc_value("newscrawl/extraction/pool_restarts")
        logger.warning("An extraction worker died; started a new one")

    @staticmethod
    def _fail(worker: WorkerProcess, exc: Exception) -> None:
        while worker.calls:
            future = worker.calls.popleft()
            if not future.done():
                future.set_exception(exc)

    # -- the pipes ------------------------------------------------------------------

    def _attach(self, worker: WorkerProcess, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the worker's results on ``loop`` (a test may run several loops in turn)."""
        if worker.loop is loop:
            return
        worker.detach()
        worker.loop = loop
        loop.add_reader(worker.recv_fd, self._on_readable, worker)
        if worker.outgoing:
            worker.writing = True
            loop.add_writer(worker.send_fd, self._on_writable, worker)

    def _on_readable(self, worker: WorkerProcess) -> None:
        view = self._read_buffer  # reused: os.read would allocate 1 MiB each time
        try:
            while True:
                size = os.readv(worker.recv_fd, [view])
                if not size:  # EOF: the worker is gone
                    self._answer(worker)
                    self._replace(worker)
                    return
                worker.incoming += view[:size]
                if size < len(view):
                    break
        except BlockingIOError:
            pass
        except OSError:
            self._replace(worker)
            return
        self._answer(worker)

    def _answer(self, worker: WorkerProcess) -> None:
        """Settle the calls whose whole answers have arrived, oldest first."""
        buf = worker.incoming
        while len(buf) >= 4:
            (size,) = struct.unpack_from("!i", buf)
            start = 4
            if size == -1:
                if len(buf) < 12:
                    return
                (size,) = struct.unpack_from("!Q", buf, 4)
                start = 12
            if len(buf) < start + size:
                return
            data = bytes(buf[start : start + size])
            del buf[: start + size]
            future = worker.calls.popleft()
            if future.done():  # timed out or cancelled meanwhile
                continue
            try:
                ok, value = pickle.loads(data)  # noqa: S301 - our own worker's answer
            except Exception as exc:
                future.set_exception(exc)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _on_writable(self, worker: WorkerProcess) -> None:
        self._flush(worker)

    def _flush(self, worker: WorkerProcess) -> None:
        """Write what the pipe takes; wait for the loop to say when it takes more."""
        try:
            while worker.outgoing:
                sent = os.write(worker.send_fd, worker.outgoing)
                del worker.outgoing[:sent]
        except BlockingIOError:
            pass
        except OSError:
            self._replace(worker)
            return
        loop = worker.loop
        if loop is None:
            return
        if worker.outgoing and not worker.writing:
            worker.writing = True
            loop.add_writer(worker.send_fd, self._on_writable, worker)
        elif not worker.outgoing and worker.writing:
            worker.writing = False
            loop.remove_writer(worker.send_fd)

    # -- work ---------------------------------------------------------------------

    def _submit(
        self, html: str | bytes, url: str, fetched_at: datetime
    ) -> asyncio.Future[ExtractedPage]:
        if self._extract is not None:
            return self._submit_call(self._extract, html, url, fetched_at)
        from crawler.extraction import extract_page

        return self._submit_call(extract_page, html, url, fetched_at)

    def _submit_call(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Send ``fn(*args)`` to the least busy worker; the future settles on its answer."""
        if not self._workers:
            if self._closed:
                raise ExtractionFailed("the extraction pool is closed")
            self.open()
        loop = asyncio.get_running_loop()
        worker = min(self._workers, key=lambda w: len(w.calls))
        self._attach(worker, loop)
        future: asyncio.Future[T] = loop.create_future()
        worker.calls.append(future)
        worker.outgoing += frame(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
        self._flush(worker)
        return future

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
        """``prepare_in_worker`` in a worker (what the spider awaits); same slots and retries."""
        if self._extract is not None:  # a custom extractor (tests): links made here
            page = await self.extract(html, url, fetched_at)
            return prepared_from(page, domains, follow_teasers)
        return await self._run(
            lambda: self._submit_call(
                prepare_in_worker, html, url, fetched_at, domains, follow_teasers
            )
        )

    async def _run(self, submit: Callable[[], asyncio.Future[T]]) -> T:
        async with self._slots:
            for attempt in range(1, ATTEMPTS + 1):
                future = submit()
                try:
                    return await asyncio.wait_for(future, self.timeout)
                except TimeoutError as exc:
                    # A page that hangs its worker (pathological markup): kill that
                    # worker and start another; the pages queued behind it on the
                    # same worker are retried by the WorkerDied path.
                    for worker in list(self._workers):
                        if future in worker.calls:
                            self._replace(worker, kill=True)
                    raise ExtractionFailed(f"extraction took over {self.timeout:g}s") from exc
                except WorkerDied as exc:
                    if attempt == ATTEMPTS:
                        raise ExtractionFailed(f"extraction worker died: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover
