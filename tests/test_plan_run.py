"""Crawl plans: `newscrawl run` (cron), `status`, and `schedule` with signals."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, read_jsonl, run_newscrawl


@pytest.fixture
def server() -> Iterator[Any]:
    from crawler.demo.server import DemoServer

    with DemoServer() as srv:
        yield srv


def _plan(tmp_path: Path, server: Any, interval: str = "1h") -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f"""
output = "out"

[settings]
AUTOTHROTTLE_ENABLED = false
DOWNLOAD_DELAY = 0

[[source]]
name = "ledger"
start_urls = ["{server.url}"]
sitemaps = ["{server.url}news-sitemap.xml"]
interval = "{interval}"
max_age = "3650d"
live_blog = ["/world/.*/kurds-"]

[source.politeness]
concurrency = 8
delay = 0
""",
        encoding="utf-8",
    )
    return plan


def test_run_crawls_due_sources_then_nothing_until_due(server: Any, tmp_path: Path) -> None:
    from crawler.demo.site import load_site

    plan = _plan(tmp_path, server)
    first = run_newscrawl("run", str(plan), "--quiet")  # as in the README's crontab line
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.startswith("ledger: finished")
    assert " INFO: " not in first.stderr, first.stderr[:2000]  # no start-up log for cron
    rows = read_jsonl(tmp_path / "out" / "articles")
    assert {r["url"] for r in rows} == {
        server.url.rstrip("/") + a.path for a in load_site().articles
    }

    again = run_newscrawl("run", str(plan))
    assert again.returncode == 0
    assert again.stdout.strip() == "No source is due."

    status = run_newscrawl("status", str(plan), "--json")
    (row,) = [json.loads(line) for line in status.stdout.splitlines()]
    assert row["name"] == "ledger"
    assert row["new"] == len(load_site().articles)
    assert row["due_now"] is False


def test_a_dead_source_is_reported_not_finished(server: Any, tmp_path: Path) -> None:
    """Cron sees a failure: exit 4, a line naming the source, ``unreachable`` in status."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}/"  # closed once freed
    plan = _plan(tmp_path, server)
    plan.write_text(
        plan.read_text() + f'\n[[source]]\nname = "dead"\nstart_urls = ["{dead_url}"]\n'
        'interval = "1h"\n'
    )
    proc = run_newscrawl("run", str(plan), "-s", "RETRY_TIMES=0")
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert proc.stdout.startswith("ledger: finished")  # the live source still ran
    assert "dead: unreachable" in proc.stdout
    assert f"newscrawl: error: source dead: cannot reach start URL {dead_url}" in proc.stderr
    status = run_newscrawl("status", str(plan), "--json")
    rows = {row["name"]: row for row in map(json.loads, status.stdout.splitlines())}
    assert rows["dead"]["outcome"] == "unreachable"
    assert rows["ledger"]["outcome"] == "finished"
    # each source's crawl keeps its own report, under the crawl id the pass printed
    printed = dict(re.findall(r"^(\w+): .*\(crawl (\S+)\)$", proc.stdout, re.M))
    reports = {
        path.stem: json.loads(path.read_text())
        for path in (tmp_path / "out" / "reports").glob("*.json")
    }
    assert {r["source"]: r["crawl_id"] for r in reports.values()} == printed
    assert set(reports) == set(printed.values())
    assert reports[printed["dead"]]["start_urls_ok"] == 0
    assert reports[printed["ledger"]]["articles"] > 0
    latest = json.loads((tmp_path / "out" / "report.json").read_text())
    assert latest == reports[printed["dead"]]  # the last source's


def test_news_sitemap_entries_are_queued_with_their_times(server: Any, tmp_path: Path) -> None:
    plan = _plan(tmp_path, server)
    assert run_newscrawl("run", str(plan)).returncode == 0
    queue = run_newscrawl("queue", "--output", str(tmp_path / "out"), "--all", "--json")
    links = [json.loads(line) for line in queue.stdout.splitlines()]
    from_sitemap = [link for link in links if link["block"] == "news-sitemap"]
    assert from_sitemap
    assert all(link["published_at"] and link["headline"] for link in from_sitemap)


def test_live_blog_is_refetched_every_pass(server: Any, tmp_path: Path) -> None:
    plan = _plan(tmp_path, server)
    assert run_newscrawl("run", str(plan)).returncode == 0
    server.clear_requests()
    assert run_newscrawl("run", str(plan), "--all").returncode == 0
    fetched = [p for m, p, _h in server.requests if m == "GET"]
    live = [p for p in fetched if "/kurds-" in p]
    assert live, "the live-blog article was not refetched"
    others = {a.path for a in server.site.articles} - set(live)
    assert not others & set(fetched)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[source]]\nname = 'x'\nstart_urls = ['ftp://a']\ninterval = '1h'\n", "line 3"),
        (
            "[[source]]\nname = 'x'\nstart_urls = ['http://a.example/']\ninterval = 'soon'\n",
            "line 4",
        ),
    ],
    ids=["bad-url", "bad-interval"],
)
def test_plan_errors_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    proc = run_newscrawl("run", str(plan))
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "plan.toml" in line
    assert message in line or message.replace("line ", ":") in line


def test_schedule_runs_a_pass_and_stops_on_sigterm(server: Any, tmp_path: Path) -> None:
    plan = _plan(tmp_path, server)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "schedule", str(plan)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = run_newscrawl("status", str(plan), "--json")
        rows = [json.loads(line) for line in status.stdout.splitlines()]
        if rows and rows[0].get("crawl_id"):
            break
        time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert rows[0].get("crawl_id"), "no pass ran"
    assert b"Scheduler stopped" in err


def test_news_sitemap_fields_are_kept(server: Any, tmp_path: Path) -> None:
    from archive import iter_records

    plan = _plan(tmp_path, server)
    assert run_newscrawl("run", str(plan)).returncode == 0
    queue = run_newscrawl("queue", "--output", str(tmp_path / "out"), "--all", "--json")
    links = [json.loads(line) for line in queue.stdout.splitlines()]
    news = [link for link in links if link["block"] == "news-sitemap"]
    assert all(link["extra"]["language"] == "en" for link in news)
    assert any(link["extra"].get("keywords") for link in news)
    sitemap_meta = [
        json.loads(rec.payload)
        for path in sorted((tmp_path / "out" / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type == "metadata" and "news-sitemap" in (rec.target_uri or "")
    ]
    (meta,) = sitemap_meta
    assert meta["entries"][0]["publication"]
    assert meta["entries"][0]["published_at"]


def test_a_plan_run_installs_uvloop_as_the_settings_ask(server: Any, tmp_path: Path) -> None:
    """``newscrawl run`` installs the reactor itself, with the settings' event loop."""
    plan = _plan(tmp_path, server)
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("[settings]\n", '[settings]\nLOG_LEVEL = "DEBUG"\n'), "utf-8")
    proc = run_newscrawl("run", str(plan))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Using asyncio event loop: uvloop.Loop" in proc.stderr
