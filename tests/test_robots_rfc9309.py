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
        # the error names the robots.txt failure, not a robots.txt rule
        (error,) = [line for line in proc.stderr.splitlines() if "cannot reach" in line]
        assert "robots.txt of 127.0.0.1" in error
        assert "is unreachable (" in error
        assert "Forbidden" not in error
        assert "Traceback" not in proc.stderr  # a refused robots.txt is no bug
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
    assert report["robots_blocked"] == 0  # no rule forbade it: the host could not be asked
    assert report["errors_by_kind"]["download"] == 1
    assert report["pages_fetched"] == 0


def test_links_of_a_host_whose_robots_txt_fails_stay_queued(tmp_path: Path) -> None:
    """Not "blocked" for ever: the next run, with robots.txt back, fetches them."""
    robots = {"answer": Answer(404)}

    def route(site: LocalSite, path: str) -> Answer:
        return robots["answer"] if path == "/robots.txt" else _route(Answer(404))(site, path)

    def pending() -> set[str]:
        proc = run_newscrawl("queue", "--output", str(tmp_path), "--json")
        return {json.loads(line)["url"] for line in proc.stdout.splitlines()}

    with serving(route) as site:
        first = run_newscrawl("crawl", site.url, "--output", str(tmp_path), "--max-pages", "1",
                              *FAST)  # fmt: skip
        assert first.returncode == 0, first.stderr[-3000:]
        links = {site.url.rstrip("/") + p for p in PAGES[1:]}
        assert pending() == links

        robots["answer"] = Answer(500, b"down")
        failing = run_newscrawl("crawl", site.url, "--output", str(tmp_path), *FAST)
        assert failing.returncode == 2
        assert pending() == links

        robots["answer"] = Answer(404)
        back = run_newscrawl("crawl", site.url, "--output", str(tmp_path), *FAST)
        assert back.returncode == 0, back.stderr[-3000:]
        assert pending() == set()
        assert {"/a.html", "/b.html"} <= set(site.paths())


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
