"""warcio reads br and zstd payloads once ``archive`` is imported (archive/warcio_compat.py).

warcio 1.8.1's own br decoder fails with brotli 1.2 and it has no zstd one;
these write such records with the real writer and read them back with warcio
itself and through the WACZ packager, which indexes with warcio.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
from backports import zstd
from warcio.archiveiterator import ArchiveIterator

from archive import HttpExchange, WarcWriter
from archive.wacz import validate_wacz, write_wacz

HTML = b"<html><head><title>Caf\xc3\xa9</title></head><body><p>story</p></body></html>" * 40
CODINGS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("br", brotli.compress),
    ("zstd", zstd.compress),
    ("gzip", gzip.compress),
]


def archive_encoded(directory: Path) -> None:
    with WarcWriter(directory, hostname="h") as writer:
        for coding, encode in CODINGS:
            writer.write_exchange(
                HttpExchange(
                    url=f"https://news.example/{coding}",
                    response_headers=[("Content-Type", "text/html"), ("Content-Encoding", coding)],
                    body=encode(HTML),
                )
            )


def test_warcio_decodes_each_coding(tmp_path: Path) -> None:
    archive_encoded(tmp_path / "warc")
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    decoded = {}
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                url = record.rec_headers.get_header("WARC-Target-URI")
                decoded[url.rsplit("/", 1)[1]] = record.content_stream().read()
    assert decoded == {coding: HTML for coding, _ in CODINGS}


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_raw_stream_keeps_the_coding(tmp_path: Path, coding: str) -> None:
    """Decoding is only for ``content_stream``: the raw payload stays as sent."""
    archive_encoded(tmp_path / "warc")
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    encode = dict(CODINGS)[coding]
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "response" and url == f"https://news.example/{coding}":
                assert record.raw_stream.read() == encode(HTML)
                return
    pytest.fail(f"no {coding} response archived")


def test_wacz_packages_br_and_zstd_captures(tmp_path: Path) -> None:
    out = tmp_path / "out"
    archive_encoded(out / "warc")
    summary = write_wacz(out, tmp_path / "crawl.wacz")
    assert summary.warcs == 1
    assert validate_wacz(summary.path) == []
