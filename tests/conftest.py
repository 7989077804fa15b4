"""Shared fixtures: local servers on 127.0.0.1 and a runner for the CLI.

Scrapy's reactor cannot restart inside one process, so every crawl runs the
real ``newscrawl`` command in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive import iter_records
from tests.faultserver import FaultServer

ROOT = Path(__file__).resolve().parent.parent


def run_newscrawl(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, with the project on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        check=False,
    )


def read_jsonl(directory: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return rows


FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="session")
def demo_server() -> Iterator[Any]:
    from crawler.demo.server import DemoServer

    with DemoServer() as server:
        yield server


@pytest.fixture(scope="session")
def fault_crawl(
    fault_server: FaultServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("faults")
    proc = run_newscrawl(
        "crawl",
        fault_server.url,
        "--output",
        str(out),
        *FAST,
        "-s",
        "DOWNLOAD_TIMEOUT=2",
        "-s",
        "RETRY_TIMES=0",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    responses: dict[str, list[Any]] = {}
    for path in sorted((out / "warc").glob("*.warc.gz")):
        for rec in iter_records(path):
            if rec.rec_type == "response":
                responses.setdefault(rec.target_uri or "", []).append(rec)
    return {
        "out": out,
        "proc": proc,
        "report": json.loads((out / "report.json").read_text()),
        "responses": responses,
        "rows": read_jsonl(out / "articles"),
        "base": fault_server.url.rstrip("/"),
    }
