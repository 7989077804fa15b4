"""A tiny local site of bad responses, one resource per behaviour.

Used by the bad-input tests: every fault must be archived and counted while
the crawl carries on.
"""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="{charset}">
<title>{title}</title><meta property="og:type" content="article"></head><body>
<article><h1>{title}</h1>
<p>{p1}</p><p>{p2}</p><p>{p3}</p></article></body></html>"""

P1 = "The café owner in Zürich said the crème brûlée was the town’s favourite dessert this year."
P2 = "Customers queued for hours at the counter, and the señora at the till counted every coin."
P3 = "Nobody expected the small bakery to become a destination for visitors from all over Europe."

INDEX = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Faults</title></head>
<body><h1>Fault index</h1><ul>
<li><a href="/good.html">A good article</a></li>
<li><a href="/good.html?utm_source=newsletter&amp;utm_medium=email">The same, tracked</a></li>
<li><a href="/syndicated.html">The same, syndicated</a></li>
<li><a href="/wrong-charset.html">Wrong charset</a></li>
<li><a href="/binary.html">Binary body</a></li>
<li><a href="/truncated.html">Truncated</a></li>
<li><a href="/cut-gzip.html">Compressed, cut short</a></li>
<li><a href="/loop-a">Redirect loop</a></li>
<li><a href="/error.html">Server error</a></li>
<li><a href="/missing.html">Not found</a></li>
<li><a href="/slow.html">Slow</a></li>
<li><a href="/odd-head.html">Odd head</a></li>
</ul></body></html>"""

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8

ODD_HEADERS = (
    ("x-lower-case", "kept as sent"),
    ("Set-Cookie", "a=1"),
    ("Content-Type", "text/html; charset=utf-8"),
    ("Set-Cookie", "b=2"),
    ("Connection", "keep-alive"),
)

FAULT_PATHS = (
    "/wrong-charset.html",
    "/binary.html",
    "/truncated.html",
    "/cut-gzip.html",
    "/loop-a",
    "/error.html",
    "/missing.html",
    "/slow.html",
)

SLOW_SECONDS = 4.0

# A whole gzip stream cut near its end, sent behind a matching Content-Length:
# the transfer is complete, the article is not.
CUT_GZIP = gzip.compress(
    ARTICLE.format(title="Compressed, cut short", charset="utf-8", p1=P1, p2=P2, p3=P3).encode()
)[:-20]  # the trailer and the last words


def article(title: str, charset: str) -> str:
    return ARTICLE.format(title=title, charset=charset, p1=P1, p2=P2, p3=P3)


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        path = self.path
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/":
            self._send(200, INDEX)
        elif path.split("?")[0] == "/good.html":
            self._send(200, article("A good article about a bakery", "utf-8").encode())
        elif path == "/syndicated.html":
            page = article("A good article about a bakery", "utf-8")
            page = page.replace("</title>", '</title><link rel="canonical" href="/good.html">')
            self._send(200, page.encode())
        elif path == "/wrong-charset.html":
            # Says UTF-8 (header and meta), is really latin-1.
            body = article("A café in Zürich", "utf-8").replace("’", "'").encode("latin-1")
            self._send(200, body)
        elif path == "/binary.html":
            self._send(200, BINARY)
        elif path == "/truncated.html":
            body = article("Cut short", "utf-8").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) + 5000))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/cut-gzip.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(CUT_GZIP)))
            self.end_headers()
            self.wfile.write(CUT_GZIP)
        elif path in ("/loop-a", "/loop-b"):
            self.send_response(302)
            self.send_header("Location", "/loop-b" if path == "/loop-a" else "/loop-a")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/odd-head.html":
            body = article("An odd head", "utf-8").encode()
            self.send_response(200, "Fine Thanks")
            for name, value in ODD_HEADERS:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path == "/error.html":
            self._send(500, b"<html><body>Internal Server Error</body></html>")
        elif path == "/slow.html":
            time.sleep(SLOW_SECONDS)
            self._send(200, article("Too slow", "utf-8").encode())
        else:
            self._send(404, b"<html><body>Not found</body></html>")


class FaultServer:
    """The fault site on 127.0.0.1, on a free port, in a background thread."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), FaultHandler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
