"""Articles that used to vanish without an error: each now gets its row, or an error and a refetch.

A page date without a zone failed the schema and the row was dropped; a
``&#11;`` (vertical tab) emptied the body; a lone surrogate in JSON-LD made the
row unencodable. In each case the page was still recorded as a finished
article, so no later run fetched it again. A page declared UTF-16 without a
byte-order mark, or with one stray NUL byte, was called binary and not
extracted. Real crawls of a local server.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from crawler.schema import schema_errors
from tests.conftest import FAST, read_jsonl, run_newscrawl

PARAGRAPH = (
    "<p>The council voted on the library budget after a debate of {n} hours in the town"
    " hall, and the mayor said the result would stand until the spring review. {x}</p>"
)


def article(title: str, head: str = "", extra: str = "") -> bytes:
    body = "".join(PARAGRAPH.format(n=n, x=extra if n == 3 else "") for n in range(8))
    return (
        f'<html><head><title>{title}</title><meta property="og:type" content="article">'
        f"{head}</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


JSON_LD = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Surrogate",'
    ' "description": "Breaking \\ud83d news", "datePublished": "2024-03-03"}</script>'
)
PAGES = {
    "/naive.html": article(
        "Naive date", '<meta property="article:published_time" content="2024-03-03T10:00:00">'
    ),
    "/day.html": article(
        "Day only", '<meta property="article:published_time" content="2024-03-04">'
    ),
    "/vt.html": article("Vertical tab", extra="Pasted &#11; text."),
    "/surrogate.html": article("Surrogate", JSON_LD),
    "/utf16.html": article("UTF-16 sans BOM").decode().encode("utf-16-le"),
    "/nul.html": article("Stray NUL", extra="A slip\x00 of the editor."),
    "/zoned.html": article(
        "Zoned", '<meta property="article:published_time" content="2024-03-03T10:00:00+01:00">'
    ),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/":
            body = "".join(f'<a href="{p}">{p}</a>' for p in PAGES).encode()
        else:
            body = PAGES.get(self.path, b"")
        self.send_response(200 if self.path == "/" or self.path in PAGES else 404)
        charset = "utf-16le" if self.path == "/utf16.html" else "utf-8"
        self.send_header("Content-Type", f"text/html; charset={charset}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def crawl(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("rescue")
    proc = run_newscrawl("crawl", server, "--output", str(out), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {row["url"].rsplit("/", 1)[1]: row for row in read_jsonl(out / "articles")}
    return {"out": out, "rows": rows, "report": json.loads((out / "report.json").read_text())}


def test_every_article_gets_a_valid_row(crawl: dict[str, Any]) -> None:
    assert set(crawl["rows"]) == {p.lstrip("/") for p in PAGES}
    for row in crawl["rows"].values():
        assert schema_errors(row) == [], row["url"]


@pytest.mark.parametrize(
    ("page", "published_at"),
    [
        ("naive.html", "2024-03-03T10:00:00"),  # no zone given: none guessed
        ("day.html", "2024-03-04"),
        ("zoned.html", "2024-03-03T09:00:00Z"),
    ],
)
def test_page_times_keep_what_the_page_says(
    crawl: dict[str, Any], page: str, published_at: str
) -> None:
    assert crawl["rows"][page]["published_at"] == published_at


def test_a_vertical_tab_reference_does_not_empty_the_body(crawl: dict[str, Any]) -> None:
    assert "Pasted" in crawl["rows"]["vt.html"]["body"]


def test_utf16_and_a_stray_nul_are_text(crawl: dict[str, Any]) -> None:
    assert crawl["rows"]["utf16.html"]["title"] == "UTF-16 sans BOM"
    assert "library budget" in crawl["rows"]["utf16.html"]["body"]
    assert "A slip of the editor." in crawl["rows"]["nul.html"]["body"]


def test_a_lone_surrogate_is_replaced_and_counted(crawl: dict[str, Any]) -> None:
    assert crawl["rows"]["surrogate.html"]["description"] == "Breaking \ufffd news"
    assert crawl["report"]["errors_by_kind"] == {"invalid_field": 1}


def test_a_second_run_fetches_nothing_again(crawl: dict[str, Any], server: str) -> None:
    """Every page is a finished article now, so none is due."""
    proc = run_newscrawl("crawl", server, "--output", str(crawl["out"]), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((crawl["out"] / "report.json").read_text())
    assert report["articles"] == 0
    assert len(read_jsonl(crawl["out"] / "articles")) == len(PAGES)
