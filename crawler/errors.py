"""Per-run error accounting: every bad page is counted by kind, never fatal.

Kinds used: ``http_status`` (4xx/5xx), ``truncated`` (body shorter than
announced, or a compressed body whose stream ends early), ``binary_body``
(non-text bytes where HTML was expected), ``not_html``, ``charset`` (bytes that
do not decode as declared), ``redirect_loop``, ``timeout``, ``download``
(connection and other transport failures), ``extraction`` (the extractor
failed, or found an article with no text), ``invalid_field`` (a row mended to
fit the schema: see ``crawler/pipelines/validate.py``), ``invalid_row`` (a row
that could not be, so its page is fetched again next run). Stats keys:
``newscrawl/errors/<kind>`` and ``newscrawl/errors/total``.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def record_error(stats: Any, kind: str, url: str, detail: str = "") -> None:
    """Count one error of ``kind`` for ``url`` and log it as a warning."""
    stats.inc_value(f"newscrawl/errors/{kind}")
    stats.inc_value("newscrawl/errors/total")
    logger.warning("Recorded %s error for %s%s", kind, url, f": {detail}" if detail else "")


def error_counts(stats: dict[str, Any]) -> dict[str, int]:
    """The per-kind error counts of a finished run, from its stats."""
    prefix = "newscrawl/errors/"
    return {
        key[len(prefix) :]: int(value)
        for key, value in sorted(stats.items())
        if key.startswith(prefix) and key != prefix + "total"
    }
