"""``newscrawl schedule PLAN``: stay running and start a pass when a source falls due.

Each pass is a ``newscrawl run PLAN`` child process (Twisted's reactor cannot
restart inside one process, and a crashed pass must not take the scheduler
down). The plan file is re-read before every pass, so edits apply without a
restart. SIGINT/SIGTERM stop it cleanly: a running pass gets SIGTERM (Scrapy
finishes in-flight work and closes its files) and is waited for.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from crawler.output import OutputLayout
from crawler.plan import PlanError, load_plan
from crawler.sources import SourceLedger

logger = logging.getLogger(__name__)

MAX_SLEEP = 60.0  # re-read the plan at least this often while idle


def seconds_until_due(plan_path: Path, now: datetime) -> float:
    """Seconds until the next source falls due (0 when one is due now)."""
    plan = load_plan(plan_path)
    with SourceLedger(OutputLayout(plan.output).state_path) as ledger:
        soonest = min(ledger.next_due(s.name, now) for s in plan.sources)
    return max(0.0, (soonest - now).total_seconds())


class Scheduler:
    """Runs passes of a plan as they fall due, until stopped."""

    def __init__(self, plan_path: Path, *, extra_args: list[str] | None = None) -> None:
        self.plan_path = plan_path
        self.extra_args = extra_args or []
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def run_forever(self) -> int:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        while not self._stop.is_set():
            try:
                wait = seconds_until_due(self.plan_path, datetime.now(UTC))
            except PlanError as exc:
                logger.error("%s (retrying in %.0fs)", exc, MAX_SLEEP)
                wait = MAX_SLEEP
            else:
                if wait == 0:
                    self._run_pass()
                    continue
            logger.info("Next pass in %.0fs", wait)
            self._stop.wait(min(wait, MAX_SLEEP))
        logger.info("Scheduler stopped")
        return 0

    def _run_pass(self) -> None:
        command = [sys.executable, "-m", "crawler.cli", "run", str(self.plan_path)]
        self._child = subprocess.Popen([*command, *self.extra_args])  # noqa: S603 (our own CLI)
        code = self._child.wait()
        self._child = None
        if code != 0 and not self._stop.is_set():
            logger.error("Pass exited with code %d; waiting before the next try", code)
            self._stop.wait(MAX_SLEEP)
