"""CPU per page of the crawl's WARC path, against plain warcio and the bare minimum.

``python benchmarks/warc_write.py`` writes ``--pages`` exchanges (the synthetic
site's pages, 30-80 KB of HTML, each made unique so none becomes a revisit)
through ``WarcWriter.write_exchange`` plus a ~4 KB links ``write_metadata``, as
the crawl does (gzip level 1, dedup index on, real clock and uuid record ids),
and prints the best of ``--repeat`` runs in CPU ms per page (``process_time``:
the crawl process's CPU, which other processes on the machine disturb less
than they do wall time) next to:

* ``warcio``: the same three records through plain ``warcio.WARCWriter``
  (``gzip=True``, so level 9, and no dedup), the naive crawler's way;
* ``floor``: only what no writer can skip: the payload and block SHA-1s and
  one ISA-L level-1 deflate of the record bytes, written to a file.

``--against REV`` runs rounds of two fresh processes, one with the ``archive``
package of git revision REV and one with this tree's (same pages), and prints
this tree's time as a ratio of REV's. A variant's ratio to ``floor`` in the
same run cancels more of the machine's noise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
_ARCHIVE_FROM = "--archive-from"
if _ARCHIVE_FROM in sys.argv:  # must win over the tree's own archive/ package
    sys.path.insert(0, sys.argv[sys.argv.index(_ARCHIVE_FROM) + 1])
sys.path.insert(1 if _ARCHIVE_FROM in sys.argv else 0, str(ROOT))

REQUEST_HEADERS = [
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "en"),
    ("User-Agent", "newscrawl/0.1 (+https://example.org/bot)"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
]


class Page(NamedTuple):
    """What the crawl process has in hand for a page before the WARC path starts."""

    url: str
    body: bytes
    headers: list[tuple[str, str]]  # the response head, as received
    links: bytes  # the links metadata body (made in an extraction worker)


def make_pages(count: int) -> list[Page]:
    """``count`` pages cycling over the synthetic site's pages, each body unique."""
    from benchmarks.sitegen import generate_site

    with tempfile.TemporaryDirectory() as tmp:
        generate_site(Path(tmp), 200)
        bodies = [p.read_bytes() for p in sorted(Path(tmp).rglob("*.html"))]
    pages = []
    for n in range(count):
        url = f"https://news.example/article/{n}.html"
        body = bodies[n % len(bodies)] + b"<!-- %d -->" % n
        pages.append(Page(url, body, response_headers(body), links_payload(url)))
    return pages


def links_payload(url: str) -> bytes:
    """A links metadata body of about 4 KB, like ``links_record_body`` makes."""
    outlinks = [f"https://news.example/article/{n}.html" for n in range(90)]
    return json.dumps({"page_type": "article", "url": url, "outlinks": outlinks}).encode()


def response_headers(body: bytes) -> list[tuple[str, str]]:
    return [
        ("Server", "nginx/1.22.1"),
        ("Date", "Wed, 01 May 2024 08:00:00 GMT"),
        ("Content-Type", "text/html"),
        ("Content-Length", str(len(body))),
        ("Last-Modified", "Wed, 01 May 2024 07:00:00 GMT"),
        ("Connection", "keep-alive"),
        ("ETag", '"6631f7b0-dac0"'),
        ("Accept-Ranges", "bytes"),
    ]


def run_newscrawl(pages: list[Page], directory: Path) -> float:
    """Seconds to archive ``pages`` the way the crawl process does."""
    from datetime import UTC, datetime

    from archive import HttpExchange, WarcWriter
    from archive.dedup import DigestIndex

    dedup = DigestIndex(directory / "digests.sqlite3")
    writer = WarcWriter(directory, hostname="bench", dedup=dedup, gzip_level=1)
    start = time.process_time()
    for url, body, headers, links in pages:
        exchange = HttpExchange(
            url=url,
            request_headers=REQUEST_HEADERS,
            status=200,
            reason="OK",
            response_headers=headers,
            body=body,
            ip_address="127.0.0.1",
            fetched_at=datetime.now(UTC),
        )
        location = writer.write_exchange(exchange)
        writer.write_metadata("urn:newscrawl:links:" + url, location.record_id, links)
    writer.close()
    dedup.close()
    return time.process_time() - start


def run_warcio(pages: list[Page], directory: Path) -> float:
    """Seconds for plain warcio (level 9, no dedup) to write the same three records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with (directory / "warcio.warc.gz").open("wb") as out:
        warc = WARCWriter(out, gzip=True, warc_version="1.1")
        start = time.process_time()
        for url, body, headers, links in pages:
            head = StatusAndHeaders("200 OK", list(headers), protocol="HTTP/1.1")
            response = warc.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=head
            )
            req_head = StatusAndHeaders(
                "/ HTTP/1.1", [("Host", "news.example"), *REQUEST_HEADERS], protocol="GET"
            )
            request = warc.create_warc_record(
                url, "request", payload=BytesIO(b""), length=0, http_headers=req_head
            )
            request.rec_headers.add_header(
                "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
            )
            warc.write_record(response)
            warc.write_record(request)
            warc.write_record(
                warc.create_warc_record(
                    "urn:newscrawl:links:" + url,
                    "metadata",
                    payload=BytesIO(links),
                    length=len(links),
                    warc_content_type="application/json",
                )
            )
            out.flush()
        return time.process_time() - start


def run_floor(pages: list[Page], directory: Path) -> float:
    """Seconds for the work no writer can skip: the response's two SHA-1s, the links
    record's one, and a level-1 deflate of each of the three records."""
    from isal import isal_zlib

    head = b"WARC/1.1\r\n" + b"X" * 600 + b"\r\n\r\n"  # about a WARC head's size
    with (directory / "floor.warc.gz").open("wb") as out:
        start = time.process_time()
        for _, body, headers, links in pages:
            http = b"HTTP/1.1 200 OK\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers)
            hashlib.sha1(body).digest()  # noqa: S324 - WARC's digest
            block = hashlib.sha1(http)  # noqa: S324
            block.update(body)
            block.digest()
            hashlib.sha1(links).digest()  # noqa: S324
            for record in (head + http + body, head + http, head + links):
                compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
                out.write(compressor.compress(record) + compressor.flush())
            out.flush()
        return time.process_time() - start


VARIANTS: dict[str, Callable[[list[Page], Path], float]] = {
    "newscrawl": run_newscrawl,
    "warcio": run_warcio,
    "floor": run_floor,
}


def measure(pages: int, repeat: int, variants: list[str]) -> dict[str, float]:
    """Best CPU ms per page of each variant, the variants interleaved run by run."""
    data = make_pages(pages)
    for name in variants:  # imports and first-use caches stay out of the figures
        with tempfile.TemporaryDirectory() as tmp:
            VARIANTS[name](data[:50], Path(tmp))
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(repeat):
        for name in variants:
            with tempfile.TemporaryDirectory() as tmp:
                seconds = VARIANTS[name](data, Path(tmp))
            best[name] = min(best[name], seconds * 1000 / pages)
    return best


def _child(pages: int, variants: list[str], archive_dir: str | None) -> dict[str, float]:
    """``measure`` (one run) in a fresh process, with the ``archive`` of ``archive_dir``."""
    command = [sys.executable, __file__, "--json", "--pages", str(pages), "--repeat", "1",
               "--variants", ",".join(variants)]  # fmt: skip
    if archive_dir is not None:
        command += [_ARCHIVE_FROM, archive_dir]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def compare(rev: str, pages: int, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best of ``repeat`` rounds, each a process with ``rev``'s ``archive/`` then one
    with this tree's: (that revision's figures, this tree's)."""
    before: dict[str, float] = {}
    now: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tar = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "archive"], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(tar)) as archive:
            archive.extractall(tmp, filter="data")
        for _ in range(repeat):
            for result, archive_dir, variants in (
                (before, tmp, ["newscrawl", "floor"]),
                (now, None, list(VARIANTS)),
            ):
                for name, ms in _child(pages, variants, archive_dir).items():
                    result[name] = min(result.get(name, float("inf")), ms)
    return before, now


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--against", metavar="REV", help="also time archive/ of this git rev")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(_ARCHIVE_FROM, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    before: dict[str, float] = {}
    if args.against:
        before, result = compare(args.against, args.pages, args.repeat)
    else:
        result = measure(args.pages, args.repeat, args.variants.split(","))
    if args.json:
        print(json.dumps(result))
        return
    floor = result.get("floor")
    for name, ms in result.items():
        ratio = f"  ({ms / floor:.2f} x floor)" if floor else ""
        print(f"{name:>22}: {ms:.3f} CPU ms/page{ratio}")
    if before:
        was, now = before["newscrawl"], result["newscrawl"]
        ratio = f"{was / before['floor']:.2f} x floor in its runs"
        print(f"{'newscrawl@' + args.against:>22}: {was:.3f} CPU ms/page  ({ratio})")
        normalised = (now / result["floor"]) / (was / before["floor"])
        label = f"this tree / {args.against}"
        print(f"{label:>22}: {now / was:.2f}  ({normalised:.2f} floor-normalised)")


if __name__ == "__main__":
    main()
