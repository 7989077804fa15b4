"""Where a crawl's outputs go: one output directory per crawl, one layout.

Every component asks this module for its paths so the layout is defined once
(and documented once, in the README's "Outputs" section).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OutputLayout:
    """The files and folders of one output directory."""

    root: Path

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def articles_dir(self) -> Path:
        return self.root / "articles"

    @property
    def state_path(self) -> Path:
        """URL state and the follow-up queue: one SQLite file (WAL)."""
        return self.root / "state.sqlite3"

    @property
    def frontier_dir(self) -> Path:
        """Scrapy's scheduler queues on disk while a crawl runs (``crawler.frontier``)."""
        return self.root / "frontier"

    @property
    def report_path(self) -> Path:
        """The latest run's report."""
        return self.root / "report.json"

    @property
    def reports_dir(self) -> Path:
        """Every run's report, ``<crawl_id>.json``: a plan pass runs one crawl per source."""
        return self.root / "reports"

    @classmethod
    def from_settings(cls, settings: Any) -> OutputLayout:
        return cls(Path(settings.get("NEWSCRAWL_OUTPUT_DIR") or "output"))


def new_crawl_id(now: datetime | None = None) -> str:
    """A sortable, unique id for one run: ``20261125T130203Z-1a2b3c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def crawl_id_of(crawler: Any) -> str:
    """The crawl id of a running crawler: the setting, else one made once per crawler."""
    cached = getattr(crawler, "_newscrawl_crawl_id", None)
    if cached:
        return str(cached)
    value = crawler.settings.get("NEWSCRAWL_CRAWL_ID") or new_crawl_id()
    crawler._newscrawl_crawl_id = value
    return str(value)


def utc_iso(dt: datetime) -> str:
    """UTC ISO 8601 with a ``Z`` and milliseconds: the one time format of the outputs."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
