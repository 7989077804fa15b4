"""Undo an HTTP ``Content-Encoding`` (gzip, deflate, br, zstd) on an archived payload.

Archived payloads keep their content coding, because that is what the server
sent and what the payload digest covers; readers that want the text decode
here. ``br`` needs the ``brotli`` (or ``brotlicffi``) package, ``zstd``
Python 3.14's ``compression.zstd`` or the ``backports.zstd`` package (both
come with Scrapy).
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from archive.errors import WarcFormatError

__all__ = [
    "UnsupportedEncoding",
    "brotli_module",
    "decode_content",
    "parse_content_encoding",
    "zstd_module",
]


def _first_module(*names: str) -> ModuleType | None:
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None  # pragma: no cover - depends on the environment


_brotli = _first_module("brotli", "brotlicffi")
_zstd = _first_module("compression.zstd", "backports.zstd")


def brotli_module() -> ModuleType | None:
    """The brotli binding in use, None when none is installed."""
    return _brotli


def zstd_module() -> ModuleType | None:
    """The zstd binding in use, None when none is installed."""
    return _zstd


class UnsupportedEncoding(WarcFormatError):
    """The payload uses a content coding this module cannot undo."""


def parse_content_encoding(value: str | None) -> list[str]:
    """Codings in the order they were applied, lower-cased, ``identity`` dropped."""
    if not value:
        return []
    codings = [part.strip(" \t").lower() for part in value.split(",")]
    return [c for c in codings if c and c != "identity"]


def _frames(
    new_decoder: Callable[[], Any], data: bytes, allow_partial: bool, several: bool
) -> bytes:
    """Decode with zlib's or zstd's streaming decoders (``decompress``, ``eof``,
    ``unused_data``): one stream, or with ``several`` frames back to back."""
    out = []
    while True:
        decoder = new_decoder()
        out.append(decoder.decompress(data))
        if not decoder.eof:
            if not allow_partial:
                raise zlib.error("the compressed stream ends early")
            if hasattr(decoder, "flush"):
                out.append(decoder.flush())
            break
        data = decoder.unused_data
        if not data or not several:  # otherwise anything after the stream must be empty
            break
    return b"".join(out)


def _zlib(data: bytes, wbits: int, allow_partial: bool) -> bytes:
    # gzip allows several members back to back
    several = wbits == 16 + zlib.MAX_WBITS
    return _frames(lambda: zlib.decompressobj(wbits), data, allow_partial, several)


def _gzip(data: bytes, allow_partial: bool) -> bytes:
    return _zlib(data, 16 + zlib.MAX_WBITS, allow_partial)


def _deflate(data: bytes, allow_partial: bool) -> bytes:
    # "deflate" should be a zlib stream, but many servers send raw deflate.
    try:
        return _zlib(data, zlib.MAX_WBITS, allow_partial)
    except zlib.error:
        return _zlib(data, -zlib.MAX_WBITS, allow_partial)


def _br(data: bytes, allow_partial: bool) -> bytes:
    if _brotli is None:
        raise UnsupportedEncoding(
            "the payload is brotli-compressed (Content-Encoding: br); "
            "install the 'brotli' package to decode it, or use the raw payload"
        )
    decoder = _brotli.Decompressor()
    try:
        out: bytes = decoder.process(data)
    except _brotli.error as exc:
        raise zlib.error(f"invalid brotli data: {exc}") from None
    if not allow_partial and not decoder.is_finished():
        raise zlib.error("the brotli stream ends early")
    return out


def _zstd_decode(data: bytes, allow_partial: bool) -> bytes:
    if _zstd is None:
        raise UnsupportedEncoding(
            "the payload is zstd-compressed (Content-Encoding: zstd); install the "
            "'backports.zstd' package (Python < 3.14) to decode it, or use the raw payload"
        )
    try:  # like gzip, zstd allows several frames back to back
        return _frames(_zstd.ZstdDecompressor, data, allow_partial, several=True)
    except _zstd.ZstdError as exc:
        raise zlib.error(f"invalid zstd data: {exc}") from None


_DECODERS: dict[str, Callable[[bytes, bool], bytes]] = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "br": _br,
    "zstd": _zstd_decode,
}


def decode_content(
    data: bytes, content_encoding: str | None, *, allow_partial: bool = False
) -> bytes:
    """Remove every coding listed in ``content_encoding`` (last applied first).

    ``allow_partial`` accepts a stream that stops early, as in a truncated
    record, and returns what decodes. Raises ``UnsupportedEncoding`` for an
    unknown coding and ``WarcFormatError`` for data that does not decode.
    """
    for coding in reversed(parse_content_encoding(content_encoding)):
        if not data:
            break
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise UnsupportedEncoding(
                f"unsupported Content-Encoding {coding!r}; use the raw payload instead"
            )
        try:
            data = decoder(data, allow_partial)
        except zlib.error as exc:
            raise WarcFormatError(
                f"the payload does not decode as Content-Encoding {coding!r} ({exc}); "
                "the raw payload is still available, and `warcio check` tells whether "
                "the record itself is intact"
            ) from None
    return data
