"""Binary sniffing: ``looks_binary`` is its definition, counted byte by byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.page_bytes import _CONTROL, _SNIFF_BYTES, _STRAY_NULS, looks_binary


def _by_definition(body: bytes) -> bool:
    head = body[:_SNIFF_BYTES]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if head.count(0) > _STRAY_NULS:
        return True
    return sum(1 for byte in head if byte in _CONTROL) / len(head) > 0.1


@given(st.binary(max_size=6000), st.binary(min_size=1, max_size=40))
def test_looks_binary_counts_control_bytes(body: bytes, alphabet: bytes) -> None:
    skewed = bytes(alphabet[b % len(alphabet)] for b in body)  # few distinct bytes, like text
    assert looks_binary(body) == _by_definition(body)
    assert looks_binary(skewed) == _by_definition(skewed)


def test_looks_binary_on_typical_bodies() -> None:
    assert not looks_binary(b"<html><body>Hello\tworld\r\n</body></html>")
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert looks_binary(bytes(range(1, 9)) * 10 + b"abc")
    assert not looks_binary(b"")
    assert not looks_binary("<p>hello \u0105</p>".encode("utf-16"))  # a BOM says text
    assert looks_binary(b"abc\x00def")  # one NUL in seven bytes: 14% control bytes
    page = b"<html><body>" + b"<p>A long article.</p>" * 200 + b"</body></html>"
    assert not looks_binary(page[:2000] + b"\x00" + page[2000:])  # a stray NUL is a slip
    assert looks_binary(page[:2000] + b"\x00" * 3 + page[2000:])
    utf16 = "<p>caf\u00e9</p>".encode("utf-16-le")  # no BOM: only the declaration says so
    assert looks_binary(utf16)
    for declared in ("utf-16-le", "UTF-16", "utf_16_be", "utf-32"):
        assert not looks_binary(utf16, declared)
    assert looks_binary(utf16, "utf-8")
