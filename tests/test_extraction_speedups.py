"""Speed-ups in the extraction stack give the same answers as the code they replaced.

Each test keeps the replaced, simpler form as the reference and checks the
faster one against it on generated input.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import html

from crawler.extract_clean import _is_notice
from crawler.extract_date import _AFTER, _BEFORE, _pieces
from crawler.extract_html import (
    _CONTROL_BYTES,
    _PARSER,
    HEADINGS,
    _absolute_url,
    absolute_url,
    hinted,
    hints,
    iter_links,
    landmarks,
    page_links,
    parse_html,
    text_of,
)
from crawler.items import Teaser
from crawler.page_signals import _count_cards, _in_chrome
from crawler.reltime import to_utc_iso
from crawler.teasers import (
    TeaserBlock,
    _asides,
    _headline,
    _headline_urls,
    _holds_two_headlines,
    _Labels,
    _PageLinks,
    flatten_teasers,
)

# The notice rule as one searched alternation (before it was split in two).
_NOTICE_LINE_RE = re.compile(
    r"^(?:(?:read|see|watch) (?:more|also)|also (?:read|see)|related|more on this)\s*:\s*\S"
    r"|^click here\b.{0,60}\b(?:app|newsletter|subscribe|e-?paper|sign up|video|podcast|audio)\b"
    r"|^(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{4}|[\w ]{0,40}\d{4}).{0,120}$"
    r"|^.{0,120}\ball rights reserved\W*$"
    r"|\bfor your personal,? non-?commercial use only\b"
    r"|^(?:an error (?:has )?occurred|something went wrong)\b.{0,40}$"
    r"|^(?:write to|contact|e-?mail) [\w.'’ -]{2,80}? at \S+@\S+\.\w+\W*$",
    re.IGNORECASE,
)
_NOTICE_PIECES = [
    "READ MORE:",
    "see also :",
    "Related:",
    "click here",
    "to get the app",
    "Copyright",
    "©",
    "(c)",
    "2024",
    "All rights reserved",
    "for your personal, non-commercial use only",
    "For Your Personal noncommercial use only",
    "an error occurred",
    "Something went wrong",
    "Write to",
    "Jane Doe",
    "at",
    "jane@example.com",
    "the story",
    "x",
    ".",
    " ",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_NOTICE_PIECES), max_size=8).map(" ".join))
def test_notice_lines_as_the_single_pattern(line: str) -> None:
    assert _is_notice(line) == bool(_NOTICE_LINE_RE.search(line))


_BASES = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["http://", "HTTPS://", "ftp://", "//", "", "http:", "mailto:"]),
    st.sampled_from(["ex.com", "Ex.com:8080", "u@ex.com", "[::1]", "[::1", "ex.com:x", ""]),
    st.sampled_from(["", "/", "/a/b.html", "/a/b/", "a/b"]),
    st.sampled_from(["", "?q=1", "#f", "?#"]),
)
_SITE_HREFS = st.text(alphabet="/ab.?#:%\\ -\t\n\r\x0b", max_size=10).map(lambda s: "/" + s)


@settings(max_examples=3000, deadline=None)
@given(href=st.one_of(_SITE_HREFS, st.text(alphabet="/ab.?#: \t", max_size=8)), base=_BASES)
def test_absolute_url_as_against_the_whole_base(href: str, base: str) -> None:
    """Site-relative hrefs are resolved (and cached) against the base's origin alone."""
    assert absolute_url(href, base) == _absolute_url.__wrapped__(href, base)


_DATE_TEXTS = st.sampled_from(
    ["", " ", "x" * 40, "May 5, 2024", "2024-05-05", " 5/6/2024 ", "a" * 300]
)
_NODES = st.recursive(
    st.tuples(st.sampled_from(["p", "span", "nav", "script"]), _DATE_TEXTS, _DATE_TEXTS).map(
        lambda t: f"<{t[0]}>{t[1]}</{t[0]}>{t[2]}"
    ),
    lambda inner: st.lists(inner, max_size=4).map(lambda kids: f"<div>{''.join(kids)}</div>"),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(before=st.lists(_NODES, max_size=4), after=st.lists(_NODES, max_size=6), h1=_DATE_TEXTS)
@example(before=[], after=[f"<p>{'x' * 699}</p><p>y</p>"], h1="")  # ends on the window's edge
def test_date_window_as_with_the_whole_walk(before: list[str], after: list[str], h1: str) -> None:
    """The walk that stops past the window gives the window of the whole walk."""
    root = parse_html(f"<html><body><div>{''.join(before)}<h1>{h1}T</h1>{''.join(after)}</div>")
    assert root is not None
    heading = next(root.iter("h1"))
    scope = heading.getparent()
    windows = []
    for limit in (_AFTER, 10**9):
        pieces, start, end = _pieces(scope, heading, limit)
        windows.append(" ".join(pieces)[max(0, start - _BEFORE) : end + _AFTER])
    assert windows[0] == windows[1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab<p>\x00\x07\x0b\x1f\t\n é€\ufffe\uffff\ud800", max_size=30))
def test_noncharacters_dropped_as_from_the_bytes(text: str) -> None:
    """Deleting U+FFFE/U+FFFF from the text equals deleting their UTF-8 from the bytes."""
    page = f"<html><body><p>{text}</p></body></html>"
    data = page.encode("utf-8", errors="replace").translate(None, _CONTROL_BYTES)
    for bad in ("\ufffe".encode(), "\uffff".encode()):
        data = data.replace(bad, b"")
    expected = html.document_fromstring(data, parser=_PARSER)
    root = parse_html(page)
    assert root is not None
    assert html.tostring(root) == html.tostring(expected)


_ELEMENTS = st.recursive(
    st.sampled_from(["<aside></aside>", '<div role="complementary"></div>', "<p>x</p>", "t"]),
    lambda inner: st.tuples(
        st.sampled_from(["aside", "div", "section"]),
        st.sampled_from(["", ' role="complementary"', ' role="nav"']),
        st.lists(inner, max_size=3),
    ).map(lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>"),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ELEMENTS, max_size=4))
def test_asides_as_the_xpath(body: list[str]) -> None:
    root = parse_html(f"<html><body>{''.join(body)}</body></html>")
    assert root is not None
    assert _asides(root) == root.xpath(".//aside | .//*[@role='complementary']")


_LINKED = st.recursive(
    st.sampled_from(
        [
            '<a href="/a/one-long-headline-here">One long headline here today</a>',
            '<a href="/a/two">Second teaser with a long enough headline</a>',
            '<h3><a href="/a/three">Third headline in a heading here</a></h3>',
            '<h2><a href="/a/five">Fifth headline sitting in a heading</a></h2>',
            '<a href="https://twitter.com/x">Follow us on the social site</a>',
            '<a href="/a/four">Menu</a>',
            "<h3>Related stories</h3>",
            "<p>x</p>",
        ]
    ),
    lambda inner: st.tuples(
        st.sampled_from(["div", "li", "h3", "p"]), st.lists(inner, max_size=4)
    ).map(lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINKED, min_size=1, max_size=4), st.data())
def test_label_index_as_the_subtree_walks(body: list[str], data: st.DataObject) -> None:
    """``_Labels`` answers what walking each element's subtree for labels did."""
    root = parse_html(f"<html><body><div>{''.join(body)}</div></body></html>")
    assert root is not None
    elements = list(root.iter())
    labels = data.draw(st.lists(st.sampled_from(elements), max_size=4))
    index = _Labels(labels)
    for el in elements:
        assert index.holds_any(el) == any(d in set(labels) for d in el.iter())
        for heading in el.iter():
            plain = any(o is not heading and o in set(labels) for o in el.iter())
            assert index.holds_other(el, heading) == plain


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINKED, min_size=1, max_size=4), st.data())
def test_two_headlines_as_the_counted_map(body: list[str], data: st.DataObject) -> None:
    """Stopping at the second headline link answers ``len(_headline_urls(...)) >= 2``."""
    root = parse_html(f"<html><body><div>{''.join(body)}</div></body></html>")
    assert root is not None
    elements = list(root.iter("div", "li", "h3", "p"))
    exclude = data.draw(st.sampled_from(elements))
    links = _PageLinks("http://example.com/page")
    for el in elements:
        expected = len(_headline_urls([el], links, exclude=exclude)) >= 2
        assert _holds_two_headlines(el, links, exclude) == expected


_ATTRIBUTED = st.recursive(
    st.sampled_from(
        [
            "<p>x</p>",
            '<nav aria-label="Breadcrumb"></nav>',
            '<ol itemtype="https://schema.org/BreadcrumbList"></ol>',
            '<div role="complementary" class="c"></div>',
            '<span id="i" role=""></span>',
            "<aside></aside>",
        ]
    ),
    lambda inner: st.tuples(
        st.sampled_from(["div", "section", "aside"]),
        st.sampled_from(["", ' class="x"', ' aria-label="crumbs"', ' itemtype=""', ' lang="en"']),
        st.lists(inner, max_size=3),
    ).map(lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>"),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ATTRIBUTED, max_size=4))
def test_landmarks_as_the_walk(body: list[str]) -> None:
    """The hint index's landmarks are the elements a walk for the attributes finds."""
    root = parse_html(f"<html><body>{''.join(body)}</body></html>")
    assert root is not None
    expected = [
        el
        for el in root.iterdescendants()
        if any(el.get(name) is not None for name in ("role", "aria-label", "itemtype"))
    ]
    assert landmarks(root) == expected
    assert hinted(root, re.compile("x|c|i")) == [
        el for el in root.iterdescendants() if re.search("x|c|i", hints(el))
    ]


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from(
        [None, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=14))]
    ),
)
@example(datetime(999, 12, 31, 23, 59, 59, 999999), UTC)
def test_utc_iso_as_strftime(dt: datetime, zone: timezone | None) -> None:
    """isoformat gives what the strftime pattern gave."""
    value = dt.replace(tzinfo=zone)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    expected = aware.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert to_utc_iso(value) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINKED, min_size=1, max_size=4), st.data())
def test_block_order_as_the_page_walk(body: list[str], data: st.DataObject) -> None:
    """Ranking the block starts alone orders blocks as ranking every element did."""
    root = parse_html(f"<html><body><div>{''.join(body)}</div></body></html>")
    assert root is not None
    elements = list(root.iter())
    starts = data.draw(st.lists(st.sampled_from(elements), max_size=5))
    blocks = [
        (TeaserBlock(None, [el]), [Teaser(url=f"u{i % 3}", headline=str(i))])
        for i, el in enumerate(starts)
    ]
    order = {el: i for i, el in enumerate(root.iter())}
    ranked = sorted(blocks, key=lambda pair: order.get(pair[0].roots[0], 0))
    seen: set[str] = set()
    expected = []
    for _, teasers in ranked:
        for teaser in teasers:
            if teaser.url not in seen:
                seen.add(teaser.url)
                expected.append(teaser)
    assert flatten_teasers(root, blocks) == expected


def _count_cards_plain(root: html.HtmlElement, fences: set) -> tuple[int, int]:
    """``_count_cards`` as it was: every test on every link, in the order written."""
    urls: dict[str, int] = {}
    for a in root.iter("a"):
        text = text_of(a)
        if len(text) < 20 or len(text.split()) < 4 or not a.get("href"):
            continue
        in_heading = any(anc.tag in HEADINGS for anc in a.iterancestors())
        if (in_heading or len(text.split()) >= 5) and not _in_chrome(a, fences):
            urls[a.get("href", "")] = len(text)
    return len(urls), sum(urls.values())


_CARD_LINKS = st.recursive(
    st.tuples(
        st.sampled_from(['href="/a"', 'href="/b"', 'href=""', ""]),
        st.sampled_from(["Four words long here", "Five words long enough here", "Short", "a b c"]),
    ).map(lambda t: f"<a {t[0]}>{t[1]}</a>"),
    lambda inner: st.tuples(
        st.sampled_from(["div", "h3", "nav", "li"]), st.lists(inner, max_size=3)
    ).map(lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CARD_LINKS, max_size=4), st.data())
def test_count_cards_as_the_plain_loop(body: list[str], data: st.DataObject) -> None:
    root = parse_html(f"<html><body>{''.join(body)}</body></html>")
    assert root is not None
    fences = set(data.draw(st.lists(st.sampled_from(list(root.iter())), max_size=2)))
    assert _count_cards(root, fences) == _count_cards_plain(root, fences)


_HREFS = st.sampled_from(
    ["", "/a", "/a#x", "#top", "http://ex.com/a", "HTTP://ex.com/a", "mailto:x@y", "b", "/b", " /a"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_HREFS.map('<a href="{}">x</a>'.format), st.just("<a>y</a>")), max_size=12)
)
def test_page_links_as_the_link_walk(body: list[str]) -> None:
    """Resolving distinct hrefs gives the URLs of every link, de-duplicated, in order."""
    root = parse_html(f"<html><body><div>{''.join(body)}</div></body></html>")
    assert root is not None
    for base in ("http://ex.com/p/q", "https://other.org/"):
        expected = list(dict.fromkeys(url for _, url in iter_links(root, base)))
        assert page_links(root, base) == expected


def _headline_plain(anchors: list[html.HtmlElement], links: _PageLinks) -> str:
    """``_headline`` searching every link for a heading, leaf or not."""
    for a in anchors:
        if links.in_heading(a):
            return links.text(a)
    for a in anchors:
        inner = next(a.iter(*HEADINGS), None)
        if inner is not None and text_of(inner):
            return text_of(inner)
    return max((links.text(a) for a in anchors), key=len)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINKED, min_size=1, max_size=4), st.data())
def test_leaf_links_skip_the_heading_search(body: list[str], data: st.DataObject) -> None:
    """Leaf links answer the heading questions as searching them did."""
    cards = '<a href="/c"><h3>Card headline in a heading</h3></a><a href="/d"></a>'
    root = parse_html(f"<html><body><div>{''.join(body)}{cards}</div></body></html>")
    assert root is not None
    anchors = list(root.iter("a"))
    links = _PageLinks("http://example.com/page")
    for a in anchors:
        plain = links.in_heading(a) or next(a.iter(*HEADINGS), None) is not None
        assert links.heading_link(a) == plain
    chosen = data.draw(st.lists(st.sampled_from(anchors), min_size=1, max_size=4))
    assert _headline(chosen, links) == _headline_plain(chosen, links)
