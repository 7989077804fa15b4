"""The pieces of a record that the writer puts together: HTTP heads, dates, fields.

Pure functions, no I/O: everything that can be wrong with an exchange is
found here, before the writer touches a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version

from archive.errors import WarcWriteError
from archive.http_headers import (
    Latin1StatusAndHeaders,
    check_text,
    fixup_response_headers,
    has_no_body,
    host_header,
    normalize_headers,
    request_target,
)

__all__ = [
    "TRUNCATED_REASONS",
    "HttpExchange",
    "check_field",
    "file_timestamp",
    "format_warc_date",
    "http_heads",
    "parse_warc_date",
    "warc_fields",
    "warcinfo_fields",
]

TRUNCATED_REASONS = frozenset({"length", "time", "disconnect", "unspecified"})
CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
# warcio (and replay tools) parse an HTTP head only for http: and https: target URIs.
_URL_RE = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class HttpExchange:
    """One request/response pair as it went over the wire (body still encoded).

    Header pairs are ``str`` holding the raw bytes decoded as latin-1, in the
    order received, repeated headers as separate pairs.
    """

    url: str  # full URL including the query string
    method: str = "GET"
    request_headers: Sequence[tuple[str, str]] = ()
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"  # the response's HTTP version
    status: int = 200
    reason: str | None = None  # None: the standard phrase ("" if unknown)
    response_headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""  # still Content-Encoded, already de-chunked
    ip_address: str | None = None
    truncated: str | None = None  # WARC-Truncated reason when the body is incomplete
    fetched_at: datetime | None = None  # UTC; default: the writer's clock


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _as_utc(moment: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken as UTC."""
    if moment.tzinfo is UTC:  # the writer's clock and the crawl's fetch times: nothing to do
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_warc_date(moment: datetime) -> str:
    """``WARC-Date`` with microseconds, as WARC 1.1 allows: 2024-05-01T12:00:00.123456Z."""
    return _as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_warc_date(text: str) -> datetime:
    """The inverse of ``format_warc_date`` (also accepts whole seconds)."""
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.strptime(text, pattern).replace(tzinfo=UTC)


def file_timestamp(moment: datetime) -> str:
    """``YYYYMMDDHHMMSSmmm`` (UTC, milliseconds) for file names."""
    moment = _as_utc(moment)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def check_field(kind: str, value: str) -> str:
    """Return ``value`` if it fits on one header line, else raise ``WarcWriteError``."""
    if not isinstance(value, str):
        raise WarcWriteError(f"{kind} must be str, got {type(value).__name__} {value!r}")
    if "\r" in value or "\n" in value:
        raise WarcWriteError(f"{kind} {value!r} contains a line break; remove CR/LF")
    return value


def warc_fields(fields: Sequence[tuple[str, str]]) -> bytes:
    """An ``application/warc-fields`` body: ``name: value`` lines, UTF-8."""
    lines = [
        f"{check_field('field name', name)}: {check_field('field value', value)}\r\n"
        for name, value in fields
    ]
    return "".join(lines).encode("utf-8")


def warcinfo_fields(given: Mapping[str, str]) -> dict[str, str]:
    """Default warcinfo fields, updated with ``given`` (empty values dropped).

    The warcio version is appended to ``software`` unless it already names warcio.
    """
    fields = {
        "software": f"newscrawl/{_package_version('newscrawl')}",
        "format": "WARC File Format 1.1",
        "conformsTo": CONFORMS_TO,
    }
    fields.update({str(k): str(v) for k, v in given.items() if v not in (None, "")})
    if "warcio" not in fields["software"]:
        fields["software"] += f" warcio/{_package_version('warcio')}"
    for name, value in fields.items():
        check_field("warcinfo field name", name)
        check_field("warcinfo field value", value)
    return fields


def _validate(exchange: HttpExchange) -> None:
    if not isinstance(exchange.url, str) or not _URL_RE.fullmatch(exchange.url):
        raise WarcWriteError(
            f"URL {exchange.url!r} is not an http:// or https:// URL without spaces; "
            "lower-case the scheme and percent-encode the URL (w3lib.url.safe_url_string), "
            "and do not archive other schemes as HTTP exchanges"
        )
    for kind, token in (("method", exchange.method), ("protocol", exchange.protocol)):
        if not isinstance(token, str) or not token or any(c.isspace() for c in token):
            raise WarcWriteError(f"HTTP {kind} {token!r} must be a non-empty word")
        check_text(f"HTTP {kind}", token)
    if not isinstance(exchange.status, int) or not 100 <= exchange.status <= 999:
        raise WarcWriteError(f"HTTP status {exchange.status!r} must be an int in 100..999")
    if exchange.truncated is not None and exchange.truncated not in TRUNCATED_REASONS:
        raise WarcWriteError(
            f"truncated={exchange.truncated!r}; use one of {sorted(TRUNCATED_REASONS)}"
        )
    if exchange.ip_address is not None:
        check_field("ip_address", exchange.ip_address)
    if not isinstance(exchange.body, bytes) or not isinstance(exchange.request_body, bytes):
        raise WarcWriteError("body and request_body must be bytes, as received")


def http_heads(exchange: HttpExchange) -> tuple[Latin1StatusAndHeaders, Latin1StatusAndHeaders]:
    """The response head (with the archival fixups) and the request head.

    Raises ``WarcWriteError`` for anything that cannot be archived as given.
    """
    _validate(exchange)
    reason = exchange.reason
    if reason is None:
        try:
            reason = HTTPStatus(exchange.status).phrase
        except ValueError:
            reason = ""
    check_text("HTTP reason phrase", reason)
    response_headers = fixup_response_headers(
        normalize_headers(exchange.response_headers, what="response"),
        len(exchange.body),
        no_body=has_no_body(exchange.method, exchange.status),
    )
    response = Latin1StatusAndHeaders(
        f"{exchange.status} {reason}", response_headers, protocol=exchange.protocol
    )
    request_headers = normalize_headers(exchange.request_headers, what="request")
    if not any(name.lower() == "host" for name, _ in request_headers):
        request_headers.insert(0, ("Host", host_header(exchange.url)))
    request = Latin1StatusAndHeaders(
        f"{request_target(exchange.url)} HTTP/1.1", request_headers, protocol=exchange.method
    )
    return response, request
