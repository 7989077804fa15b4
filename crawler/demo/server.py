"""Tiny threaded HTTP/1.1 server for the demo site, bound to 127.0.0.1.

It serves pre-rendered bytes with realistic transport variety, so archival code
meets what real sites send: Business pages gzip-encoded (when accepted),
Entertainment pages chunked, everything else plain with Content-Length; ETag and
Last-Modified with 304 answers to conditional GETs; 301s and a 404 page.
``DemoServer.publish``/``edit`` change the site between crawl runs.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from crawler.demo import newsroom
from crawler.demo.content import DemoArticle, DemoTeaser
from crawler.demo.newsroom import Clock, utc_now
from crawler.demo.pages import render_not_found
from crawler.demo.site import DemoSite, load_site
from crawler.demo.transport import (
    Resource,
    accepts_gzip,
    etag_matches,
    not_modified_since,
    render_resources,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024  # Entertainment pages go out in several chunks of this size
MAX_HOSTS = 16  # distinct Host headers whose rendering we cache
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
RequestRecord = tuple[str, str, dict[str, str]]
__all__ = ["DemoServer", "RequestRecord", "accepts_gzip"]  # accepts_gzip: moved to transport


class _Handler(BaseHTTPRequestHandler):
    """Request handler; the server object carries the site state."""

    protocol_version = "HTTP/1.1"
    server_version = "LedgerDemo/1.0"
    timeout = 30  # idle keep-alive connections do not pin threads forever
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Quiet: no per-request lines on stderr."""
        logger.debug("%s - " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _not_allowed(self) -> None:
        self.close_connection = True  # we never read request bodies
        self._simple(
            405,
            b"Method Not Allowed\n",
            "text/plain; charset=utf-8",
            True,
            (("Allow", "GET, HEAD"),),
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    # -- helpers ---------------------------------------------------------
    def _simple(
        self,
        status: int,
        body: bytes,
        content_type: str,
        send_body: bool,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _serve(self, send_body: bool) -> None:
        self.server.record(self.command, self.path, dict(self.headers.items()))
        base = self.server.base_for(self.headers.get("Host"))
        resources = self.server.resources_for(base)
        path = urlsplit(self.path).path or "/"
        redirect = self.server.redirect_target(path, resources)
        if redirect is not None:
            body = f'<!DOCTYPE html><title>Moved</title><a href="{redirect}">Moved</a>\n'.encode()
            self._simple(
                301,
                body,
                "text/html; charset=utf-8",
                send_body,
                (("Location", base.rstrip("/") + redirect),),
            )
            return
        resource = resources.get(path)
        if resource is None:
            self._simple(
                404, self.server.not_found_for(base), "text/html; charset=utf-8", send_body
            )
            return
        self._send_resource(resource, send_body)

    def _send_resource(self, resource: Resource, send_body: bool) -> None:
        page = resource.page
        use_gzip = resource.gzipped is not None and accepts_gzip(
            self.headers.get("Accept-Encoding")
        )
        variant = resource.gzipped if use_gzip and resource.gzipped else resource.plain
        validators = [
            ("ETag", variant.etag),
            ("Last-Modified", format_datetime(page.last_modified, usegmt=True)),
            ("Cache-Control", "public, max-age=60"),
        ]
        if resource.gzipped is not None:
            validators.append(("Vary", "Accept-Encoding"))
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = (
            etag_matches(inm, variant.etag)
            if inm
            else bool(ims and not_modified_since(ims, page.last_modified))
        )
        if fresh:
            self.send_response(304)
            for name, value in validators:
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", page.content_type)
        for name, value in (*validators, *variant.headers):
            self.send_header(name, value)
        if page.transfer == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if send_body:
                self._write_chunked(variant.body)
            return
        self.send_header("Content-Length", str(len(variant.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(variant.body)

    def _write_chunked(self, body: bytes) -> None:
        """One socket write per chunk, so clients really see several chunks."""
        for start in range(0, len(body), CHUNK_SIZE):
            piece = body[start : start + CHUNK_SIZE]
            self.wfile.write(f"{len(piece):X}\r\n".encode("ascii") + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer plus the demo state shared by handler threads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.own_base = f"http://{address[0]}:{self.server_address[1]}/"
        self._lock = threading.Lock()  # guards the request log and the rendered snapshot
        self._requests: list[RequestRecord] = []
        self._cache: dict[str, dict[str, Resource]] = {}
        self._not_found: dict[str, bytes] = {}
        self._generation = 0  # bumped by every swap: renders of an older site are dropped
        self._redirects = site.redirects()
        self.resources_for(self.own_base)  # render once at startup

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: dropped connections are normal for crawlers; log at debug level."""
        logger.debug("error serving %s", client_address, exc_info=True)

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._requests.append((method, path, headers))

    def requests_snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def base_for(self, host: str | None) -> str:
        """Base URL for absolute links, from a well-formed Host header (else our own)."""
        if host and _HOST_RE.match(host.strip()):
            return f"http://{host.strip().lower()}/"
        return self.own_base

    def resources_for(self, base: str) -> dict[str, Resource]:
        with self._lock:
            cached = self._cache.get(base)
            site, generation = self.site, self._generation
        if cached is not None:
            return cached
        built, missing = render_resources(site, base)
        with self._lock:
            if generation != self._generation:  # the site changed meanwhile: serve the new one
                return self._cache.get(base) or built
            if len(self._cache) >= MAX_HOSTS:
                self._cache.pop(next(iter(self._cache)))
            self._cache[base] = built
            self._not_found[base] = missing
        return built

    def swap_site(self, site: DemoSite) -> None:
        """Render ``site`` for every cached host, then switch to it in one step.

        Requests see either the old snapshot or the new one, never a mix; bytes
        that did not change keep their ETag (it is a hash of the body).
        """
        with self._lock:
            bases = list(self._cache) or [self.own_base]
        rendered = {base: render_resources(site, base) for base in bases}
        with self._lock:
            self.site = site
            self._generation += 1
            self._redirects = site.redirects()
            self._cache = {base: built for base, (built, _) in rendered.items()}
            self._not_found = {base: missing for base, (_, missing) in rendered.items()}

    def not_found_for(self, base: str) -> bytes:
        with self._lock:
            page, site = self._not_found.get(base), self.site
        return page if page is not None else render_not_found(site, base)

    def redirect_target(self, path: str, resources: dict[str, Resource]) -> str | None:
        """301 target: category aliases, page/1/, and known pages missing their slash."""
        with self._lock:
            moved = self._redirects.get(path)
        if moved is not None:
            return moved
        if not path.endswith("/") and f"{path}/" in resources:
            return f"{path}/"
        return None


class DemoServer:
    """The demo site on a local port; a context manager for tests.

    >>> with DemoServer() as server:  # doctest: +SKIP
    ...     urllib.request.urlopen(server.url)
    ...     server.publish("World", "Headline", ["First paragraph.", "Second."])

    ``publish`` and ``edit`` change the site between crawl runs; ``clock`` (UTC)
    decides what "now" is for them, so tests can control publication times.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        site: DemoSite | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.clock = clock
        self._edit_lock = threading.Lock()  # one publish/edit at a time
        self._httpd = _HTTPServer((host, port), site or load_site())  # binds now: port known
        self._thread: threading.Thread | None = None

    @property
    def site(self) -> DemoSite:
        """The current snapshot, with what was published or edited (load_site() is pristine)."""
        return self._httpd.site

    def publish(
        self,
        section: str,
        title: str,
        paragraphs: Sequence[str],
        *,
        author: str | None = None,
        tags: Sequence[str] = (),
        teasers: Sequence[DemoTeaser | str] | None = None,
        description: str | None = None,
    ) -> DemoArticle:
        """Publish a new article now; home, listings, feeds and sitemaps show it at once.

        ``section``: display name or slug; ``author``: known name or slug, else a new author
        (with a page); ``teasers``: articles' paths or DemoTeasers, default the section's 3 latest.
        """
        with self._edit_lock:
            site, article = newsroom.publish(
                self.site,
                section,
                title,
                paragraphs,
                now=self.clock(),
                author=author,
                tags=tags,
                teasers=teasers,
                description=description,
            )
            self._httpd.swap_site(site)
        return article

    def edit(
        self,
        path: str,
        *,
        title: str | None = None,
        paragraphs: Sequence[str] | None = None,
        description: str | None = None,
    ) -> DemoArticle:
        """Change an article (by path or URL); its modified time becomes now."""
        with self._edit_lock:
            site, article = newsroom.edit(
                self.site,
                path,
                now=self.clock(),
                title=title,
                paragraphs=paragraphs,
                description=description,
            )
            self._httpd.swap_site(site)
        return article

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL with trailing slash, e.g. "http://127.0.0.1:40123/"."""
        return f"http://{self.host}:{self.port}/"

    def url_for(self, path: str) -> str:
        return self.url.rstrip("/") + path

    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot of (method, path, headers) for every request seen, in order."""
        return self._httpd.requests_snapshot()

    def clear_requests(self) -> None:
        self._httpd.clear_requests()

    def start(self) -> Self:
        """Serve from a daemon thread; returns self for chaining."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                args=(0.05,),
                name=f"demo-site:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Block in the calling thread until Ctrl-C (for the CLI)."""
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
