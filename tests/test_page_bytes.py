"""Binary sniffing: ``looks_binary`` is its definition, counted byte by byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.page_bytes import _CONTROL, _SNIFF_BYTES, looks_binary


def _by_definition(body: bytes) -> bool:
    head = body[:_SNIFF_BYTES]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
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
    assert looks_binary(b"abc\x00def")
