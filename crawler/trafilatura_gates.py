"""A cheap test in front of two of trafilatura's regex XPaths that seldom match.

trafilatura prunes every page's tree with two expressions (infinite-scroll
containers holding appended articles, and comment sections) whose ``re:test``
calls back into Python for each div, section or list: ~6% of a page's
extraction, and on most pages they find nothing. Each is wrapped here so that
a plain XPath first asks whether any ``id`` or ``class`` in the tree holds a
string that every match must contain (no regex, evaluated in C, about a fifth
of the cost); only if one does is the original expression run. So the answer
is always the original's, in its order.

The gates are derived from the expressions' text in trafilatura 2.3.1, and
``install`` puts them in only when that text is unchanged (its digest is kept
here): an upgrade that changes an expression runs trafilatura as it is (and
``tests/test_trafilatura_gates.py`` says the gate is gone).
"""

from __future__ import annotations

import hashlib
import logging
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
    """XPath for the ``id``/``class`` attributes under a node holding any of their needles.

    ``.//@id`` includes the node's own attribute, which ``.//*`` leaves out: a
    gate may be true where the expression finds nothing, never the reverse.
    """
    tests = {name: " or ".join(f"contains(., '{n}')" for n in ns) for name, ns in needles.items()}
    return " | ".join(f".//@{name}[{test}]" for name, test in tests.items())


# Every match of trafilatura's RAW_TREE_PRUNE_XPATH[0] has an id or class matching
# 'mvp-post-add-(?:box|wrap)|infinite-?scroll': it contains "mvp-post-add-" or "infinite".
RAW_TREE_PRUNE_DIGEST = "01e7c660fd6406f2"  # sha256 of the expression, first 16 hex digits
RAW_TREE_PRUNE_GATE = attributes_containing(
    {"id": ("mvp-post-add-", "infinite"), "class": ("mvp-post-add-", "infinite")}
)

# Every match of REMOVE_COMMENTS_AND_LISTS_XPATH[0] has an id matching
# '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)' (it contains "omment",
# "comol" or "disqus_thread") or a class matching '^[Cc]omment(?!ary)|(?:article|post)-comments'
# (it contains "omment").
REMOVE_COMMENTS_DIGEST = "9cc18d34e6e2d258"  # sha256 of the expression, first 16 hex digits
REMOVE_COMMENTS_GATE = attributes_containing(
    {"id": ("omment", "comol", "disqus_thread"), "class": ("omment",)}
)


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:16]


_GATES = {  # trafilatura.core's name -> (index in its list, digest of its text, gate)
    "RAW_TREE_PRUNE_XPATH": (0, RAW_TREE_PRUNE_DIGEST, RAW_TREE_PRUNE_GATE),
    "REMOVE_COMMENTS_AND_LISTS_XPATH": (0, REMOVE_COMMENTS_DIGEST, REMOVE_COMMENTS_GATE),
}


def install(core: ModuleType) -> list[str]:
    """Gate each expression in ``trafilatura.core`` that is still the one its gate was
    derived from; the names gated. (``crawler.extraction`` passes the module in: it
    is the one module that imports trafilatura.)"""
    done = []
    for name, (index, digest, gate) in _GATES.items():
        expressions = list(getattr(core, name, None) or [])
        if index >= len(expressions):
            continue
        current = expressions[index]
        if isinstance(current, GatedXPath):
            done.append(name)
            continue
        if _digest(getattr(current, "path", "")) != digest:
            logger.debug("trafilatura's %s is not the expression its gate was made for", name)
            continue
        expressions[index] = GatedXPath(current, gate)
        setattr(core, name, expressions)
        done.append(name)
    return done
