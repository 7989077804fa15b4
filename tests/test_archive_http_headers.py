"""Header normalisation, archival fixups and HTTP head parsing (no files involved)."""

from __future__ import annotations

import pytest

from archive.http_headers import (
    fixup_response_headers,
    has_no_body,
    host_header,
    normalize_headers,
    parse_http_head,
    request_target,
)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        pytest.param(
            [("Transfer-Encoding", "chunked")],
            b"hello",
            [("X-Archive-Orig-Transfer-Encoding", "chunked"), ("Content-Length", "5")],
            id="chunked-dropped-length-added",
        ),
        pytest.param(
            [("transfer-encoding", "gzip, Chunked"), ("Content-Length", "5")],
            b"hello",
            [("X-Archive-Orig-transfer-encoding", "gzip, Chunked"), ("Content-Length", "5")],
            id="chunked-in-a-list",
        ),
        pytest.param(
            [("Content-Length", "5"), ("X-A", "1")],
            b"hello",
            [("Content-Length", "5"), ("X-A", "1")],
            id="correct-length-untouched",
        ),
        pytest.param(
            [("Content-Type", "text/plain")],
            b"hello",
            [("Content-Type", "text/plain"), ("Content-Length", "5")],
            id="missing-length-appended",
        ),
        pytest.param(
            [("Content-Length", "4096"), ("X-A", "1")],
            b"hello",
            [
                ("Content-Length", "5"),
                ("X-Archive-Orig-Content-Length", "4096"),
                ("X-A", "1"),
            ],
            id="truncated-length-replaced",
        ),
        pytest.param(
            [("Content-Length", "5"), ("X-A", "1"), ("Content-Length", "5")],
            b"hello",
            [
                ("Content-Length", "5"),
                ("X-Archive-Orig-Content-Length", "5"),
                ("X-A", "1"),
                ("X-Archive-Orig-Content-Length", "5"),
            ],
            id="repeated-length",
        ),
        pytest.param(
            [("Content-Encoding", "gzip"), ("Content-Length", "3")],
            b"abc",
            [("Content-Encoding", "gzip"), ("Content-Length", "3")],
            id="content-encoding-untouched",
        ),
        pytest.param(
            [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Pad", "  spaced \t")],
            b"",
            [
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("X-Pad", "spaced"),
                ("Content-Length", "0"),
            ],
            id="repeats-kept-whitespace-trimmed",
        ),
    ],
)
def test_response_header_fixups(
    headers: list[tuple[str, str]], body: bytes, expected: list[tuple[str, str]]
) -> None:
    normalized = normalize_headers(headers, what="response")
    assert fixup_response_headers(normalized, len(body)) == expected
    # already fixed-up heads are left alone: rewriting an archive changes nothing
    assert fixup_response_headers(expected, len(body)) == expected


@pytest.mark.parametrize(
    ("method", "status", "expected"),
    [
        pytest.param("HEAD", 200, True, id="head"),
        pytest.param("head", 404, True, id="head-lower-case"),
        pytest.param("GET", 101, True, id="switching-protocols"),
        pytest.param("GET", 204, True, id="no-content"),
        pytest.param("GET", 304, True, id="not-modified"),
        pytest.param("GET", 200, False, id="get"),
        pytest.param("POST", 205, False, id="reset-content"),
    ],
)
def test_has_no_body(method: str, status: int, expected: bool) -> None:
    assert has_no_body(method, status) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"", [("Content-Length", "1234")], id="empty-body-kept"),
        pytest.param(
            b"abc",
            [("Content-Length", "3"), ("X-Archive-Orig-Content-Length", "1234")],
            id="body-fixed",
        ),
    ],
)
def test_bodiless_response_keeps_its_length(body: bytes, expected: list[tuple[str, str]]) -> None:
    assert fixup_response_headers([("Content-Length", "1234")], len(body), no_body=True) == expected


@pytest.mark.parametrize(
    ("url", "host", "target"),
    [
        pytest.param("http://example.com", "example.com", "/", id="empty-path"),
        pytest.param("http://example.com:80/a", "example.com", "/a", id="default-port"),
        pytest.param("https://example.com:443/a?", "example.com", "/a?", id="empty-query"),
        pytest.param("https://example.com:8443/a?b=1&c", "example.com:8443", "/a?b=1&c", id="port"),
        pytest.param("http://u:p@Example.com:81/#frag", "Example.com:81", "/", id="userinfo"),
        pytest.param("http://[::1]:8080/x", "[::1]:8080", "/x", id="ipv6"),
    ],
)
def test_host_header_and_request_target(url: str, host: str, target: str) -> None:
    assert host_header(url) == host
    assert request_target(url) == target


@pytest.mark.parametrize(
    ("block", "start", "headers", "payload"),
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB:2\r\n\r\nbody",
            ("HTTP/1.1", "200", "OK"),
            [("A", "1"), ("B", "2")],
            b"body",
            id="crlf",
        ),
        pytest.param(
            b"HTTP/1.0 404 Not Found\nA: 1\n\nbody\r\n\r\n",
            ("HTTP/1.0", "404", "Not Found"),
            [("A", "1")],
            b"body\r\n\r\n",
            id="lf-only",
        ),
        pytest.param(
            b"HTTP/1.1 200 \r\nX: a\r\n  b\r\n\tc\r\nno colon\r\n\r\n",
            ("HTTP/1.1", "200", ""),
            [("X", "a b c")],
            b"",
            id="folded-and-junk-lines",
        ),
        pytest.param(
            b"GET /a?b HTTP/1.1\r\nHost: h\r\nX-L: caf\xe9",
            ("GET", "/a?b", "HTTP/1.1"),
            [("Host", "h"), ("X-L", "caf\xe9")],
            b"",
            id="no-blank-line-latin1",
        ),
    ],
)
def test_parse_http_head(
    block: bytes, start: tuple[str, str, str], headers: list[tuple[str, str]], payload: bytes
) -> None:
    head = parse_http_head(block)
    assert (head.first, head.second, head.third) == start
    assert head.headers == headers
    assert block[head.length :] == payload
