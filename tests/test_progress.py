"""Progress output: periodic log lines, or a live status line (rich) when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST, run_newscrawl


@pytest.mark.parametrize(
    ("mode", "logged"),
    [
        pytest.param("log", True, id="log-lines"),
        pytest.param("live", False, id="live-line"),
    ],
)
def test_crawl_reports_progress(demo_server: Any, tmp_path: Path, mode: str, logged: bool) -> None:
    """Both modes run a whole crawl (the live one imports rich only when it starts,
    and draws its line instead of logging progress)."""
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
    assert ("Progress: pages" in proc.stderr) is logged
    assert "finished (finished)" in proc.stdout
