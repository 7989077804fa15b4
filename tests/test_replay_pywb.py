"""Replay proven in pywb: every archived page comes back byte for byte as the server sent it.

A crawl of the demo site is loaded into two pywb collections, one indexed by
pywb itself (``wb-manager add``) and one served from our own
``indexes/index.cdxj`` (which proves the index is pywb-compatible); then
``wayback`` runs on 127.0.0.1 and, for every 200 capture, the raw replay
(``/COLL/<ts>id_/<url>``) must equal what the live demo server sends, with and
without ``Accept-Encoding: gzip`` (Business pages are gzip-encoded when
accepted, Entertainment pages chunked), and the rewritten replay must be 200.

pywb 2.10.0 lives in its own virtualenv: it requires ``brotlipy``, whose
``brotli`` package shadows the ``brotli`` module Scrapy and ``archive`` use,
and ``pyOpenSSL<26.2``. Create it with::

    python3 -m venv .venv-pywb && .venv-pywb/bin/pip install pywb==2.10.0

or point ``NEWSCRAWL_PYWB_BIN`` at the ``bin`` folder of one. Without it the
test is skipped, except on CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from archive.index import CdxjEntry, iter_index, update_index
from tests.conftest import FAST, ROOT, run_newscrawl

PYWB_VERSION = "2.10.0"
COLLECTIONS = ("pywb-indexed", "newscrawl-indexed")


def _pywb_bin() -> Path:
    configured = os.environ.get("NEWSCRAWL_PYWB_BIN")
    bin_dir = Path(configured) if configured else ROOT / ".venv-pywb" / "bin"
    problem = None
    if not (bin_dir / "wayback").is_file():
        problem = f"no pywb at {bin_dir}"
    else:
        version = subprocess.run(
            [str(bin_dir / "python"), "-c", "import pywb; print(pywb.__version__)"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        if version != PYWB_VERSION:
            problem = f"pywb {version or '?'} at {bin_dir}, expected {PYWB_VERSION}"
    if problem:
        advice = (
            f"{problem}; run `python3 -m venv .venv-pywb && .venv-pywb/bin/pip install "
            f"pywb=={PYWB_VERSION}` or set NEWSCRAWL_PYWB_BIN"
        )
        if os.environ.get("CI"):
            pytest.fail(advice)
        pytest.skip(advice)
    return bin_dir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes  # as sent, after HTTP/1.1 de-chunking; NOT content-decoded


def fetch(port: int, target: str, *, gzip_ok: bool) -> Reply:
    """GET with exactly the Accept-Encoding we choose (http.client adds none)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        if gzip_ok:
            conn.putheader("Accept-Encoding", "gzip")
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, headers, body)
    finally:
        conn.close()


def _start_wayback(bin_dir: Path, root: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    log = (root / "wayback.log").open("wb")
    proc = subprocess.Popen(
        [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            fetch(port, "/", gzip_ok=False)
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(f"wayback did not start: {(root / 'wayback.log').read_text(errors='replace')}")


@pytest.fixture(scope="module")
def replay(demo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Crawl the demo site, build both collections, run wayback; yield what the tests need."""
    bin_dir = _pywb_bin()
    out = tmp_path_factory.mktemp("crawl")
    result = run_newscrawl("crawl", demo_server.url, "--output", str(out), *FAST, "-q")
    assert result.returncode == 0, result.stderr[-2000:]
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    assert warcs
    index = update_index(out)
    root = tmp_path_factory.mktemp("pywb")
    manager = str(bin_dir / "wb-manager")
    subprocess.run([manager, "init", COLLECTIONS[0]], cwd=root, check=True, capture_output=True)
    subprocess.run(
        [manager, "add", COLLECTIONS[0], *map(str, warcs)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    ours = root / "collections" / COLLECTIONS[1]
    (ours / "archive").mkdir(parents=True)
    (ours / "indexes").mkdir()
    for warc in warcs:
        (ours / "archive" / warc.name).symlink_to(warc)
    shutil.copy(index, ours / "indexes" / "index.cdxj")
    proc, port = _start_wayback(bin_dir, root)
    try:
        yield {"port": port, "entries": [e for e in iter_index(index) if e.status == 200]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _live_target(entry: CdxjEntry) -> tuple[int, str]:
    parts = urlsplit(entry.url)
    assert parts.port is not None
    return parts.port, parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("collection", [pytest.param(c, id=c) for c in COLLECTIONS])
@pytest.mark.parametrize(
    "gzip_ok", [pytest.param(True, id="gzip"), pytest.param(False, id="identity")]
)
def test_raw_replay_is_byte_identical(
    replay: dict[str, Any], collection: str, gzip_ok: bool
) -> None:
    mismatches = []
    for entry in replay["entries"]:
        live = fetch(*_live_target(entry), gzip_ok=gzip_ok)
        replayed = fetch(
            replay["port"], f"/{collection}/{entry.timestamp}id_/{entry.url}", gzip_ok=gzip_ok
        )
        if (replayed.status, replayed.body) != (live.status, live.body):
            mismatches.append(
                f"{entry.url}: live {live.status} {len(live.body)} bytes "
                f"{live.headers.get('content-encoding')}, replay {replayed.status} "
                f"{len(replayed.body)} bytes {replayed.headers.get('content-encoding')}"
            )
    assert mismatches == []


def test_the_crawl_covers_gzip_and_chunked_pages(replay: dict[str, Any]) -> None:
    """The byte-identity test means something only if both kinds were archived."""
    encodings, transfers = set(), set()
    for entry in replay["entries"]:
        live = fetch(*_live_target(entry), gzip_ok=True)
        encodings.add(live.headers.get("content-encoding"))
        transfers.add(live.headers.get("transfer-encoding"))
    assert "gzip" in encodings
    assert "chunked" in transfers
    assert len(replay["entries"]) >= 30


@pytest.mark.parametrize("collection", [pytest.param(c, id=c) for c in COLLECTIONS])
def test_rewritten_replay_returns_200(replay: dict[str, Any], collection: str) -> None:
    failures = []
    for entry in replay["entries"]:
        reply = fetch(replay["port"], f"/{collection}/{entry.timestamp}/{entry.url}", gzip_ok=True)
        if reply.status != 200:
            failures.append(f"{entry.url}: {reply.status}")
    assert failures == []
