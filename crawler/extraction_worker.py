"""What runs in an extraction worker process, and the worker's main loop.

``python -m crawler.extraction_worker JOBS_FD RESULTS_FD`` is started by
``crawler.extraction_pool``. This module imports no Scrapy and not the
command line: a worker loads only the extraction stack (lxml, trafilatura,
dateparser), ~0.25 s of CPU instead of ~0.9 s for a ``multiprocessing`` spawn,
which re-imports the parent's ``__main__`` (``crawler.cli``) and with it Scrapy.

The wire format is ``multiprocessing.connection``'s (a length, then a pickle):
the first frame is the crawl process's ``sys.path``, then each call is a
pickled ``(fn, args)`` answered by a pickled ``(ok, value)``, in order.

The workers keep Python's garbage collector settings (``crawler.gc_tuning``
is for the crawl process): extraction makes reference cycles that hold lxml
trees, and collecting them less often cost ~100 MiB a worker for ~3% of speed.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import repeat
from multiprocessing.connection import Connection
from operator import attrgetter
from typing import Any

from crawler.extracted_page import ExtractedPage
from crawler.items import Teaser
from crawler.links import Scope, canonical, is_page_link
from crawler.links_record import TEASER_FIELDS, is_plain_teaser, links_record_body

TEASER_PRIORITY = 10  # teasers are fresh news: fetched before deep listings
LINK_CACHE_SIZE = 8192  # per worker: pages repeat menus, so most links are answered here
PROPOSED_KEYS = 32768  # per worker: links already sent in a ``follow``, not sent again


@dataclass
class PreparedPage:
    """A page's extraction plus the crawl's per-link work, done in a worker."""

    page: ExtractedPage
    # (url, canonical form, priority) of each distinct in-scope page link,
    # teasers first (with TEASER_PRIORITY when ``follow_teasers``); from a
    # worker, only those it has not sent before (``prepare_in_worker``).
    follow: list[tuple[str, str, int]] = field(default_factory=list)
    # The page's outlinks that are in-scope page links, in page order (the queue's).
    followable: list[str] = field(default_factory=list)
    payload: bytes = b""  # JSON body of the links metadata record


@lru_cache(maxsize=16)
def _scope(domains: tuple[str, ...]) -> Scope:
    """The crawl's ``Scope``, built once rather than for every new link."""
    return Scope(domains)


@lru_cache(maxsize=LINK_CACHE_SIZE)
def _link_verdict(url: str, domains: tuple[str, ...]) -> str | None:
    """The canonical form of an in-scope page link, None for any other link."""
    if url in _scope(domains) and is_page_link(url):
        return canonical(url)
    return None


class ProposedLinks:
    """The canonical keys a worker has already sent in a ``PreparedPage.follow``.

    The crawl process decides once per run what a link gets (a request, or
    none: seen, archived, not due, over the page limit; each final for the
    run), so the same link from a later page costs it an unpickling, a loop turn
    and a seen-set lookup for nothing, ~100 times a page (menus, teaser lists).
    A worker therefore sends each link once; the page's ``followable`` (the
    queue's) keeps them all. Two generations of at most ``size // 2`` keys,
    as the seen-set keeps its own: a key forgotten is only sent again.

    Only a worker process uses one (``prepare_in_worker``): a worker serves one
    crawl, where inline extraction may serve several crawls in one process.
    """

    def __init__(self, size: int = PROPOSED_KEYS) -> None:
        self._generation = max(1, size // 2)
        self._recent: set[str] = set()
        self._older: set[str] = set()

    def fresh(self, follow: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
        """The entries of ``follow`` whose key was not sent before; they count as sent."""
        out = []
        for entry in follow:
            key = entry[1]
            if key in self._recent or key in self._older:
                continue
            if len(self._recent) >= self._generation:
                self._older, self._recent = self._recent, set()
            self._recent.add(key)
            out.append(entry)
        return out


_proposed = ProposedLinks()  # this worker's (only ``prepare_in_worker`` reads it)


def prepare_page(
    html: str | bytes,
    url: str,
    fetched_at: datetime,
    domains: tuple[str, ...],
    follow_teasers: bool = True,
) -> PreparedPage:
    """``extract_page`` and the page's link work for a crawl scoped to ``domains``.

    The extraction stack is imported on first use (a worker's warm-up), not with
    this module: the crawl process imports it for the types and never extracts.
    """
    from crawler.extraction import extract_page

    return prepared_from(extract_page(html, url, fetched_at), domains, follow_teasers)


def prepared_from(
    page: ExtractedPage, domains: tuple[str, ...], follow_teasers: bool
) -> PreparedPage:
    """What ``prepare_page`` adds to an extraction made some other way."""
    links = page.links
    # Distinct, in order; map() asks the (C) cache with no Python frame for a known link.
    verdicts = dict(zip(links, map(_link_verdict, links, repeat(domains)), strict=True))
    teasers: dict[str, None] = {}
    if follow_teasers:
        teasers = dict.fromkeys([t.url for t in page.teasers])
        for url in teasers:
            if url not in verdicts:  # a teaser URL that is not among the links
                verdicts[url] = _link_verdict(url, domains)
    follow = _to_follow(((url, verdicts[url]) for url in teasers), TEASER_PRIORITY)
    follow += _to_follow(((link, key) for link, key in verdicts.items() if link not in teasers), 0)
    followable = [link for link in links if verdicts[link] is not None]
    payload = links_record_body(page.page_type, links, page.teasers)
    return PreparedPage(page, follow, followable, payload)


def prepare_in_worker(
    html: str | bytes,
    url: str,
    fetched_at: datetime,
    domains: tuple[str, ...],
    follow_teasers: bool = True,
) -> PreparedPage:
    """``prepare_page`` as a crawl's worker answers it: ``follow`` without the links
    it sent with an earlier page (``ProposedLinks``). Recorded last, so a page
    that fails has sent nothing."""
    prepared = prepare_page(html, url, fetched_at, domains, follow_teasers)
    prepared.follow = _proposed.fresh(prepared.follow)
    return prepared


def _to_follow(
    verdicts: Iterable[tuple[str, str | None]], priority: int
) -> list[tuple[str, str, int]]:
    """``PreparedPage.follow`` entries for the in-scope page links among ``verdicts``.

    A canonical form equal to its link is given as the link itself, so the
    answer pickles that string once.
    """
    return [
        (link, link if key == link else key, priority) for link, key in verdicts if key is not None
    ]


# Two small pages whose extraction loads what extraction loads lazily, once per
# process: dateparser's English tables (the teasers' times) and jusText's
# stoplists (trafilatura's rescue for pages it finds little text on). ~0.3 s.
_WARM_UP_PAGES = (
    """<html lang="en"><head><title>Warm-up story - Example News</title>
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Warm-up story",
"datePublished":"2024-05-22T08:00:00Z","author":{"@type":"Person","name":"A. Writer"}}</script>
</head><body><article><h1>Warm-up story</h1><p>By A. Writer, May 22, 2024</p>
<p>The first paragraph of a story long enough to count as body text, in a few sentences.</p>
<p>A second paragraph follows, and it too carries enough words to be kept as article.</p>
</article><aside><h2>Recent Posts</h2><ul>
<li><a href="/world/one">A headline for the first teaser</a><span>8 mins ago</span></li>
<li><a href="/world/two">A headline for the second teaser</a><span>2 hours ago</span></li>
<li><a href="/world/three">A headline for the third teaser</a><span>Yesterday</span></li>
</ul></aside></body></html>""",
    "<html><body><div><p>Short text here.</p></div></body></html>",
)


def warm_up() -> None:
    """Extract the warm-up pages, so the crawl's first pages cost what the others do."""
    from crawler.extraction import extract_page

    now = datetime.now(UTC)
    for page in _WARM_UP_PAGES:
        try:
            extract_page(page, "https://news.invalid/world/warm-up", now)
        except Exception:  # noqa: S112 - a warm-up that fails only costs the time back
            continue


def serve(jobs: Connection, results: Connection) -> None:
    """A worker's loop: a pickled ``(fn, args)`` in, a pickled ``(ok, value)`` out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle
    try:
        path = pickle.loads(jobs.recv_bytes())  # noqa: S301 - from the crawl process
    except (EOFError, OSError):
        return
    sys.path[:] = [*path, *(p for p in sys.path if p not in path)]  # its modules, importable
    warm_up()
    while True:
        try:
            data = jobs.recv_bytes()
        except (EOFError, OSError):
            return  # the crawl process closed the pool (or is gone)
        try:
            fn, args = pickle.loads(data)  # noqa: S301 - from the crawl process that started us
            out: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            out = (False, exc)
        try:
            payload = dump_answer(out)
        except Exception as exc:  # an unpicklable result or exception
            payload = pickle.dumps((False, RuntimeError(f"cannot send the result: {exc!r}")))
        try:
            results.send_bytes(payload)
        except OSError:
            return  # the crawl process is gone


def dump_answer(answer: object) -> bytes:
    """``pickle.dumps(answer)``, with teasers pickled as constructor calls (``_reduce_teaser``)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _ANSWER_DISPATCH
    pickler.dump(answer)
    return buffer.getvalue()


def _reduce_teaser(teaser: Teaser) -> str | tuple[Any, ...]:
    """A teaser as ``Teaser(*its fields)``: ~30 a page, and the crawl process
    loads that ~30% faster than the default (an empty object, then its
    ``__dict__``), which also takes longer to dump. A teaser carrying any other
    attribute is pickled the default way, so nothing is lost."""
    if is_plain_teaser(teaser):
        return Teaser, _teaser_values(teaser)
    return teaser.__reduce_ex__(pickle.HIGHEST_PROTOCOL)


_teaser_values = attrgetter(*TEASER_FIELDS)
# copyreg's table (what pickle.dumps uses) as of import, plus the teasers.
_ANSWER_DISPATCH = {**copyreg.dispatch_table, Teaser: _reduce_teaser}


def main(argv: list[str]) -> None:
    """``JOBS_FD RESULTS_FD``: the two pipe ends the crawl process passed down."""
    jobs_fd, results_fd = (int(arg) for arg in argv)
    serve(Connection(jobs_fd, writable=False), Connection(results_fd, readable=False))
    # Nothing is left to clean up: skip the interpreter's tear-down of every
    # module (~0.3 s, which the crawl waits for when it closes).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    # Run as the imported module, not as __main__: the calls name their
    # functions as ``crawler.extraction_worker.*``, so there is one copy of it.
    from crawler import extraction_worker

    extraction_worker.main(sys.argv[1:])
