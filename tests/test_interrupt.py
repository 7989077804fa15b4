"""SIGINT/SIGTERM: a crawl stops gracefully, says so, and exits 128 + N.

Cron and schedulers read the exit status: an interrupted run must not look
finished, and in a plan the interrupted source must stay due while the
sources after it are left for the next pass.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, read_jsonl, run_newscrawl

# slow enough that the demo site's 36 articles take ~15 s: the signal lands mid-crawl
SLOW = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.3",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")  # fmt: skip


@pytest.fixture
def server() -> Iterator[Any]:
    from crawler.demo.server import DemoServer

    with DemoServer() as srv:
        yield srv


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_first_article(articles: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.stat().st_size for p in articles.glob("*.jsonl")):
            return
        time.sleep(0.05)
    raise AssertionError("the crawl wrote no article before the deadline (or ended)")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_crawl_exits_128_plus_n_and_the_next_run_completes(
    server: Any, tmp_path: Path, signum: signal.Signals
) -> None:
    from crawler.demo.site import load_site

    out = tmp_path / "out"
    proc = _start("crawl", server.url, "--output", str(out), *SLOW)
    _wait_for_first_article(out / "articles", proc)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 128 + signum, stderr[-3000:]
    assert "stopped early (shutdown)" in stdout
    assert f"stopped early by {signum.name}" in stderr
    written = {r["url"] for r in read_jsonl(out / "articles")}
    expected = {server.url.rstrip("/") + a.path for a in load_site().articles}
    assert written, "no article before the signal"
    assert written < expected, "the signal did not land mid-crawl"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["finish_reason"] == "shutdown"

    again = run_newscrawl("crawl", server.url, "--output", str(out),
                          "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    urls = [r["url"] for r in read_jsonl(out / "articles")]
    assert len(urls) == len(set(urls)), "an article was written twice"
    assert set(urls) == expected


def _two_source_plan(tmp_path: Path, server: Any) -> Path:
    plan = tmp_path / "plan.toml"
    sources = "".join(
        f"""
[[source]]
name = "{name}"
start_urls = ["{server.url}"]
interval = "1h"

[source.politeness]
concurrency = 1
delay = 0.3
"""
        for name in ("first", "second")
    )
    plan.write_text(
        f'output = "out"\n[settings]\nAUTOTHROTTLE_ENABLED = false\n{sources}', encoding="utf-8"
    )
    return plan


def test_an_interrupted_plan_pass_leaves_the_source_due_and_starts_no_other(
    server: Any, tmp_path: Path
) -> None:
    plan = _two_source_plan(tmp_path, server)
    proc = _start("run", str(plan))
    _wait_for_first_article(tmp_path / "out" / "articles", proc)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 143, stderr[-3000:]
    assert stdout.startswith("first: interrupted"), stdout
    assert "second:" not in stdout
    status = run_newscrawl("status", str(plan), "--json")
    rows = {row["name"]: row for row in map(json.loads, status.stdout.splitlines())}
    assert rows["first"]["outcome"] == "interrupted"
    assert rows["first"]["due_now"] is True
    assert rows["second"] == {"name": "second", "due_now": True}  # never started

    again = run_newscrawl("run", str(plan), "-s", "DOWNLOAD_DELAY=0")
    assert again.returncode == 0, again.stderr[-3000:]
    lines = again.stdout.splitlines()
    assert lines[0].startswith("first: finished"), again.stdout
    assert lines[1].startswith("second: finished"), again.stdout
