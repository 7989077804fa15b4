"""RFC 9309 in crawler/middlewares/robots.py: a robots.txt lost to a 5xx or a
network error disallows the host, a 4xx means no rules, and a robots.txt
redirect is followed even out of the crawl's scope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST, run_newscrawl
from tests.localsite import Answer, LocalSite, page, serving

PAGES = ["/", "/a.html", "/b.html"]


def _route(robots: Answer) -> Any:
    def route(site: LocalSite, path: str) -> Answer:
        if path == "/robots.txt":
            return robots
        if path == "/":
            return page("Home", PAGES[1:])
        return page(path)

    return route


def _crawl(
    robots: Answer, tmp_path: Path, *settings: str, blocked: bool = False
) -> tuple[LocalSite, dict[str, Any]]:
    """Crawl the site; ``blocked``: its start URL must be refused, with the CLI's error."""
    with serving(_route(robots)) as site:
        proc = run_newscrawl("crawl", site.url, "--output", str(tmp_path), *FAST, *settings)
    if blocked:
        assert proc.returncode == 2, proc.stderr[-3000:]
        assert "cannot reach start URL" in proc.stderr
        assert "robots.txt of 127.0.0.1" in proc.stderr  # the warning says why
    else:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return site, json.loads((tmp_path / "report.json").read_text())


@pytest.mark.parametrize(
    "robots",
    [Answer(500, b"<h1>Internal error</h1>"), Answer(503, headers=(("Retry-After", "1"),)),
     Answer(drop=True)],
    ids=["500", "503", "connection-dropped"],
)  # fmt: skip
def test_unreachable_robots_txt_disallows_the_host(robots: Answer, tmp_path: Path) -> None:
    site, report = _crawl(robots, tmp_path, blocked=True)
    assert set(site.paths()) == {"/robots.txt"}  # nothing else was asked
    assert report["robots_blocked"] >= 1
    assert report["pages_fetched"] == 0


def test_robots_txt_5xx_is_archived(tmp_path: Path) -> None:
    from archive import iter_records

    _crawl(Answer(500, b"<h1>Internal error</h1>"), tmp_path, blocked=True)
    statuses = [
        rec.http_status
        for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type == "response" and (rec.target_uri or "").endswith("/robots.txt")
    ]
    assert statuses
    assert set(statuses) == {500}


@pytest.mark.parametrize("status", [404, 410])
def test_missing_robots_txt_means_no_rules(status: int, tmp_path: Path) -> None:
    site, report = _crawl(Answer(status, b"not here"), tmp_path)
    assert set(PAGES) <= set(site.paths())
    assert report["pages_fetched"] == len(PAGES)


def test_switched_off_an_unreachable_robots_txt_allows_all(tmp_path: Path) -> None:
    site, _ = _crawl(
        Answer(500, b"error"), tmp_path, "-s", "NEWSCRAWL_ROBOTS_UNREACHABLE_DISALLOW=False"
    )
    assert set(PAGES) <= set(site.paths())


def test_robots_txt_redirect_to_another_host_is_followed(tmp_path: Path) -> None:
    """127.0.0.1's robots.txt moved to localhost (out of scope): its rules still hold."""

    def route(site: LocalSite, path: str) -> Answer:
        port = site.server_address[1]
        if path == "/robots.txt":
            moved = f"http://localhost:{port}/robots-file.txt"
            return Answer(301, headers=(("Location", moved),))
        if path == "/robots-file.txt":
            return Answer(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        if path == "/":
            return page("Home", ["/a.html", "/private/b.html"])
        return page(path)

    with serving(route) as site:
        proc = run_newscrawl("crawl", site.url, "--output", str(tmp_path), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "/robots-file.txt" in site.paths()
    assert "/a.html" in site.paths()
    assert "/private/b.html" not in site.paths()


@pytest.mark.parametrize(
    ("limit", "late_rule_holds"), [((), False), (("-s", "NEWSCRAWL_ROBOTS_MAX_BYTES=0"), True)]
)
def test_only_the_first_500_kib_of_robots_txt_are_read(
    tmp_path: Path, limit: tuple[str, ...], late_rule_holds: bool
) -> None:
    padding = b"# a comment line, padding the file out past the parse limit\n" * 10_000
    robots = b"User-agent: *\nDisallow: /a.html\n" + padding + b"Disallow: /b.html\n"
    assert len(robots) > 500 * 1024
    site, _ = _crawl(Answer(body=robots, content_type="text/plain"), tmp_path, *limit)
    assert "/a.html" not in site.paths()  # a rule in the first 500 KiB holds
    assert ("/b.html" not in site.paths()) is late_rule_holds  # one after it, only unlimited
