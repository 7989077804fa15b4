"""Read WARC records back: every record of a file, or one record at an offset.

Built on warcio's ``ArchiveIterator`` for the WARC layer (gzip members,
offsets, lengths). The HTTP head is parsed here, as latin-1, so header values
come back exactly as written (see ``archive.http_headers``); the payload is
returned as stored, still Content-Encoded: ``ArchivedRecord.decoded_body()``
removes the coding.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import WARCIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archive.content_coding import decode_content
from archive.errors import RecordNotFound, WarcFormatError
from archive.http_headers import parse_http_head

__all__ = ["ArchivedRecord", "iter_records", "read_record"]

OPEN_SUFFIX = ".open"
_HTTP_RECORD_TYPES = ("response", "request", "revisit")
WARCIO_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, zlib.error, OSError)
_CHUNK = 1 << 16
_HTTP = ("http:", "https:")


def _get(headers: list[tuple[str, str]] | None, name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers or ():
        if key.lower() == lowered:
            return value
    return None


@dataclass
class ArchivedRecord:
    """One WARC record as stored: WARC headers, HTTP head (if any), raw payload."""

    rec_type: str
    record_id: str
    target_uri: str | None
    date: str
    warc_headers: list[tuple[str, str]]
    http_status: int | None  # responses only
    http_protocol: str | None  # e.g. "HTTP/1.1", for requests and responses
    http_reason: str | None  # responses only
    http_headers: list[tuple[str, str]] | None  # None for records without an HTTP head
    payload: bytes  # as stored: after the HTTP head, NOT content-decoded
    offset: int
    length: int
    filename: str  # basename, without ".open"
    http_method: str | None = None  # requests only
    http_target: str | None = None  # requests only: path?query

    def warc_header(self, name: str) -> str | None:
        """First WARC header called ``name`` (case-insensitive), or None."""
        return _get(self.warc_headers, name)

    def http_header(self, name: str) -> str | None:
        """First HTTP header called ``name`` (case-insensitive), or None."""
        return _get(self.http_headers, name)

    @property
    def truncated(self) -> str | None:
        """The ``WARC-Truncated`` reason, when the payload is incomplete."""
        return self.warc_header("WARC-Truncated")

    def decoded_body(self) -> bytes:
        """The payload with its Content-Encoding (gzip, deflate, br) removed.

        A truncated record decodes as far as its data goes. Raises
        ``WarcFormatError`` when the payload does not decode.
        """
        return decode_content(
            self.payload,
            self.http_header("Content-Encoding"),
            allow_partial=self.truncated is not None,
        )


def read_stream(stream: Any) -> bytes:
    """Read a warcio record stream to its end (it limits itself to the record)."""
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


def _to_record(raw: Any, block: bytes, offset: int, length: int, filename: str) -> ArchivedRecord:
    warc_headers = list(raw.rec_headers.headers)
    rec_type = raw.rec_type or ""
    uri = raw.rec_headers.get_header("WARC-Target-URI")
    record = ArchivedRecord(
        rec_type=rec_type,
        record_id=raw.rec_headers.get_header("WARC-Record-ID") or "",
        target_uri=uri,
        date=raw.rec_headers.get_header("WARC-Date") or "",
        warc_headers=warc_headers,
        http_status=None,
        http_protocol=None,
        http_reason=None,
        http_headers=None,
        payload=block,
        offset=offset,
        length=length,
        filename=filename,
    )
    # Like warcio: only http(s) records of these types have an HTTP head.
    if rec_type not in _HTTP_RECORD_TYPES or not block or not (uri or "").startswith(_HTTP):
        return record
    head = parse_http_head(block)
    record.http_headers = head.headers
    record.payload = block[head.length :]
    if rec_type == "request":
        record.http_method, record.http_target, record.http_protocol = (
            head.first,
            head.second,
            head.third,
        )
        return record
    record.http_protocol, record.http_reason = head.first, head.third
    try:
        record.http_status = int(head.second)
    except ValueError:
        raise WarcFormatError(
            f"{filename} offset {offset}: {rec_type} record {record.record_id} has the "
            f"status line {head.first} {head.second} {head.third!r}; run `warcio check` on it"
        ) from None
    return record


def _display_name(path: Path) -> str:
    name = path.name
    return name[: -len(OPEN_SUFFIX)] if name.endswith(OPEN_SUFFIX) else name


def _iterate(fh: BinaryIO, path: Path, *, limit: int | None = None) -> Iterator[ArchivedRecord]:
    filename = _display_name(path)
    iterator = WARCIterator(fh, no_record_parse=True)
    count = 0
    offset = fh.tell()
    try:
        for raw in iterator:
            block = read_stream(raw.raw_stream)
            offset = iterator.get_record_offset()
            length = iterator.get_record_length()
            yield _to_record(raw, block, offset, length, filename)
            count += 1
            if limit is not None and count >= limit:
                return
    except WARCIO_ERRORS as exc:
        raise WarcFormatError(
            f"{path}: cannot read the record after offset {offset} ({str(exc).strip()}); "
            f"run `warcio check {path}` for details"
        ) from exc


def iter_records(path: str | os.PathLike[str]) -> Iterator[ArchivedRecord]:
    """Every record of a WARC file (gzip or plain), with its offset and length."""
    target = Path(path)
    with target.open("rb") as fh:
        yield from _iterate(fh, target)


def _resolve(path: Path) -> Path:
    """The file itself, or its ``.open`` twin while the writer still has it."""
    if path.exists():
        return path
    still_open = path.with_name(path.name + OPEN_SUFFIX)
    if still_open.exists():
        return still_open
    raise RecordNotFound(
        f"{path} does not exist (nor {still_open.name}); the pointer may name a file "
        "that was moved or deleted, look for it in the WARC directory"
    )


def read_record(path: str | os.PathLike[str], offset: int) -> ArchivedRecord:
    """Seek to ``offset`` and read the one record there (a ``RecordLocation`` pointer).

    Falls back to ``PATH.open`` when the file is still being written.
    Raises ``RecordNotFound`` when the file or offset does not exist, and
    ``WarcFormatError`` when the offset is not the start of a record.
    """
    target = _resolve(Path(path))
    size = target.stat().st_size
    if not 0 <= offset < size:
        raise RecordNotFound(
            f"no record at offset {offset} in {target}: the file has {size} bytes; the pointer "
            "is stale or for another file, take fresh offsets from iter_records()"
        )
    with target.open("rb") as fh:
        fh.seek(offset)
        try:
            for record in _iterate(fh, target, limit=1):
                return record
        except WarcFormatError as exc:
            raise WarcFormatError(
                f"offset {offset} in {target} is not the start of a WARC record ({exc}); use an "
                "offset from RecordLocation or iter_records(), not one into a record"
            ) from exc
    raise RecordNotFound(f"no record at offset {offset} in {target}; the file ends there")
