"""Turning response bytes into text safely: binary sniffing and charset repair.

Servers lie about charsets and sometimes send images or archives as text/html.
Both are archived as received; these checks decide whether extraction may run
and on which text.
"""

from __future__ import annotations

from scrapy.http import TextResponse

_SNIFF_BYTES = 4096
_SINGLE_BYTE = {"cp1252", "latin-1", "latin1", "iso-8859-1", "iso8859-1", "windows-1252", "ascii"}
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 32))
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_STRAY_NULS = 2  # more NUL bytes than this in the sniffed start: binary


def looks_binary(body: bytes, encoding: str | None = None) -> bool:
    """True when the start of ``body`` is not text (NUL bytes or many control bytes).

    UTF-16 and UTF-32 are full of NUL and control-range bytes: a byte-order mark
    or a declared ``encoding`` of that family says text. Elsewhere a stray NUL or
    two (an editor's slip in a long article) is not binary; compressed or image
    bytes have one NUL in 256, some 16 in the sniffed 4 KiB.
    """
    head = body[:_SNIFF_BYTES]
    if not head or head.startswith(_UTF16_BOMS):
        return False
    if encoding and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        return False
    if head.count(b"\x00") > _STRAY_NULS:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))  # one pass, in C
    return controls / len(head) > 0.1


def decode_html(response: TextResponse) -> tuple[str, bool]:
    """The response's text and whether it decoded cleanly.

    Scrapy decodes with the declared charset and replaces bad bytes. When that
    leaves replacement characters the body gets a second chance as strict
    UTF-8 (the usual truth behind a wrong latin-1 label), else the declared
    decoding is kept. Either way the page is flagged as a charset error.
    """
    text = response.text
    body = response.body
    if (response.encoding or "").lower() in _SINGLE_BYTE and not body.isascii():
        # Declared single-byte, but valid UTF-8 with non-ASCII bytes is UTF-8:
        # decoding it as cp1252 would only produce mojibake.
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            return text, True
    if "\ufffd" not in text or "\ufffd".encode() in body:
        return text, True
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), False
