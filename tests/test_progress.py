"""Progress output: periodic log lines, or a live status line (rich) when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST, run_newscrawl


@pytest.mark.parametrize(
    ("mode", "shown"),
    [
        pytest.param("log", "Progress: pages", id="log-lines"),
        pytest.param("live", "", id="live-line"),
    ],
)
def test_crawl_reports_progress(demo_server: Any, tmp_path: Path, mode: str, shown: str) -> None:
    """Both modes run a whole crawl (the live one imports rich only when it starts)."""
    proc = run_newscrawl(
        "crawl",
        demo_server.url,
        "--output",
        str(tmp_path / "out"),
        *FAST,
        "-s",
        f"NEWSCRAWL_PROGRESS_MODE={mode}",
        "-s",
        "NEWSCRAWL_PROGRESS_INTERVAL=0.2",
        "--max-pages",
        "12",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert shown in proc.stderr
    assert "finished (finished)" in proc.stdout
