"""kill -9 at random moments, then resume: nothing lost, nothing written twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive import check_warc
from tests.conftest import FAST, ROOT, read_jsonl, run_newscrawl

KILLS = 10
SEED = 20261125


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    from crawler.demo.server import DemoServer

    with DemoServer() as srv:
        yield srv


def _start_crawl(url: str, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", url, "--output", str(out), *FAST],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # kill the crawl and its extraction workers together
    )


def test_kill_9_ten_times_then_resume(server: Any, tmp_path: Path) -> None:
    from crawler.demo.site import load_site

    rng = random.Random(SEED)
    out = tmp_path / "out"
    for _ in range(KILLS):
        proc = _start_crawl(server.url, out)
        time.sleep(rng.uniform(0.8, 4.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    final = run_newscrawl("crawl", server.url, "--output", str(out), *FAST)
    assert final.returncode == 0, final.stderr[-3000:]

    rows = read_jsonl(out / "articles")  # every line parses: none is torn
    urls = [row["url"] for row in rows]
    assert len(urls) == len(set(urls)), "an article was written twice"
    expected = {server.url.rstrip("/") + a.path for a in load_site().articles}
    assert set(urls) == expected

    warcs = sorted((out / "warc").glob("*.warc.gz"))
    assert warcs
    assert not list((out / "warc").glob("*.open"))
    problems = {path.name: check_warc(path) for path in warcs}
    assert all(not p for p in problems.values()), problems
