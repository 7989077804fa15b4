"""Make warcio decode ``br`` and ``zstd`` payloads with today's libraries.

warcio 1.8.1 builds its ``br`` decompressor by setting an attribute on
``brotli.Decompressor`` and calling its ``decompress``; brotli 1.2 (which
Scrapy 2.19 requires) allows neither, so any warcio reader that reaches a
brotli-encoded response (``wacz``'s indexer, a payload read) fails with an
``AttributeError``. warcio has no ``zstd`` decoder at all. ``install()``
registers decoders with warcio's interface (``decompress``, ``unused_data``,
``flush``) over whichever library is present; ``archive`` calls it on import.
"""

from __future__ import annotations

from collections.abc import Callable

from warcio.bufferedreaders import BufferedReader

from archive.content_coding import brotli_module, zstd_module

__all__ = ["install"]


class _Decompressor:
    """warcio's decompressor interface over one stream's ``process`` function."""

    unused_data = b""  # one record's payload is one stream: nothing is left over

    def __init__(self, process: Callable[[bytes], bytes]) -> None:
        self.decompress = process

    def flush(self) -> bytes:
        return b""


def _brotli_works() -> bool:
    try:
        BufferedReader.DECOMPRESSORS["br"]()
    except (KeyError, AttributeError, TypeError):
        return False
    return True


def install() -> None:
    """Register working ``br`` and ``zstd`` decoders with warcio (idempotent)."""
    brotli = brotli_module()
    if brotli is not None and not _brotli_works():
        BufferedReader.DECOMPRESSORS["br"] = lambda: _Decompressor(brotli.Decompressor().process)
    zstd = zstd_module()
    if zstd is not None and "zstd" not in BufferedReader.DECOMPRESSORS:
        BufferedReader.DECOMPRESSORS["zstd"] = lambda: _Decompressor(
            zstd.ZstdDecompressor().decompress
        )
