"""The command line: clear one-line errors with exit code 2."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import FAST, run_newscrawl


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl"], "required"),
        (["crawl", "not-a-url"], "not an http(s) URL"),
        (["crawl", "http://127.0.0.1:1/", "--max-pages", "many"], "invalid int value"),
        (["crawl", "http://127.0.0.1:1/", "--max-pages", "-3"], "must be at least 1, not -3"),
        (["crawl", "http://127.0.0.1:1/", "--max-depth", "0"], "must be at least 1, not 0"),
        (["crawl", "http://127.0.0.1:1/", "-s", "NOEQUALS"], "NAME=VALUE"),
        (["frobnicate"], "invalid choice"),
        (["extract", "/no/such/file.html"], "no such file"),
    ],
    ids=[
        "no-url",
        "bad-url",
        "bad-int",
        "negative-max-pages",
        "zero-max-depth",
        "bad-setting",
        "bad-command",
        "missing-file",
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], message: str) -> None:
    proc = run_newscrawl(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("newscrawl: error:")
    assert message in lines[0]


def test_unwritable_output_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = run_newscrawl("crawl", "http://127.0.0.1:1/", "--output", str(blocker / "out"))
    assert proc.returncode == 2
    assert "not writable" in proc.stderr.strip().splitlines()[-1]


def test_unreachable_start_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"
    proc = run_newscrawl("crawl", url, "--output", str(tmp_path), *FAST, "-s", "RETRY_TIMES=0")
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("newscrawl: error: cannot reach start URL")
    assert url in last


def test_the_summary_is_this_runs_even_without_report_json(tmp_path: Path) -> None:
    """NEWSCRAWL_REPORT_ENABLED=False: no file, and never an earlier run's summary."""
    first = run_newscrawl("demo", "--output", str(tmp_path))
    assert first.returncode == 0, first.stderr[-2000:]
    report = tmp_path / "report.json"
    before = report.read_text()
    again = run_newscrawl("demo", "--output", str(tmp_path), "-s", "NEWSCRAWL_REPORT_ENABLED=False")
    assert again.returncode == 0, again.stderr[-2000:]
    assert report.read_text() == before  # not written
    first_id = first.stdout.split("\nCrawl ", 1)[1].split()[0]
    again_id = again.stdout.split("\nCrawl ", 1)[1].split()[0]
    assert again_id != first_id  # the second run's own summary
    assert first_id not in again.stdout
    fresh = tmp_path / "fresh"
    off = run_newscrawl("demo", "--output", str(fresh), "-s", "NEWSCRAWL_REPORT_ENABLED=False")
    assert off.returncode == 0, off.stderr[-2000:]
    assert not (fresh / "report.json").exists()
    assert "pages fetched    53" in off.stdout


def test_queue_without_crawl(tmp_path: Path) -> None:
    proc = run_newscrawl("queue", "--output", str(tmp_path))
    assert proc.returncode == 2
    assert "no follow-up queue" in proc.stderr


def test_demo_command_crawls_the_bundled_site(tmp_path: Path) -> None:
    from crawler.demo.site import load_site

    proc = run_newscrawl("demo", "--output", str(tmp_path), "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0.2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"articles         {len(load_site().articles)}" in proc.stdout
    assert "Progress: pages" in proc.stderr  # not a terminal: periodic log lines
    assert (tmp_path / "report.json").exists()
    queue = run_newscrawl("queue", "--output", str(tmp_path))
    assert queue.returncode == 0
    assert "sister-ledger.example" in queue.stdout


def test_extract_prints_the_jsonl_row_of_a_page() -> None:
    import json

    from crawler.schema import schema_errors

    page = Path(__file__).parent / "fixtures" / "extraction" / "paywalled_article" / "page.html"
    proc = run_newscrawl("extract", str(page), "--url", "https://news.example/biz/story/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = json.loads(proc.stdout)
    assert row.pop("page_type") == "article"
    assert row["access"] == "paywalled"
    assert row["url"] == "https://news.example/biz/story/"
    row["warc"] = None
    assert schema_errors(row) == []


def test_a_busy_port_for_the_demo_server_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_newscrawl("demo", "--serve", "--port", str(port), timeout=60)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"newscrawl: error: cannot serve the demo site on port {port}")


def test_a_reader_that_goes_away_is_no_traceback() -> None:
    """``newscrawl queue --json | head -1``: a write into a closed pipe ends quietly."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import crawler.cli as cli\n"
        "def main():\n    raise BrokenPipeError(32, 'Broken pipe')\n"
        "cli.main = main\ncli.console_main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
        check=False,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, "")
