"""The run's seen-set and dupefilter on disk: the same answers as a Python set, bounded memory."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from crawler.dupefilter import DiskDupeFilter
from crawler.seen_set import SeenSet

_KEYS = st.one_of(st.text(max_size=40), st.binary(max_size=24))


@given(st.lists(st.tuples(st.booleans(), _KEYS), max_size=200), st.integers(2, 16))
def test_answers_as_a_set_does(ops: list[tuple[bool, str | bytes]], cache_keys: int) -> None:
    seen, reference = SeenSet(cache_keys=cache_keys), set()
    try:
        for add, key in ops:
            if add:
                seen.add(key)
                reference.add(key)
            else:
                assert (key in seen) == (key in reference)
        assert len(seen) == len(reference)
        assert all(key in seen for key in reference)
    finally:
        seen.close()


def test_memory_holds_only_the_recent_keys() -> None:
    seen = SeenSet(cache_keys=100)
    keys = [f"https://news.example/world/{n}/" for n in range(5_000)]
    for key in keys:
        seen.add(key)
    assert len(seen) == 5_000
    assert len(seen._recent) + len(seen._older) <= 100
    sample = random.Random(7).sample(keys, 200)
    assert all(key in seen for key in sample)  # evicted keys are answered from disk
    assert "https://news.example/world/5000/" not in seen
    assert b"https://news.example/world/5000/" not in seen
    assert 12 not in seen  # not a key type: never seen
    seen.close()


def test_dupefilter_drops_what_scrapys_drops() -> None:
    urls = [f"https://news.example/{n % 37}/?a={n % 5}" for n in range(300)]
    ours, scrapys = DiskDupeFilter(), RFPDupeFilter()
    try:
        for url in urls:
            request = Request(url)
            assert ours.request_seen(request) == scrapys.request_seen(request)
        assert isinstance(ours._fingerprints, SeenSet)
    finally:
        ours.close("finished")
        scrapys.close("finished")


def test_dupefilter_with_jobdir_keeps_scrapys_file(tmp_path) -> None:
    first = DiskDupeFilter(str(tmp_path))
    assert not first.request_seen(Request("https://news.example/a"))
    first.close("shutdown")
    resumed = DiskDupeFilter(str(tmp_path))
    assert resumed.request_seen(Request("https://news.example/a"))  # read back from requests.seen
    resumed.close("finished")
