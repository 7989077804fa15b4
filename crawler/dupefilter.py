"""Scrapy's dupefilter with its request fingerprints on disk (``crawler.seen_set``).

``RFPDupeFilter`` keeps every fingerprint of a run in a Python set; this one
keeps them in a ``SeenSet``, so the crawl process stays flat over long crawls.
With ``JOBDIR`` (a resumable Scrapy job) Scrapy's own file-backed behaviour is
kept unchanged.
"""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import RequestFingerprinterProtocol

from crawler.seen_set import SeenSet


class DiskDupeFilter(RFPDupeFilter):
    """``RFPDupeFilter`` whose fingerprint set is a ``SeenSet``."""

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        super().__init__(path, debug, fingerprinter=fingerprinter)
        self._seen: SeenSet | None = None
        if self.file is None:  # no JOBDIR: nothing to resume from, keep it on disk
            self._seen = SeenSet()
            self._fingerprints = self._seen  # type: ignore[assignment]

    def close(self, reason: str) -> None:
        super().close(reason)
        if self._seen is not None:
            self._seen.close()
