"""HTTP header handling for the archive: validation, archival fixups, parsing.

Headers are ``(name, value)`` pairs of ``str`` whose characters are all in
latin-1: a header's raw bytes decoded with ``bytes.decode("latin-1")``, which is
lossless. They are written back with ``str.encode("latin-1")``, so the archived
HTTP head holds the bytes that came over the wire. (warcio's own writer would
percent-encode any non-ASCII value instead, which changes what was received.)
The reader parses the head as latin-1 too, so values round-trip exactly.

Archival fixups of a *response* head (``fixup_response_headers``), needed
because the stored payload is the body as the HTTP client handed it over:

* ``Transfer-Encoding`` listing ``chunked``: the client already de-chunked the
  body, so the header is renamed in place to
  ``X-Archive-Orig-Transfer-Encoding`` (same value). A replay tool would
  otherwise try to de-chunk the payload again.
* ``Content-Length`` missing, repeated, or not ``len(body)`` (a de-chunked,
  truncated or wrongly declared body): ``Content-Length: len(body)`` takes the
  place of the first original, and each original is kept, right after it, as
  ``X-Archive-Orig-Content-Length``; a missing one is appended at the end.
  Exception: a response that has no body by HTTP rules (1xx, 204, 304, or the
  answer to ``HEAD``) and an empty payload keeps its ``Content-Length`` as is,
  since there it describes the resource, not this message.
* ``Content-Encoding`` is never touched: the body is still encoded.

Surrounding spaces and tabs of values are dropped (HTTP says they are not
part of the value, and a parser strips them anyway); everything else, order
and repeated headers included, is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

from archive.errors import WarcWriteError

__all__ = [
    "ORIG_PREFIX",
    "HttpHead",
    "Latin1StatusAndHeaders",
    "check_text",
    "fixup_response_headers",
    "has_no_body",
    "host_header",
    "normalize_headers",
    "parse_http_head",
    "request_target",
]

ORIG_PREFIX = "X-Archive-Orig-"
_OWS = " \t"
_DEFAULT_PORTS = {"http": 80, "https": 443}

Headers = list[tuple[str, str]]


class Latin1StatusAndHeaders(StatusAndHeaders):
    """warcio's ``StatusAndHeaders`` whose head is serialised as latin-1 bytes.

    warcio calls ``compute_headers_buffer`` right before writing and digesting
    a record; the default percent-encodes non-ASCII values.
    """

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


def check_text(kind: str, text: object) -> str:
    """Return ``text`` if it is a latin-1 ``str`` without line breaks, else raise."""
    if not isinstance(text, str):
        raise WarcWriteError(
            f"{kind} must be str, got {type(text).__name__} {text!r}; "
            "decode raw header bytes with .decode('latin-1')"
        )
    if "\r" in text or "\n" in text:
        raise WarcWriteError(
            f"{kind} {text!r} contains a line break, which would corrupt the record; "
            "remove CR/LF (an obsolete folded header should be unfolded with a space)"
        )
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        raise WarcWriteError(
            f"{kind} {text!r} has characters outside latin-1; pass header bytes "
            "decoded with .decode('latin-1') so they are archived unchanged"
        ) from None
    return text


def normalize_headers(headers: Iterable[tuple[str, str]], *, what: str) -> Headers:
    """Validate header pairs and strip optional whitespace around values.

    Raises ``WarcWriteError`` for a pair that cannot be written as one latin-1
    ``name: value`` line and read back as the same pair.
    """
    result: Headers = []
    for pair in headers:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise WarcWriteError(
                f"{what} header {pair!r} is not a (name, value) pair; "
                "pass a sequence of 2-tuples of str"
            ) from None
        check_text(f"{what} header name", name)
        # Not every name a server sends is an RFC 9110 token, and the archive keeps
        # what was received; refused are only names that would not read back.
        if not name or ":" in name or name[0] in _OWS or name[-1] in _OWS:
            raise WarcWriteError(
                f"{what} header name {name!r} cannot be archived (empty, contains ':' or "
                "starts or ends with a space or tab); drop the header or fix the name"
            )
        check_text(f"{what} header {name!r} value", value)
        result.append((name, value.strip(_OWS)))
    return result


def has_no_body(method: str, status: int) -> bool:
    """True for responses that carry no body by HTTP rules (RFC 9110, 6.4.1)."""
    return method.upper() == "HEAD" or 100 <= status < 200 or status in (204, 304)


def _is_chunked(value: str) -> bool:
    return any(part.strip(_OWS).lower() == "chunked" for part in value.split(","))


def fixup_response_headers(
    headers: Sequence[tuple[str, str]], body_length: int, *, no_body: bool = False
) -> Headers:
    """Apply the archival fixups described in the module docstring."""
    fixed: Headers = []
    for name, value in headers:
        if name.lower() == "transfer-encoding" and _is_chunked(value):
            fixed.append((ORIG_PREFIX + name, value))
        else:
            fixed.append((name, value))

    lengths = [i for i, (name, _) in enumerate(fixed) if name.lower() == "content-length"]
    if no_body and body_length == 0:
        return fixed
    if len(lengths) == 1 and fixed[lengths[0]][1] == str(body_length):
        return fixed
    if not lengths:
        fixed.append(("Content-Length", str(body_length)))
        return fixed

    result: Headers = []
    for i, (name, value) in enumerate(fixed):
        if i == lengths[0]:
            result.append(("Content-Length", str(body_length)))
        if i in lengths:
            result.append((ORIG_PREFIX + name, value))
        else:
            result.append((name, value))
    return result


def host_header(url: str) -> str:
    """The ``Host`` value for a URL: host as written, port only when non-default."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    try:
        port = parts.port
    except ValueError:
        raise WarcWriteError(f"URL {url!r} has an invalid port; fix the URL") from None
    if port is not None and port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = host[: host.rfind(":")]
    return host


def request_target(url: str) -> str:
    """The request-line target: path (``/`` when empty) plus ``?query``."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query or url.split("#", 1)[0].endswith("?"):
        target += "?" + parts.query
    return target


class HttpHead:
    """A parsed HTTP head: the start line split in three, and the header pairs."""

    __slots__ = ("first", "headers", "length", "second", "third")

    def __init__(self, first: str, second: str, third: str, headers: Headers, length: int):
        self.first = first  # protocol (response) or method (request)
        self.second = second  # status code (response) or request target (request)
        self.third = third  # reason phrase (response) or protocol (request)
        self.headers = headers
        self.length = length  # bytes of the head, blank line included


def parse_http_head(block: bytes) -> HttpHead:
    """Parse the HTTP head at the start of a record block, reading bytes as latin-1.

    Lenient like warcio's parser: LF or CRLF line ends, folded lines joined
    with a space, lines without a colon skipped, a missing blank line accepted.
    """
    lines: list[str] = []
    pos = 0
    while pos < len(block):
        end = block.find(b"\n", pos)
        if end == -1:
            raw, pos = block[pos:], len(block)
        else:
            raw, pos = block[pos:end], end + 1
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line:
            break
        lines.append(line.decode("latin-1"))

    start = lines[0].split(" ", 2) if lines else []
    start += [""] * (3 - len(start))
    headers: Headers = []
    for text in lines[1:]:
        if text[:1] in (" ", "\t"):
            if headers:
                name, value = headers[-1]
                headers[-1] = (name, f"{value} {text.strip(_OWS)}".strip(_OWS))
            continue
        name, sep, value = text.partition(":")
        if sep:
            headers.append((name.rstrip(_OWS), value.strip(_OWS)))
    return HttpHead(start[0], start[1], start[2], headers, pos)
