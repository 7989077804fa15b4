"""The garbage collector settings a crawl runs with (crawler/gc_tuning.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extensions.gc_tuning import GcTuningExtension
from crawler.gc_tuning import restore_gc, tune_gc


@pytest.fixture(autouse=True)
def _python_defaults_back() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tuning_freezes_the_heap_and_spaces_collections_out() -> None:
    before = gc.get_threshold()
    alive = [object()]  # something alive now: frozen out of every collection
    replaced = tune_gc(12_345)
    assert replaced == before
    assert gc.get_threshold()[0] == 12_345
    assert gc.get_freeze_count() > 0
    assert not any(alive is obj for obj in gc.get_objects())  # frozen: not in any generation
    restore_gc(replaced)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_after_tuning_are_still_collected() -> None:
    """Collections come less often, not never: garbage cycles are freed on their own."""
    tune_gc(100)

    class Node:
        other: object = None

    refs = []
    for _ in range(2_000):
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        refs.append(weakref.ref(a))
    del a, b
    assert sum(ref() is None for ref in refs) > 1_500  # no gc.collect() called


def test_zero_leaves_python_alone() -> None:
    before = gc.get_threshold()
    assert tune_gc(0) is None
    assert gc.get_threshold() == before
    with pytest.raises(NotConfigured):
        GcTuningExtension.from_crawler(get_crawler(settings_dict={"NEWSCRAWL_GC_THRESHOLD": 0}))


def test_the_extension_tunes_while_the_engine_runs() -> None:
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"NEWSCRAWL_GC_THRESHOLD": 20_000})
    extension = GcTuningExtension.from_crawler(crawler)
    extension.engine_started()
    assert gc.get_threshold()[0] == 20_000
    extension.engine_stopped()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
