"""The gated trafilatura expressions find what the originals find, in the same order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura.core
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler import trafilatura_gates
from crawler.extract_html import parse_html
from crawler.extraction import extract_page
from crawler.trafilatura_gates import GatedXPath

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
EXSLT_REGEXP = "http://exslt.org/regular-expressions"
GATED = ["RAW_TREE_PRUNE_XPATH", "REMOVE_COMMENTS_AND_LISTS_XPATH"]

# Pieces of ids and classes around what the expressions look for, near misses included.
_pieces = st.sampled_from(
    [
        "comment", "Comment", "comments", "commentary", "Commentary", "comol", "disqus_thread",
        "dsq-comments", "post-comments", "article-comments", "omment", "mvp-post-add-box",
        "mvp-post-add-wrap", "mvp-post-add-", "infinite-scroll", "infinitescroll", "infinite",
        "scroll", "x", "-", " ", "",
    ]
)  # fmt: skip
_value = st.one_of(st.none(), st.lists(_pieces, max_size=3).map("".join))
_tags = st.sampled_from(["div", "section", "aside", "details", "ol", "ul", "p", "h1"])


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> str:
    """An HTML fragment of nested elements with drawn tags, ids and classes."""
    tag = draw(_tags)
    attrs = "".join(
        f' {name}="{value}"' for name in ("id", "class") if (value := draw(_value)) is not None
    )
    children = draw(st.lists(_trees(depth + 1), max_size=3)) if depth < 3 else []
    return f"<{tag}{attrs}>t{''.join(children)}</{tag}>"


def _gated() -> Iterator[GatedXPath]:
    for name in GATED:
        expression = getattr(trafilatura.core, name)[0]
        assert isinstance(expression, GatedXPath), f"{name} is not gated"
        yield expression


def test_the_pinned_trafilatura_has_both_expressions_gated() -> None:
    """Importing the extractor installs the gates (a trafilatura upgrade that changes
    the expressions makes this fail: derive the gates again from the new text)."""
    assert trafilatura_gates.install(trafilatura.core) == GATED
    assert len(list(_gated())) == 2


_EDGES = [  # one element for each string a gate looks for (and near misses)
    f'<{tag} {name}="{value}">t</{tag}>'
    for tag in ("div", "section", "aside", "details", "ul")
    for name in ("id", "class")
    for value in (
        "comol", "disqus_thread", "dsq-comments", "Comments", "post-comments", "commentary",
        "mvp-post-add-wrap", "infinitescroll", "infinite-scroll",
    )
]  # fmt: skip


@pytest.mark.parametrize("element", _EDGES)
def test_each_string_a_gate_looks_for_lets_the_original_run(element: str) -> None:
    root = parse_html(f"<html><body>{element}</body></html>")
    assert root is not None
    for expression in _gated():
        assert expression(root) == expression.xpath(root)


@settings(max_examples=300, deadline=None)
@given(body=st.lists(_trees(), min_size=1, max_size=4))
def test_a_gated_expression_finds_what_the_original_finds(body: list[str]) -> None:
    root = parse_html(f"<html><body>{''.join(body)}</body></html>")
    assert root is not None
    for expression in _gated():
        assert expression(root) == expression.xpath(root)


def test_the_gate_lets_the_original_run_when_it_can_match() -> None:
    root = parse_html(
        '<html><body><div id="comments">c</div><div class="infinite-scroll">i</div></body></html>'
    )
    assert root is not None
    found = [expression(root) for expression in _gated()]
    assert [[el.get("class") or el.get("id") for el in els] for els in found] == [
        ["infinite-scroll"],
        ["comments"],
    ]


def test_a_changed_expression_is_left_as_trafilatura_has_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = etree.XPath(".//*[re:test(@id, 'comment')]", namespaces={"re": EXSLT_REGEXP})
    monkeypatch.setattr(trafilatura.core, "REMOVE_COMMENTS_AND_LISTS_XPATH", [changed])
    assert trafilatura_gates.install(trafilatura.core) == ["RAW_TREE_PRUNE_XPATH"]
    assert [changed] == trafilatura.core.REMOVE_COMMENTS_AND_LISTS_XPATH


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*/page.html")), ids=lambda p: p.parent.name)
def test_pages_extract_the_same_with_and_without_the_gates(
    page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, now = page.read_bytes(), datetime(2026, 12, 3, tzinfo=UTC)
    gated = extract_page(data, "https://news.example/a/b", now)
    for name in GATED:
        expressions = getattr(trafilatura.core, name)
        monkeypatch.setattr(trafilatura.core, name, [expressions[0].xpath, *expressions[1:]])
    assert extract_page(data, "https://news.example/a/b", now) == gated
