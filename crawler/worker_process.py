"""Extraction worker processes, as the crawl process holds them; no Scrapy here.

Each worker is ``python -m crawler.extraction_worker`` with a pipe for calls
and one for answers. ``crawler.extraction_pool`` drives them from the event
loop. ``start_spares`` starts workers before Scrapy is even imported, so that
their imports and warm-up (~0.6 s of CPU each) run on the core the crawl
process leaves idle while it starts; the pool adopts them when the spider opens.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import os
import pickle
import struct
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

import crawler

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux
PIPE_BYTES = 1 << 20  # pipe buffer asked for (Linux allows up to 1 MiB unprivileged)


def _worker_env() -> dict[str, str]:
    """The crawl's environment, with this checkout first on the worker's path."""
    env = dict(os.environ)
    root = str(Path(crawler.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def frame(data: bytes) -> bytes:
    """``data`` as ``multiprocessing.Connection.recv_bytes`` reads it (length first)."""
    if len(data) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(data)) + data
    return struct.pack("!i", len(data)) + data


class WorkerProcess:
    """One worker process, its two pipes (non-blocking on our side) and its calls in order."""

    def __init__(self) -> None:
        jobs_r, jobs_w = os.pipe()
        results_r, results_w = os.pipe()
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our module
                [sys.executable, "-m", "crawler.extraction_worker", str(jobs_r), str(results_w)],
                pass_fds=(jobs_r, results_w),
                env=_worker_env(),
            )
        except BaseException:
            for fd in (jobs_w, results_r):
                os.close(fd)
            raise
        finally:
            os.close(jobs_r)  # the child's ends: closed here, so its death reads as EOF
            os.close(results_w)
        self.send_fd, self.recv_fd = jobs_w, results_r  # ours, open until close()
        # The worker's set-up, before any call: our import path (tests' modules
        # too). Written now, into the empty pipe, so the worker imports and
        # warms up at once.
        os.write(self.send_fd, frame(pickle.dumps(sys.path)))
        os.set_blocking(self.send_fd, False)
        os.set_blocking(self.recv_fd, False)
        for fd in (self.send_fd, self.recv_fd):  # a page or an answer in one write
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
        self.calls: deque[asyncio.Future[Any]] = deque()  # submitted, not answered yet
        self.outgoing = bytearray()  # framed calls the pipe did not take yet
        self.incoming = bytearray()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.writing = False
        self.dead = False

    def close(self, *, kill: bool = False) -> None:
        self.hang_up(kill=kill)
        self.reap()

    def hang_up(self, *, kill: bool = False) -> None:
        """Close our pipe ends: the worker reads EOF and exits (``kill``: at once)."""
        self.dead = True
        self.detach()
        for fd in (self.send_fd, self.recv_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if kill:
            self.process.kill()

    def reap(self) -> None:
        """Wait for the process to exit (killing it after 5 s)."""
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)

    def detach(self) -> None:
        loop, self.loop = self.loop, None
        if loop is None or loop.is_closed():
            return
        loop.remove_reader(self.recv_fd)
        if self.writing:
            loop.remove_writer(self.send_fd)
        self.writing = False


_spares: list[WorkerProcess] = []


def default_workers() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


def workers_wanted(overrides: dict[str, Any]) -> int:
    """``NEWSCRAWL_EXTRACTION_WORKERS`` as a crawl will read it, without Scrapy's settings.

    The project's settings module, then the command line's ``overrides``; a
    value the pool would refuse counts as 0 here (the pool then says why).
    """
    from crawler import settings

    raw = overrides.get("NEWSCRAWL_EXTRACTION_WORKERS", settings.NEWSCRAWL_EXTRACTION_WORKERS)
    if raw in (None, ""):
        return default_workers()
    try:
        return max(int(raw), 0)
    except (TypeError, ValueError):
        return 0


def start_spares(count: int) -> None:
    """Start workers ahead of the pool (up to ``count`` waiting in all)."""
    while len(_spares) < count:
        _spares.append(WorkerProcess())


def take_spares(count: int) -> list[WorkerProcess]:
    """Up to ``count`` started workers still alive, for a pool to adopt."""
    taken: list[WorkerProcess] = []
    while _spares and len(taken) < count:
        worker = _spares.pop(0)
        if worker.process.poll() is None:
            taken.append(worker)
        else:
            worker.close()
    return taken


@atexit.register
def close_spares() -> None:
    """Stop the workers no pool adopted (inline extraction, a crawl that failed to start)."""
    while _spares:
        _spares.pop().close()
