"""Scrapy's content decoding, telling a cut-short compressed body from a whole one.

``HttpCompressionMiddleware`` returns "as much data as possible" from a gzip,
deflate, brotli or zstd stream that stops early: a server that dies mid-page
behind a correct ``Content-Length`` (or a clean last chunk) hands the spider
half an article that would pass for the whole. This subclass decodes the same
way and flags such a response ``INCOMPLETE_CODING``; the spider counts it as
``truncated`` and does not extract it, as for a body shorter than announced.
The WARC record is untouched: it holds the bytes as sent.

For a single gzip member the check is nearly free (the trailer's ISIZE against
the decoded length); any other coding is decoded a second time, strictly.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Response

from archive.content_coding import UnsupportedEncoding, decode_content, parse_content_encoding
from archive.errors import WarcFormatError

INCOMPLETE_CODING = "incomplete_coding"  # the response flag


class CheckedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """``HttpCompressionMiddleware`` that flags a compressed body which ends early."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        header = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        raw = response.body
        decoded = super().process_response(request, response)
        if (
            decoded is not response
            and isinstance(decoded, Response)
            and not stream_is_whole(raw, header, len(decoded.body))
        ):
            decoded.flags.append(INCOMPLETE_CODING)
        return decoded


def stream_is_whole(raw: bytes, content_encoding: str, decoded_length: int) -> bool:
    """Whether ``raw`` decodes completely under ``content_encoding``.

    An unknown coding counts as whole: Scrapy left it encoded, and what cannot
    be decoded cannot be judged.
    """
    codings = parse_content_encoding(content_encoding)
    if codings in (["gzip"], ["x-gzip"]) and len(raw) >= 18:
        isize = int.from_bytes(raw[-4:], "little")
        if isize == decoded_length & 0xFFFFFFFF:
            return True  # else several members, or a cut: decode to tell
    try:
        decode_content(raw, content_encoding)
    except UnsupportedEncoding:
        return True
    except WarcFormatError:
        return False
    return True
