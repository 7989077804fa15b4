"""Write HTTP exchanges to WARC 1.1 files, on warcio, behind a small typed API.

* One gzip member per record (as ``warcio.WARCWriter(gzip=True)`` writes
  them), so every record can be read on its own from its offset:
  ``RecordLocation`` is that pointer. ``gzip_level`` (1-9) trades size for
  speed: warcio always uses 9, which costs about three times the CPU of 1 for
  files about 15% smaller on HTML pages.
* Each exchange is a ``response`` record followed by a ``request`` record that
  points back at it with ``WARC-Concurrent-To`` and has the same ``WARC-Date``;
  the pair always lands in one file. warcio computes ``WARC-Block-Digest`` and
  ``WARC-Payload-Digest`` (sha1, base32).
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
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from isal import isal_zlib
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.dedup import DigestEntry, DigestIndex, is_dedupable, payload_digest, revisit_fields
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


class _GzipMember:
    """What warcio's ``GzippingWrapper`` does, at a chosen level: one member per record.

    Level 1 deflates with ISA-L (``isal``): about four times faster than zlib's
    level 1 on news pages, with slightly smaller output. Other levels use zlib.
    """

    def __init__(self, out: BinaryIO, level: int, size: int = 1 << 20) -> None:
        bits, mem_level = _window_bits(size)
        self._compressor: Any  # zlib's or isal's compressobj: the same interface
        if level == 1:
            self._compressor = isal_zlib.compressobj(1, zlib.DEFLATED, bits + 16, mem_level)
        else:
            self._compressor = zlib.compressobj(level, zlib.DEFLATED, bits + 16, mem_level)
        self._out = out

    def write(self, data: bytes) -> None:
        self._out.write(self._compressor.compress(data))

    def flush(self) -> None:
        self._out.write(self._compressor.flush())
        self._out.flush()


class _LeveledWARCWriter(WARCWriter):  # type: ignore[misc]
    """warcio's writer with the gzip level as a parameter (warcio hard-codes 9)."""

    def __init__(self, filebuf: BinaryIO, *, gzip_level: int, warc_version: str) -> None:
        super().__init__(filebuf, gzip=False, warc_version=warc_version)
        self._gzip_level = gzip_level

    def write_record(self, record: Any, params: Any = None) -> None:
        # The block plus room for the WARC head: the member's window fits the record.
        size = (record.length or 1 << 20) + 2048
        self._write_warc_record(_GzipMember(self.out, self._gzip_level, size), record)


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
        self._warc: WARCWriter | None = None
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
        dedupable = self._dedup is not None and is_dedupable(
            exchange.status, exchange.body, exchange.truncated
        )
        digest = payload_digest(exchange.body) if dedupable else None
        with self._lock:
            date = format_warc_date(exchange.fetched_at or self._clock())
            if self._file is not None and self._file.tell() >= self.max_bytes:
                self._close_current()
            warc = self._ensure_open()
            original = self._dedup.get(digest) if self._dedup is not None and digest else None
            response_id = self._new_id()
            ip = [("WARC-IP-Address", exchange.ip_address)] if exchange.ip_address else []
            truncated = [("WARC-Truncated", exchange.truncated)] if exchange.truncated else []
            rec_type = "revisit" if original else "response"
            resp_headers = self._warc_headers(rec_type, response_id, date, exchange.url)
            req_headers = self._warc_headers("request", self._new_id(), date, exchange.url)
            req_headers.append(("WARC-Concurrent-To", response_id))
            body = exchange.body
            if original:
                resp_headers += revisit_fields(original)
                body = b""
            # The dedup digest is warcio's payload digest: given, warcio does not hash again
            # (last, where warcio would append it, so the record is the same byte for byte).
            given = [("WARC-Payload-Digest", digest)] if digest and not original else []
            response = self._record(
                warc, resp_headers + ip + truncated + given, response_head, body
            )
            request = self._record(warc, req_headers + ip, request_head, exchange.request_body)
            location = self._write([response, request])[0]
            self._note_capture(exchange.url, date, response_head, location, bool(original))
            if original:
                return replace(location, revisit=True)
            if self._dedup is not None and digest:
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
        with self._lock:
            warc = self._ensure_open()
            date = format_warc_date(self._clock())
            headers = self._warc_headers("metadata", self._new_id(), date, url)
            recent = self._ids_in_file, self._ids_in_file_older
            same_file = any(concurrent_to in ids for ids in recent)
            link = "WARC-Concurrent-To" if same_file else "WARC-Refers-To"
            headers += [(link, concurrent_to), ("Content-Type", content_type)]
            return self._write([self._record(warc, headers, None, body)])[0]

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

    @staticmethod
    def _record(
        warc: WARCWriter, headers: WarcHeaders, http_head: StatusAndHeaders | None, payload: bytes
    ) -> Any:
        rec_type, uri = headers[0][1], dict(headers).get("WARC-Target-URI", "")
        return warc.create_warc_record(
            uri,
            rec_type,
            payload=BytesIO(payload),
            length=len(payload),
            warc_headers=StatusAndHeaders("", headers, protocol=WARC_VERSION),
            http_headers=http_head,
        )

    def _ensure_open(self) -> WARCWriter:
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
        warc = _LeveledWARCWriter(file, gzip_level=self._gzip_level, warc_version=WARC_VERSION)
        self._file, self._warc = file, warc
        self._open_path, self._final_path = open_path, final_path
        self._ids_in_file, self._ids_in_file_older = set(), set()
        self._index_lines[name] = [] if self._make_index_lines else None
        self._warcinfo_id = self._new_id()
        headers = self._warc_headers("warcinfo", self._warcinfo_id, format_warc_date(opened_at), "")
        headers += [("WARC-Filename", name), ("Content-Type", _WARC_FIELDS)]
        body = warc_fields(list(self._warcinfo.items()))
        try:
            self._write([self._record(warc, headers, None, body)])
        except WarcWriteError:
            # A file must start with its warcinfo: give this one up entirely.
            file.close()
            open_path.unlink(missing_ok=True)
            self._file = self._warc = self._open_path = self._final_path = None
            raise
        return warc

    def _write(self, records: list[Any]) -> list[RecordLocation]:
        """Append records as one unit: all of them, or none (the file is cut back)."""
        file, warc, final_path = self._file, self._warc, self._final_path
        assert file is not None
        assert warc is not None
        assert final_path is not None
        start = file.tell()
        locations = []
        try:
            for record in records:
                before = file.tell()
                warc.write_record(record)
                headers = record.rec_headers
                locations.append(
                    RecordLocation(
                        filename=final_path.name,
                        offset=before,
                        length=file.tell() - before,
                        record_id=headers.get_header("WARC-Record-ID"),
                        payload_digest=headers.get_header("WARC-Payload-Digest"),
                    )
                )
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
