"""Scrapy's ``CrawlerProcess``, remembering the signal that stopped it.

On SIGINT or SIGTERM Scrapy stops gracefully: in-flight pages are finished
and written, files are closed, and the crawl ends with the finish reason
``shutdown``, which reads to Scrapy like any other end. An operator's cron job
or scheduler must tell an interrupted run from a finished one, so the command
line exits ``128 + signal number`` (130 for Ctrl-C, 143 for SIGTERM, as a shell
reports a process the signal killed) and a plan pass does not count as done.
"""

from __future__ import annotations

import signal
from typing import Any

from scrapy.crawler import CrawlerProcess


def interrupted_exit_code(signum: int) -> int:
    """The exit status of a run a signal stopped: the shell's 128 + N."""
    return 128 + signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


class InterruptibleCrawlerProcess(CrawlerProcess):
    """A ``CrawlerProcess`` whose ``interrupted_by`` holds the first stop signal."""

    interrupted_by: int | None = None

    def _signal_shutdown(self, signum: int, _: Any) -> None:
        self.interrupted_by = self.interrupted_by or signum
        super()._signal_shutdown(signum, _)

    def _signal_kill(self, signum: int, _: Any) -> None:
        self.interrupted_by = self.interrupted_by or signum
        super()._signal_kill(signum, _)
