"""One crawl per output directory at a time.

Cron and schedulers overlap runs when a pass takes longer than its interval;
two crawls writing the same WARC folder and state would corrupt each other,
and start-up repair would cut the other crawl's open WARC. An advisory
``flock`` on ``OUTPUT/.newscrawl.lock`` (released by the OS even after
kill -9) keeps it to one.

Every way in takes it: ``newscrawl crawl``/``run``, the news spider itself
(so ``scrapy crawl news`` too, before it opens any output) and the archive
commands that change an output directory (``repair``, ``index``). Within one
process the lock is re-entrant, so the command line and the spider share it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class OutputLocked(RuntimeError):
    """Another newscrawl process is working on this output directory."""


class OutputLock:
    """Hold the output directory's lock for the duration of a ``with`` block."""

    # lock file -> [fd, holders] for the locks this process holds: flock locks
    # belong to an open file, so a second open of the same file would conflict
    _held: dict[Path, list[int]] = {}

    def __init__(self, output_dir: str | os.PathLike[str]) -> None:
        self.path = Path(output_dir) / ".newscrawl.lock"
        self._key: Path | None = None

    def acquire(self) -> None:
        """Take the lock (again, if this process holds it); ``OutputLocked`` if another does."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = self.path.resolve()
        if key in self._held:
            self._held[key][1] += 1
            self._key = key
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputLocked(
                f"another newscrawl process is using {self.path.parent} (lock {self.path.name});"
                " wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._held[key] = [fd, 1]
        self._key = key

    def release(self) -> None:
        """Let go of this hold; the lock file is unlocked when the last one goes."""
        if self._key is None:
            return
        entry = self._held[self._key]
        entry[1] -= 1
        if entry[1] == 0:
            del self._held[self._key]
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])
        self._key = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
