"""Telling a whole compressed body from one cut short (the middleware's check)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from archive.content_coding import brotli_module, zstd_module
from crawler.middlewares.compression import stream_is_whole

TEXT = b"<p>" + b"The bakery in Zurich queued customers for hours. " * 200 + b"</p>"


def _encoders() -> dict[str, object]:
    encoders: dict[str, object] = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
    }
    if (br := brotli_module()) is not None:
        encoders["br"] = br.compress
    if (zstd := zstd_module()) is not None:
        encoders["zstd"] = zstd.compress
    return encoders


ENCODERS = _encoders()


@pytest.mark.parametrize("coding", sorted(ENCODERS))
def test_whole_stream_is_whole(coding: str) -> None:
    raw = ENCODERS[coding](TEXT)  # type: ignore[operator]
    assert stream_is_whole(raw, coding, len(TEXT))


@pytest.mark.parametrize("coding", sorted(ENCODERS))
def test_stream_cut_short_is_not(coding: str) -> None:
    raw = ENCODERS[coding](TEXT)  # type: ignore[operator]
    assert not stream_is_whole(raw[: len(raw) // 2], coding, len(TEXT) // 2)


def test_two_gzip_members_are_whole_though_the_last_isize_differs() -> None:
    raw = gzip.compress(TEXT) + gzip.compress(b"<p>tail</p>")
    assert stream_is_whole(raw, "gzip", len(TEXT) + 11)


def test_gzip_cut_after_a_whole_member_is_not() -> None:
    second = gzip.compress(b"<p>a second member</p>")
    raw = gzip.compress(TEXT) + second[:-6]
    assert not stream_is_whole(raw, "gzip", len(TEXT))


def test_an_unknown_coding_is_left_alone() -> None:
    assert stream_is_whole(b"\x00\x01opaque", "compress", 6)
