"""A cheap test in front of trafilatura's prune expressions that seldom match.

trafilatura prunes every page's tree with XPath expressions that test each
element's ``id``, ``class`` or ``style``, several of them through ``re:test``
(which calls back into Python for every element). Five of them find nothing
on most pages (infinite-scroll containers, comment sections, hidden elements,
teasers, share buttons) and cost ~8% of a page's extraction. Each is wrapped
here so that a cheaper XPath first asks whether any attribute in the tree
holds a string that every match must contain (``contains`` on attribute
nodes only, no regex, evaluated in C); only if one does is the original run.
So the answer is always the original's, in its order.

Each gate is derived from its expression's text in trafilatura 2.3.1 and
``install`` puts it in only when that text is unchanged (its digest is kept
here): an upgrade that changes an expression runs it as trafilatura has it
(and ``tests/test_trafilatura_gates.py`` says the gate is gone).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

from lxml import etree

logger = logging.getLogger(__name__)


class GatedXPath:
    """``xpath``, run only when ``gate`` (an expression true of any tree it can match) holds."""

    def __init__(self, xpath: etree.XPath, gate: str) -> None:
        self.xpath = xpath
        self.path = xpath.path
        self.gate = etree.XPath(f"boolean({gate})")

    def __call__(self, tree: etree._Element) -> list[etree._Element]:
        return self.xpath(tree) if self.gate(tree) else []  # type: ignore[return-value]


def attributes_containing(needles: dict[str, tuple[str, ...]]) -> str:
    """XPath for the attributes under a node that hold any of their needles.

    ``.//@id`` includes the node's own attribute, which ``.//*`` leaves out: a
    gate may be true where the expression finds nothing, never the reverse.
    """
    tests = {name: " or ".join(f"contains(., '{n}')" for n in ns) for name, ns in needles.items()}
    return " | ".join(f".//@{name}[{test}]" for name, test in tests.items())


@dataclass(frozen=True)
class Gate:
    """The gate for ``trafilatura.xpaths.<name>[index]``, whose text has ``digest``."""

    name: str
    index: int
    digest: str  # sha256 of the expression's text, first 16 hex digits
    test: str


GATES = [
    # re:test(@id|@class, 'mvp-post-add-(?:box|wrap)|infinite-?scroll'): the id or
    # class holds "mvp-post-add-" or "infinite".
    Gate(
        "RAW_TREE_PRUNE_XPATH", 0, "01e7c660fd6406f2",
        attributes_containing({"id": ("mvp-post-add-", "infinite"),
                               "class": ("mvp-post-add-", "infinite")}),
    ),
    # contains(@class, 'elementor-share-buttons')
    Gate(
        "RAW_TREE_PRUNE_XPATH", 1, "3c7afe92279543d5",
        attributes_containing({"class": ("elementor-share-buttons",)}),
    ),
    # re:test(@id, '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') (the id
    # holds "omment", "comol" or "disqus_thread"), re:test(@class,
    # '^[Cc]omment(?!ary)|(?:article|post)-comments') (the class holds "omment").
    Gate(
        "REMOVE_COMMENTS_AND_LISTS_XPATH", 0, "9cc18d34e6e2d258",
        attributes_containing({"id": ("omment", "comol", "disqus_thread"),
                               "class": ("omment",)}),
    ),
    # @class='comments-title'; starts-with(@id|@class, 'reply-'); re:test(@id|@style,
    # 'hidden'); contains(@style, 'display:none' | 'display: none'); re:test(@id,
    # 'reader-comments|akismet'); re:test(@class, '^hide-|comments-title|nocomments|
    # -reply-|message|akismet|suggest-links|-hide-|hide-print| hidden| hide|noprint|
    # notloaded') ("hid" is in hide and hidden); @aria-hidden='true'.
    Gate(
        "OVERALL_DISCARD_XPATH", 1, "c1d5b70b8cd03783",
        attributes_containing({
            "id": ("reply-", "hidden", "reader-comments", "akismet"),
            "class": ("comments-title", "reply-", "hid", "nocomments", "message", "akismet",
                      "suggest-links", "noprint", "notloaded"),
            "style": ("hidden", "display"),
        }) + " | .//@aria-hidden[. = 'true']",
    ),
    # contains(translate(@id|@class, 'T', 't'), 'teaser'): it holds "teaser" or "Teaser".
    Gate(
        "TEASER_DISCARD_XPATH", 0, "ebb02f066626551d",
        attributes_containing({"id": ("easer",), "class": ("easer",)}),
    ),
]  # fmt: skip


def _list_holding(xpaths: ModuleType, gate: Gate) -> list[object] | None:
    """trafilatura's list that holds the gate's expression, None if it has no such slot."""
    expressions = getattr(xpaths, gate.name, None)
    if isinstance(expressions, list) and gate.index < len(expressions):
        return expressions
    return None


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def install(xpaths: ModuleType) -> list[tuple[str, int]]:
    """Gate each expression in ``trafilatura.xpaths`` that is still the one its gate was
    derived from, in place (trafilatura's modules share those lists); those gated.

    ``crawler.extraction`` passes the module in: it is the one module that
    imports trafilatura.
    """
    done = []
    for gate in GATES:
        expressions = _list_holding(xpaths, gate)
        if expressions is None:
            continue
        current = expressions[gate.index]
        if isinstance(current, GatedXPath):
            done.append((gate.name, gate.index))
        elif _digest(getattr(current, "path", "")) == gate.digest:
            expressions[gate.index] = GatedXPath(current, gate.test)
            done.append((gate.name, gate.index))
        else:
            logger.debug("trafilatura's %s[%d] changed: left ungated", gate.name, gate.index)
    return done


@contextmanager
def ungated(xpaths: ModuleType) -> Iterator[None]:
    """trafilatura's own expressions while the block runs (what the extraction
    benchmark times as plain trafilatura), the gates again after it."""
    swapped = []
    for gate in GATES:
        expressions = _list_holding(xpaths, gate)
        if expressions is None:
            continue
        gated = expressions[gate.index]
        if not isinstance(gated, GatedXPath):
            continue
        swapped.append((expressions, gate.index, gated))
        expressions[gate.index] = gated.xpath
    try:
        yield
    finally:
        for expressions, index, gated in swapped:
            expressions[index] = gated
