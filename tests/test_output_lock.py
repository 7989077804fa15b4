"""One process per output directory, whichever way in: every writer takes the lock.

A real second process holds ``OUTPUT/.newscrawl.lock`` while each way of
writing to the same directory is tried; each must refuse (exit 3 for the
``newscrawl`` commands) and leave the directory as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.lock import OutputLock, OutputLocked
from tests.conftest import FAST, ROOT, run_newscrawl

EXIT_LOCKED = 3
URL = "http://127.0.0.1:9/"  # never fetched: every attempt stops at the lock
HOLD = (
    "import sys, time; from crawler.lock import OutputLock\n"
    "with OutputLock(sys.argv[1]):\n    print('held', flush=True); time.sleep(120)\n"
)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "out"
    (out / "warc").mkdir(parents=True)
    (out / "warc" / "x.warc.gz.open").write_bytes(b"being written")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    yield out
    holder.kill()
    holder.wait()


def _untouched(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == [".newscrawl.lock", "warc"]
    assert (out / "warc" / "x.warc.gz.open").read_bytes() == b"being written"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["crawl", URL, "--output", "{out}"], id="crawl"),
        pytest.param(["crawl", URL, "-s", "NEWSCRAWL_OUTPUT_DIR={out}"], id="crawl-s-output-dir"),
        pytest.param(["archive", "repair", "{out}"], id="archive-repair"),
        pytest.param(["archive", "repair", "{out}/warc"], id="archive-repair-warc-dir"),
        pytest.param(["archive", "index", "{out}"], id="archive-index"),
    ],
)
def test_newscrawl_commands_exit_3(held: Path, args: list[str]) -> None:
    proc = run_newscrawl(*(a.format(out=held) for a in args), *FAST * (args[0] == "crawl"))
    assert proc.returncode == EXIT_LOCKED, proc.stderr[-2000:]
    assert "another newscrawl process is using" in proc.stderr
    _untouched(held)


def test_scrapy_crawl_refuses_too(held: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={URL}",
         "-s", f"NEWSCRAWL_OUTPUT_DIR={held}", *FAST],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode != 0
    assert "another newscrawl process is using" in proc.stderr
    _untouched(held)


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    with OutputLock(tmp_path), OutputLock(tmp_path / "."):
        pass
    with OutputLock(tmp_path):  # released: taken again at once
        pass


def test_a_held_lock_refuses_another_process(held: Path) -> None:
    with pytest.raises(OutputLocked), OutputLock(held):
        pass
