"""Speed-ups in the extraction worker's link work give the same answers as the code they replaced.

Each test keeps the replaced, simpler form as the reference and checks the
faster one against it on generated input.
"""

from __future__ import annotations

import inspect
import json
import pickle
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction import ExtractedPage
from crawler.extraction_worker import TEASER_PRIORITY, PreparedPage, dump_answer, prepared_from
from crawler.items import Teaser
from crawler.links import (
    _ASSET_SUFFIXES,
    _CANONICAL_AS_IS,
    Scope,
    canonical,
    canonical_by_w3lib,
    host_of,
    is_page_link,
)
from crawler.links_record import TEASER_FIELDS, links_record_body
from crawler.plain import as_plain


def _reference_body(
    page_type: str, outlinks: list[str], teasers: list[Any], entries: Any = None
) -> bytes:
    """links_record_body as it was: as_plain copies, then json.dumps (compact, as orjson)."""

    def value(v: object) -> str:
        return v.isoformat() if isinstance(v, datetime) else str(v)

    fields: dict[str, Any] = {
        "page_type": page_type,
        "outlinks": outlinks,
        "teasers": as_plain(teasers),
    }
    if entries:
        fields["entries"] = entries
    compact = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=value)
    return compact.encode("utf-8")


_TEXTS = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(['a"b\\', "é’\u2028", "\x00"]))
_URLS = st.builds(
    "{}{}{}".format,
    st.sampled_from(["http://news.example", "https://www.news.example", "http://other.example"]),
    st.sampled_from(["", "/", "/a", "/a/b.jpg", "/world/story-1", "/p?utm_source=x&b=1"]),
    st.sampled_from(["", "#top", "?page=2"]),
)
_TEASERS = st.builds(
    Teaser, url=_URLS, headline=st.text(max_size=8), excerpt=_TEXTS, relative_time=_TEXTS,
    published_at=_TEXTS, block=_TEXTS,
)  # fmt: skip


@dataclass
class _Nested:
    when: datetime


def _odd_teaser(url: str) -> Teaser:
    """A teaser whose fields hold what the type hints rule out: as_plain converts them."""
    teaser = Teaser(url, "h")
    teaser.excerpt = _Nested(datetime(2024, 5, 1, tzinfo=UTC))  # type: ignore[assignment]
    teaser.block = [datetime(2024, 5, 2, tzinfo=UTC)]  # type: ignore[assignment]
    return teaser


@settings(max_examples=300, deadline=None)
@given(
    page_type=st.sampled_from(["article", "listing", "other"]),
    outlinks=st.lists(_URLS, max_size=6),
    teasers=st.lists(st.one_of(_TEASERS, _URLS.map(_odd_teaser)), max_size=5),
    entries=st.one_of(st.none(), st.lists(st.fixed_dictionaries({"url": _URLS}), max_size=2)),
)
def test_links_record_body_as_with_as_plain(
    page_type: str, outlinks: list[str], teasers: list[Teaser], entries: Any
) -> None:
    expected = _reference_body(page_type, outlinks, teasers, entries)
    assert links_record_body(page_type, outlinks, teasers, entries) == expected


def _reference_prepared(
    page: ExtractedPage, domains: tuple[str, ...], follow_teasers: bool
) -> PreparedPage:
    """prepared_from as it was: one loop over the links, a Scope built a link."""

    def verdict(url: str) -> str | None:
        return canonical(url) if url in Scope(domains) and is_page_link(url) else None

    verdicts = {link: verdict(link) for link in page.links}
    teasers: dict[str, None] = {}
    if follow_teasers:
        teasers = dict.fromkeys(t.url for t in page.teasers)
        for url in teasers:
            if url not in verdicts:
                verdicts[url] = verdict(url)
    follow = []
    for link in [*teasers, *(link for link in verdicts if link not in teasers)]:
        key = verdicts[link]
        if key is not None:
            priority = TEASER_PRIORITY if link in teasers else 0
            follow.append((link, link if key == link else key, priority))
    followable = [link for link in page.links if verdicts[link] is not None]
    payload = _reference_body(page.page_type, list(page.links), list(page.teasers))
    return PreparedPage(page, follow, followable, payload)


@settings(max_examples=300, deadline=None)
@given(
    links=st.lists(_URLS, max_size=8),
    teasers=st.lists(_TEASERS, max_size=4),
    domains=st.sampled_from([("news.example",), ("other.example", "NEWS.example."), ()]),
    follow_teasers=st.booleans(),
)
def test_prepared_from_as_the_single_loop(
    links: list[str], teasers: list[Teaser], domains: tuple[str, ...], follow_teasers: bool
) -> None:
    page = ExtractedPage(page_type="listing", links=links, teasers=teasers)
    answer = prepared_from(page, domains, follow_teasers)
    assert answer == _reference_prepared(page, domains, follow_teasers)
    assert pickle.loads(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)) == answer


@settings(max_examples=500, deadline=None)
@given(
    url=st.one_of(_URLS, st.text(alphabet="htps:/.ex[]@", max_size=16)),
    domains=st.lists(st.sampled_from(["news.example", ".example.", "EX", "", "."]), max_size=3),
)
def test_scope_as_the_loop_over_domains(url: str, domains: list[str]) -> None:
    scope = Scope(domains)
    host = host_of(url)
    assert (url in scope) == any(host == d or host.endswith("." + d) for d in scope.domains)


_URL_PIECES = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", " http://", "http:"]),
    st.sampled_from(["ex.com", "EX.com", "a-b.ex.com", "1.2.3.4", "ex..com", "[::1]", "é.com"]),
    st.sampled_from(["", ":1", ":80", ":080", ":41409", ":65535", ":65536", ":99999", ":"]),
    st.text(alphabet="/aZ09.-_~%;:@é \t", max_size=12),
    st.sampled_from(["", "?", "?b=1&a=2", "#f", "?utm_source=x"]),
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_URL_PIECES, st.from_regex(_CANONICAL_AS_IS, fullmatch=True)))
def test_canonical_as_through_w3lib(url: str) -> None:
    """URLs that are their own canonical form are answered without w3lib, and alike."""
    assert canonical.__wrapped__(url) == canonical_by_w3lib(url)


def _reference_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _reference_page_link(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and not parts.path.lower().endswith(_ASSET_SUFFIXES)


_SPLIT_URLS = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", " http://", "http:/", "//"]),
    st.text(alphabet="aZ09.-@[]:é\t", max_size=8),
    st.sampled_from(["", ":1", ":80x", ":"]),
    st.text(alphabet="/aZ.JPGpg?#%\t\r\n\\", max_size=12),
    st.sampled_from(["", "?q=1", "#f"]),
)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_SPLIT_URLS, _URLS))
def test_host_and_page_link_as_with_urlsplit(url: str) -> None:
    """Plain http(s) URLs are read by a regex, as urlsplit reads them."""
    assert host_of(url) == _reference_host(url)
    assert is_page_link(url) == _reference_page_link(url)


def test_teaser_fields_are_its_init_parameters() -> None:
    """dump_answer pickles a teaser as Teaser(*TEASER_FIELDS values)."""
    assert all(f.init and not f.kw_only for f in fields(Teaser))
    assert tuple(inspect.signature(Teaser).parameters) == TEASER_FIELDS


@settings(max_examples=200, deadline=None)
@given(teasers=st.lists(_TEASERS, max_size=4), odd=st.booleans())
def test_dump_answer_loads_as_pickle_dumps(teasers: list[Teaser], odd: bool) -> None:
    """The answer loads equal, teasers with the same attributes (an extra one kept too)."""
    if odd and teasers:
        teasers[0].extra = 1  # type: ignore[attr-defined]
    answer = (True, PreparedPage(ExtractedPage(page_type="listing", teasers=teasers)))
    loaded = pickle.loads(dump_answer(answer))
    assert loaded == pickle.loads(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    assert [vars(t) for t in loaded[1].page.teasers] == [vars(t) for t in teasers]
