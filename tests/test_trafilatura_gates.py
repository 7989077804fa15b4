"""The gated trafilatura expressions find what the originals find, in the same order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura.xpaths
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler import trafilatura_gates
from crawler.extract_html import parse_html
from crawler.extraction import extract_page
from crawler.trafilatura_gates import GATES, GatedXPath, ungated

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
EXSLT_REGEXP = "http://exslt.org/regular-expressions"
ALL = [(gate.name, gate.index) for gate in GATES]

# Strings each gate looks for, with near misses and case variants.
WORDS = [
    "comment", "Comment", "comments", "commentary", "Commentary", "comol", "disqus_thread",
    "dsq-comments", "post-comments", "article-comments", "reader-comments", "comments-title",
    "nocomments", "mvp-post-add-box", "mvp-post-add-wrap", "mvp-post-add-", "infinite-scroll",
    "infinitescroll", "infinite", "elementor-share-buttons", "elementor-share", "reply-",
    "x-reply-y", "hidden", "hide-", "x-hide-y", "hide-print", " hidden", " hide", "noprint",
    "notloaded", "message", "akismet", "suggest-links", "teaser", "Teaser", "TEASER",
    "display:none", "display: none", "display:block", "true", "false", "x", "-", " ", "",
]  # fmt: skip
_value = st.one_of(st.none(), st.lists(st.sampled_from(WORDS), max_size=3).map("".join))
_tags = st.sampled_from(["div", "section", "aside", "details", "ol", "ul", "p", "span", "h1"])
_ATTRIBUTES = ("id", "class", "style", "aria-hidden")


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> str:
    """An HTML fragment of nested elements with drawn tags and attributes."""
    tag = draw(_tags)
    values = {name: draw(_value) for name in _ATTRIBUTES}
    attrs = "".join(f' {name}="{value}"' for name, value in values.items() if value is not None)
    children = draw(st.lists(_trees(depth + 1), max_size=3)) if depth < 3 else []
    return f"<{tag}{attrs}>t{''.join(children)}</{tag}>"


def _gated() -> Iterator[GatedXPath]:
    for name, index in ALL:
        expression = getattr(trafilatura.xpaths, name)[index]
        assert isinstance(expression, GatedXPath), f"{name}[{index}] is not gated"
        yield expression


def test_the_pinned_trafilatura_has_every_gate_installed() -> None:
    """Importing the extractor installs the gates (a trafilatura upgrade that changes
    an expression makes this fail: derive its gate again from the new text)."""
    assert trafilatura_gates.install(trafilatura.xpaths) == ALL
    assert len(list(_gated())) == len(GATES) == 5


def _same_answers(html: str) -> None:
    root = parse_html(f"<html><body>{html}</body></html>")
    assert root is not None
    for expression in _gated():
        assert expression(root) == expression.xpath(root), expression.path


@pytest.mark.parametrize("value", WORDS)
def test_each_string_a_gate_looks_for_lets_the_original_run(value: str) -> None:
    for tag in ("div", "section", "aside", "details", "ul", "span"):
        for name in _ATTRIBUTES:
            _same_answers(f'<{tag} {name}="{value}">t</{tag}>')


@settings(max_examples=300, deadline=None)
@given(body=st.lists(_trees(), min_size=1, max_size=4))
def test_a_gated_expression_finds_what_the_original_finds(body: list[str]) -> None:
    _same_answers("".join(body))


def test_the_gate_lets_the_original_run_when_it_can_match() -> None:
    root = parse_html(
        '<html><body><div id="comments">c</div><div class="infinite-scroll">i</div>'
        '<p class="Teaser">t</p><span aria-hidden="true">h</span></body></html>'
    )
    assert root is not None
    found = {
        (name, index): [el.get("class") or el.get("id") or el.tag for el in expression(root)]
        for (name, index), expression in zip(ALL, _gated(), strict=True)
    }
    assert found[("RAW_TREE_PRUNE_XPATH", 0)] == ["infinite-scroll"]
    assert found[("REMOVE_COMMENTS_AND_LISTS_XPATH", 0)] == ["comments"]
    assert found[("TEASER_DISCARD_XPATH", 0)] == ["Teaser"]
    assert found[("OVERALL_DISCARD_XPATH", 1)] == ["span"]


def test_a_changed_expression_is_left_as_trafilatura_has_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = etree.XPath(".//*[re:test(@id, 'comment')]", namespaces={"re": EXSLT_REGEXP})
    monkeypatch.setattr(trafilatura.xpaths, "REMOVE_COMMENTS_AND_LISTS_XPATH", [changed])
    assert ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0) not in trafilatura_gates.install(
        trafilatura.xpaths
    )
    assert [changed] == trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/page.html")), ids=lambda p: p.parent.name)
def test_pages_extract_the_same_with_and_without_the_gates(page: Path) -> None:
    data, now = page.read_bytes(), datetime(2026, 12, 3, tzinfo=UTC)
    gated = extract_page(data, "https://news.example/a/b", now)
    with ungated(trafilatura.xpaths):
        assert not any(isinstance(getattr(trafilatura.xpaths, n)[i], GatedXPath) for n, i in ALL)
        assert extract_page(data, "https://news.example/a/b", now) == gated
    assert len(list(_gated())) == len(GATES)
