"""``hinted`` finds the same elements as testing each element's hints one by one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract_html import hinted, hints, parse_html

PATTERNS = [
    re.compile(r"(?:^|[\s_-])(?:share\w*|related)(?:$|[\s_-])"),
    re.compile(r"(^|[\s_-])(recent|more-?in)($|[\s_-])"),
    re.compile(r"breadcrumb"),
    re.compile(r"^nav$"),
]
_words = st.sampled_from(["share", "related", "recent", "more-in", "nav", "x", "-", "_", ""])
_marks = st.lists(_words, max_size=3).map(" ".join)


def _page(marks: list[tuple[str, str]]) -> str:
    return (
        "<html><body>"
        + "".join(f'<div class="{cls}" id="{ident}">t</div>' for cls, ident in marks)
        + "</body></html>"
    )


@settings(max_examples=200, deadline=None)
@given(marks=st.lists(st.tuples(_marks, _marks), min_size=1, max_size=8))
def test_same_elements_as_one_by_one(marks: list[tuple[str, str]]) -> None:
    root = parse_html(_page(marks))
    assert root is not None
    candidates = root.xpath(".//*[@class or @id]")
    for pattern in PATTERNS:
        assert hinted(root, pattern) == [el for el in candidates if pattern.search(hints(el))]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # the separator is not a word boundary for the next element's "[\s_-]" prefix
        ('<div class="a"></div><div class="share-box"></div>', ["share-box"]),
        ('<div class="x share"></div><div class="share"></div>', ["x share", "share"]),
        ('<div class="xshare"></div><div id="related"></div>', [" related"]),
    ],
)
def test_boundaries(page: str, expected: list[str]) -> None:
    root = parse_html(f"<html><body>{page}</body></html>")
    assert root is not None
    found = hinted(root, PATTERNS[0])
    assert [f"{el.get('class') or ''}" or f" {el.get('id')}" for el in found] == expected
