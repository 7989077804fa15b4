"""Write HTTP exchanges to WARC 1.1 files, behind a small typed API.

* Records are the bytes warcio's ``WARCWriter`` writes for them (field order,
  ``WARC-Block-Digest`` and ``WARC-Payload-Digest`` as sha1 base32,
  ``Content-Type`` and ``Content-Length`` last), put together here directly:
  warcio's record objects look fields up, copy, hash and serialise in several
  passes (about a sixth of the writer's CPU in ``benchmarks/warc_write.py``).
  ``tests/test_archive_writer_warcio.py`` holds the two byte-identical,
  compressed output included.
* One gzip member per record (as ``warcio.WARCWriter(gzip=True)`` writes
  them), so every record can be read on its own from its offset:
  ``RecordLocation`` is that pointer. ``gzip_level`` (1-9) trades size for
  speed: warcio always uses 9, which costs about three times the CPU of 1 for
  files about 15% smaller on HTML pages.
* Each exchange is a ``response`` record followed by a ``request`` record that
  points back at it with ``WARC-Concurrent-To`` and has the same ``WARC-Date``;
  the pair always lands in one file.
* Files are named ``PREFIX-YYYYMMDDHHMMSSmmm-SERIAL-HOST.warc.gz`` and written
  as ``NAME.warc.gz.open`` until closed, so a file without ``.open`` is
  complete. A file is opened on the first write and begins with a ``warcinfo``
  record that every later record names in ``WARC-Warcinfo-ID``. The writer
  moves to the next file once the current one has reached ``max_bytes`` (it is
  checked before each pair, so a file ends up to one pair over the limit).
* After every pair the file is flushed (and fsync'ed with ``fsync=True``).
  A write that fails midway is cut off the file again, so the file stays valid.

The response head gets the archival fixups described in
``archive.http_headers`` (de-chunked and resized bodies); header values must be
latin-1 ``str`` (raw bytes decoded with ``.decode("latin-1")``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import threading
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from isal import isal_zlib
from warcio.statusandheaders import StatusAndHeaders

from archive.dedup import (
    DigestEntry,
    DigestIndex,
    is_dedupable,
    payload_digest,
    revisit_fields,
    sha1_base32,
)
from archive.errors import WarcWriteError
from archive.index import capture_line
from archive.records import (
    HttpExchange,
    check_field,
    file_timestamp,
    format_warc_date,
    http_heads,
    warc_fields,
    warcinfo_fields,
)

__all__ = ["HttpExchange", "RecordLocation", "WarcWriter"]

WARC_VERSION = "WARC/1.1"
OPEN_SUFFIX = ".open"
_WARC_FIELDS = "application/warc-fields"
_HTTP_RESPONSE = "application/http; msgtype=response"
_HTTP_REQUEST = "application/http; msgtype=request"
_CHUNK = 16384  # warcio's BUFF_SIZE: it hands the payload to the compressor in these
_EMPTY_DIGEST = payload_digest(b"")
_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9.\-]+")
# Record ids of the current file remembered for ``write_metadata``'s choice of
# WARC-Concurrent-To (same file) over WARC-Refers-To: the last ~4,096 records, not
# the whole file, so memory does not grow with the file (a metadata record comes
# soon after its response; one written later refers to it with WARC-Refers-To).
_RECENT_IDS = 4096
WarcHeaders = list[tuple[str, str]]


@dataclass(frozen=True)
class RecordLocation:
    """Where a record sits: enough to read it back with ``read_record``."""

    filename: str  # basename of the closed file, without ".open"
    offset: int  # byte offset of the record's gzip member
    length: int  # compressed length of that member
    record_id: str  # "<urn:uuid:...>"
    payload_digest: str | None  # "sha1:BASE32" or None
    revisit: bool = False  # a revisit record: the payload is in an earlier record


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _json_default(value: object) -> str:
    """Dates as ISO 8601, anything else JSON cannot encode as its str()."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _window_bits(size: int) -> tuple[int, int]:
    """zlib's window and memory level for a record of about ``size`` bytes.

    A 32 KiB window (zlib's default, what gzip readers assume at most) for
    pages; a window just over the record for small ones (request records,
    links metadata): the same compression, and zlib sets up a fraction of
    the state (a tenth of the time for a request record).
    """
    bits = min(zlib.MAX_WBITS, max(9, size.bit_length()))
    return bits, 8 if bits == zlib.MAX_WBITS else max(1, bits - 7)


def _compressor(level: int, size: int) -> Any:
    """A gzip compressor for one member of a record of about ``size`` bytes.

    Level 1 deflates with ISA-L (``isal``): about four times faster than zlib's
    level 1 on news pages, with slightly smaller output. Other levels use zlib.
    Both have the same interface.
    """
    bits, mem_level = _window_bits(size)
    if level == 1:
        return isal_zlib.compressobj(1, zlib.DEFLATED, bits + 16, mem_level)
    return zlib.compressobj(level, zlib.DEFLATED, bits + 16, mem_level)


def _block_digest(http_head: bytes, payload: bytes) -> str:
    """``WARC-Block-Digest``: sha1 (base32) of the HTTP head and payload together."""
    digester = hashlib.sha1(http_head)  # noqa: S324 - the digest WARC readers expect
    digester.update(payload)
    return "sha1:" + sha1_base32(digester.digest())


class _Record:
    """One record, digested and sized, before it is serialised.

    ``headers`` are the WARC fields in warcio's order: the given ones, then
    ``WARC-Payload-Digest`` (unless given or a revisit/warcinfo), then
    ``WARC-Block-Digest``, ``Content-Type`` (unless given) and
    ``Content-Length``.
    """

    __slots__ = ("headers", "http_head", "length", "payload", "payload_digest", "record_id")

    def __init__(
        self,
        headers: WarcHeaders,
        http_head: bytes,
        payload: bytes,
        *,
        payload_digest: str | None,
        block_digest: str | None = None,
        content_type: str | None = None,
    ) -> None:
        if payload_digest is not None:
            headers.append(("WARC-Payload-Digest", payload_digest))
        headers.append(("WARC-Block-Digest", block_digest or _block_digest(http_head, payload)))
        if content_type is not None:
            headers.append(("Content-Type", content_type))
        headers.append(("Content-Length", str(len(http_head) + len(payload))))
        self.headers = headers
        self.http_head = http_head  # b"": the record has none
        self.payload = payload
        self.record_id = headers[1][1]
        self.payload_digest = payload_digest or dict(headers).get("WARC-Payload-Digest")
        self.length = 0  # of the gzip member, once written


class _RecordWriter:
    """Writes each record as one gzip member, byte for byte what warcio writes.

    The compressor gets the same pieces as from warcio's writer (WARC head,
    HTTP head, the payload in 16 KiB chunks, the closing CRLFs) in the same
    window: ISA-L's output depends on how its input is split, so this keeps
    the compressed bytes, and the offsets in the index, the same too.
    """

    def __init__(self, out: BinaryIO, gzip_level: int) -> None:
        self._out = out
        self._gzip_level = gzip_level

    def write_record(self, record: _Record) -> None:
        """Append ``record`` (not flushed: the caller flushes once per group)."""
        warc_head = "".join(
            [f"{WARC_VERSION}\r\n", *[f"{name}: {value}\r\n" for name, value in record.headers]]
        )
        payload = record.payload
        # The window fits the payload plus room for the heads (warcio's record.length:
        # the payload's, or unknown when empty).
        compressor = _compressor(self._gzip_level, (len(payload) or 1 << 20) + 2048)
        compress = compressor.compress
        pieces = [compress((warc_head + "\r\n").encode("utf-8"))]
        if record.http_head:
            pieces.append(compress(record.http_head))
        if payload:
            view = memoryview(payload)
            pieces += [compress(view[i : i + _CHUNK]) for i in range(0, len(payload), _CHUNK)]
        pieces.append(compress(b"\r\n\r\n"))
        pieces.append(compressor.flush())
        member = b"".join(pieces)
        self._out.write(member)
        record.length = len(member)


class WarcWriter:
    """Appends records to rotating, gzip-per-record WARC 1.1 files.

    ``close()`` finishes the current file; a later write starts the next one.
    Two writers must not share a directory, prefix and serial range: the
    writer refuses to overwrite a file and raises ``WarcWriteError``.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        prefix: str = "newscrawl",
        max_bytes: int = 1_000_000_000,
        hostname: str | None = None,
        warcinfo: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utc_now,
        record_id_factory: Callable[[], str] = _new_record_id,
        serial_start: int = 0,
        fsync: bool = False,
        dedup: DigestIndex | None = None,
        gzip_level: int = 9,
        index_lines: bool = True,
    ) -> None:
        if not 1 <= gzip_level <= 9:
            raise WarcWriteError(f"gzip_level ({gzip_level}) must be between 1 and 9")
        if not prefix or _UNSAFE_NAME_RE.search(prefix):
            raise WarcWriteError(f"prefix {prefix!r} must be letters, digits, '.' or '-'")
        if max_bytes <= 0:
            raise WarcWriteError(f"max_bytes ({max_bytes}) must be higher than 0")
        if serial_start < 0:
            raise WarcWriteError(f"serial_start ({serial_start}) must be 0 or more")
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        host = hostname or socket.gethostname()
        self.hostname = _UNSAFE_NAME_RE.sub("-", host).strip("-") or "localhost"
        self._warcinfo = warcinfo_fields(warcinfo or {})
        self._clock = clock
        self._new_id = record_id_factory
        self._serial = serial_start
        self._fsync = fsync
        self._dedup = dedup
        self._gzip_level = gzip_level
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._warc: _RecordWriter | None = None
        self._open_path: Path | None = None
        self._final_path: Path | None = None
        self._warcinfo_id = ""
        self._ids_in_file: set[str] = set()  # two generations, see _RECENT_IDS
        self._ids_in_file_older: set[str] = set()
        self._closed_files: list[Path] = []
        # CDXJ lines of each file's captures, made as they are written (None: the file
        # holds a capture ``capture_line`` leaves to cdxj-indexer, or ``index_lines`` is
        # off because no index is kept: ~25 us a page saved, mostly SURT)
        self._make_index_lines = index_lines
        self._index_lines: dict[str, list[str] | None] = {}
        self._bytes_written = 0
        self._records_written = 0

    @property
    def closed_files(self) -> list[Path]:
        """Files finished so far (renamed, complete), oldest first."""
        return list(self._closed_files)

    @property
    def current_file(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._open_path

    @property
    def bytes_written(self) -> int:
        """Compressed bytes written to all files, warcinfo records included."""
        return self._bytes_written

    @property
    def records_written(self) -> int:
        """Records written to all files, warcinfo records included."""
        return self._records_written

    def write_exchange(self, exchange: HttpExchange) -> RecordLocation:
        """Write the response record, then its request record; return the response's location.

        With a ``dedup`` index, a 2xx payload archived before becomes a
        ``revisit`` record (HTTP head kept, no payload) pointing at the first
        capture; ``RecordLocation.revisit`` tells. Raises ``WarcWriteError``
        (and writes nothing) when the exchange cannot be archived as given, or
        when the disk write fails.
        """
        response_head, request_head = http_heads(exchange)  # validates before any I/O
        response_bytes, request_bytes = response_head.head_bytes(), request_head.head_bytes()
        # One hash of the payload serves the dedup lookup and the record's payload digest.
        digest = payload_digest(exchange.body)
        dedupable = self._dedup is not None and is_dedupable(
            exchange.status, exchange.body, exchange.truncated
        )
        request_body = exchange.request_body
        request_digest = payload_digest(request_body) if request_body else _EMPTY_DIGEST
        with self._lock:
            date = format_warc_date(exchange.fetched_at or self._clock())
            if self._file is not None and self._file.tell() >= self.max_bytes:
                self._close_current()
            self._ensure_open()
            original = self._dedup.get(digest) if self._dedup is not None and dedupable else None
            response_id = self._new_id()
            ip = [("WARC-IP-Address", exchange.ip_address)] if exchange.ip_address else []
            truncated = [("WARC-Truncated", exchange.truncated)] if exchange.truncated else []
            rec_type = "revisit" if original else "response"
            resp_headers = self._warc_headers(rec_type, response_id, date, exchange.url)
            req_headers = self._warc_headers("request", self._new_id(), date, exchange.url)
            req_headers.append(("WARC-Concurrent-To", response_id))
            # A revisit's payload digest is among its revisit fields; its block is the head.
            given = revisit_fields(original) if original else []
            response = _Record(
                resp_headers + given + ip + truncated,
                response_bytes,
                b"" if original else exchange.body,
                payload_digest=None if original else digest,
                content_type=_HTTP_RESPONSE,
            )
            request = _Record(
                req_headers + ip,
                request_bytes,
                request_body,
                payload_digest=request_digest,
                content_type=_HTTP_REQUEST,
            )
            location = self._write([response, request])[0]
            self._note_capture(exchange.url, date, response_head, location, bool(original))
            if original:
                return replace(location, revisit=True)
            if self._dedup is not None and dedupable:
                self._dedup.add(DigestEntry(digest, exchange.url, date, response_id))
            return location

    def take_index_lines(self) -> dict[str, list[str]]:
        """CDXJ lines (``archive.index.capture_line``) of the files closed so far, by
        file name, each handed out once: ``update_index(..., known=...)`` takes them.
        A file with a capture the writer cannot index itself is left out, and every
        file when the writer was made with ``index_lines=False``."""
        with self._lock:
            closed = {path.name for path in self._closed_files}
            taken = {}
            for name in [n for n in self._index_lines if n in closed]:
                lines = self._index_lines.pop(name)
                if lines is not None:
                    taken[name] = lines
            return taken

    def _note_capture(
        self,
        url: str,
        date: str,
        http_head: StatusAndHeaders,
        location: RecordLocation,
        revisit: bool,
    ) -> None:
        lines = self._index_lines.get(location.filename)
        if lines is None:
            return
        line = capture_line(
            url=url,
            warc_date=date,
            http_head=http_head,
            revisit=revisit,
            digest=location.payload_digest,
            length=location.length,
            offset=location.offset,
            filename=location.filename,
        )
        if line is None:
            self._index_lines[location.filename] = None
        else:
            lines.append(line)

    def write_metadata(
        self,
        url: str,
        concurrent_to: str,
        fields: Sequence[tuple[str, str]] | Mapping[str, object] | bytes,
        *,
        content_type: str | None = None,
    ) -> RecordLocation:
        """Write a ``metadata`` record (extracted data) about the record ``concurrent_to``.

        A Mapping becomes a JSON body (``application/json``), pairs become
        ``application/warc-fields``, bytes are a JSON body encoded already;
        ``content_type`` overrides the type. The
        record goes into the current file, without rotating. When
        ``concurrent_to`` is not in that file (rotated or closed since), the
        link is written as ``WARC-Refers-To`` instead, because
        ``WARC-Concurrent-To`` promises a record of the same file.
        """
        check_field("metadata URL", url)
        check_field("concurrent_to", concurrent_to)
        if isinstance(fields, bytes):
            body = fields
            content_type = check_field("content_type", content_type or "application/json")
        elif isinstance(fields, Mapping):
            body = json.dumps(fields, ensure_ascii=False, default=_json_default).encode("utf-8")
            content_type = check_field("content_type", content_type or "application/json")
        else:
            body = warc_fields(fields)
            content_type = check_field("content_type", content_type or _WARC_FIELDS)
        # No HTTP head: the block is the payload, one hash gives both digests.
        digest = payload_digest(body)
        with self._lock:
            self._ensure_open()
            date = format_warc_date(self._clock())
            headers = self._warc_headers("metadata", self._new_id(), date, url)
            recent = self._ids_in_file, self._ids_in_file_older
            same_file = any(concurrent_to in ids for ids in recent)
            link = "WARC-Concurrent-To" if same_file else "WARC-Refers-To"
            headers += [(link, concurrent_to), ("Content-Type", content_type)]
            record = _Record(headers, b"", body, payload_digest=digest, block_digest=digest)
            return self._write([record])[0]

    def close(self) -> None:
        """Finish the current file, if any: flush, close, drop the ``.open`` suffix."""
        with self._lock:
            self._close_current()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _warc_headers(self, rec_type: str, record_id: str, date: str, uri: str) -> WarcHeaders:
        headers = [("WARC-Type", rec_type), ("WARC-Record-ID", record_id), ("WARC-Date", date)]
        if uri:
            headers.append(("WARC-Target-URI", uri))
        if rec_type != "warcinfo":
            headers.append(("WARC-Warcinfo-ID", self._warcinfo_id))
        return headers

    def _ensure_open(self) -> _RecordWriter:
        """The current file's writer; opens the next file (with its warcinfo) if none."""
        if self._warc is not None:
            return self._warc
        opened_at = self._clock()
        stamp = file_timestamp(opened_at)
        name = f"{self.prefix}-{stamp}-{self._serial:05d}-{self.hostname}.warc.gz"
        final_path = self.directory / name
        open_path = self.directory / (name + OPEN_SUFFIX)
        if final_path.exists():
            raise WarcWriteError(
                f"{final_path} already exists; give each writer its own prefix or serial_start"
            )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            file = open_path.open("xb")  # noqa: SIM115 - closed in _close_current
        except FileExistsError:
            raise WarcWriteError(
                f"{open_path} already exists: another writer uses this name; "
                "give each writer its own prefix or serial_start"
            ) from None
        except OSError as exc:
            raise WarcWriteError(f"cannot create {open_path} ({exc}); check the directory") from exc
        self._serial += 1
        warc = _RecordWriter(file, self._gzip_level)
        self._file, self._warc = file, warc
        self._open_path, self._final_path = open_path, final_path
        self._ids_in_file, self._ids_in_file_older = set(), set()
        self._index_lines[name] = [] if self._make_index_lines else None
        self._warcinfo_id = self._new_id()
        headers = self._warc_headers("warcinfo", self._warcinfo_id, format_warc_date(opened_at), "")
        headers += [("WARC-Filename", name), ("Content-Type", _WARC_FIELDS)]
        body = warc_fields(list(self._warcinfo.items()))
        try:
            self._write([_Record(headers, b"", body, payload_digest=None)])
        except WarcWriteError:
            # A file must start with its warcinfo: give this one up entirely.
            file.close()
            open_path.unlink(missing_ok=True)
            self._file = self._warc = self._open_path = self._final_path = None
            raise
        return warc

    def _write(self, records: list[_Record]) -> list[RecordLocation]:
        """Append records as one unit: all of them, or none (the file is cut back).

        One flush for the group, not one a record: the file is complete after each.
        """
        file, warc, final_path = self._file, self._warc, self._final_path
        assert file is not None
        assert warc is not None
        assert final_path is not None
        start = offset = file.tell()
        locations = []
        try:
            for record in records:
                warc.write_record(record)
                locations.append(
                    RecordLocation(
                        filename=final_path.name,
                        offset=offset,
                        length=record.length,
                        record_id=record.record_id,
                        payload_digest=record.payload_digest,
                    )
                )
                offset += record.length
            file.flush()
            if self._fsync:
                os.fsync(file.fileno())
        except Exception as exc:
            self._cut_back(start)
            raise WarcWriteError(
                f"writing to {final_path.name}{OPEN_SUFFIX} failed ({exc}); the partial "
                "record was removed, check disk space and permissions, then retry"
            ) from exc
        self._bytes_written += file.tell() - start
        self._records_written += len(records)
        if len(self._ids_in_file) >= _RECENT_IDS // 2:
            self._ids_in_file_older, self._ids_in_file = self._ids_in_file, set()
        self._ids_in_file.update(loc.record_id for loc in locations)
        return locations

    def _cut_back(self, start: int) -> None:
        assert self._file is not None
        try:
            self._file.seek(start)
            self._file.truncate()
        except OSError:
            # The file may end in a partial record: leave it as .open, start afresh.
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = self._warc = self._open_path = self._final_path = None

    def _close_current(self) -> None:
        file, open_path, final_path = self._file, self._open_path, self._final_path
        if file is None:
            return
        assert open_path is not None
        assert final_path is not None
        self._file = self._warc = self._open_path = self._final_path = None
        try:
            file.flush()
            if self._fsync:
                os.fsync(file.fileno())
            file.close()
            open_path.rename(final_path)
        except OSError as exc:
            raise WarcWriteError(
                f"closing {open_path} failed ({exc}); its records are intact, "
                f"rename it to {final_path.name} by hand once the disk is fixed"
            ) from exc
        self._closed_files.append(final_path)
