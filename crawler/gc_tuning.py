"""Python's cyclic garbage collector, set for a long crawl.

With Python's defaults (a young collection every 700 new containers, full
ones as the heap grows) the crawl process spent ~14% of its CPU collecting:
the heap holds Scrapy, Twisted, lxml and trafilatura's module objects, and
every pass walked them again. Nearly all of a crawl's garbage is freed by
reference counting as soon as a page is done, so collecting rarely loses
little memory; and what is alive once the crawl has started (modules,
settings, middlewares) is never garbage, so it is frozen out of every pass.

For the crawl process only: the extraction workers' garbage includes reference
cycles holding lxml trees, and there the same setting cost ~100 MiB a worker.
"""

from __future__ import annotations

import gc

DEFAULT_THRESHOLD = 50_000  # new containers between young collections (Python's: 700)


def tune_gc(threshold: int = DEFAULT_THRESHOLD) -> tuple[int, int, int] | None:
    """Freeze what is alive now and collect every ``threshold`` new containers.

    Returns the thresholds it replaced, for ``restore_gc``; ``threshold`` 0
    (or less) leaves Python's collector as it is and returns None.
    """
    if threshold <= 0:
        return None
    before = gc.get_threshold()
    gc.collect()  # start-up garbage is freed, not frozen
    gc.freeze()
    gc.set_threshold(threshold, before[1] * 2, before[2])
    return before


def restore_gc(before: tuple[int, int, int]) -> None:
    """Undo ``tune_gc``: what it froze can be collected again once it is garbage."""
    gc.unfreeze()
    gc.set_threshold(*before)
