"""The CDXJ index of an output directory: find any archived URL without reading WARCs.

``indexes/index.cdxj`` holds one sorted line per capture, exactly as pywb and
the WACZ format expect (``SURT TIMESTAMP {json}``), written by cdxj-indexer
(the Webrecorder tool) rather than by hand. A crawl's writer makes the same
lines (``capture_line``) as it writes each capture, so the files it closes
need not be read back (that costs about half a millisecond a page, all at the
end of the crawl); tests hold them equal to cdxj-indexer's, and cdxj-indexer
still indexes every other file (rebuilds, files repaired after a crash).
Like pywb's own indexer it leaves out request and warcinfo records; unlike
it, it also leaves out our ``metadata`` records, which share the article's
URL and would otherwise be candidates when a replay tool picks the capture
closest in time.

``update_index`` is incremental: it indexes only the closed files it has not
seen (``indexes/index.files.json`` remembers their sizes) and merges the new
sorted lines into the index. A file whose size changed forces a rebuild.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import surt
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp

from archive.errors import CdxjIndexError, InvalidLookup, RecordNotFound
from archive.reader import ArchivedRecord, read_record

__all__ = [
    "INDEX_NAME",
    "Capture",
    "CdxjEntry",
    "build_index",
    "capture_line",
    "iter_index",
    "load_capture",
    "lookup",
    "parse_line",
    "update_index",
    "url_key",
]

INDEX_NAME = "indexes/index.cdxj"
_STATE_NAME = "indexes/index.files.json"
_RECORDS = "response,revisit,resource"
_WARC_GLOB = "*.warc.gz"
_TS = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class CdxjEntry:
    """One index line: where a capture of ``url`` at ``timestamp`` is stored."""

    urlkey: str
    timestamp: str  # 14 digits, UTC
    url: str
    mime: str
    status: int | None  # None for resource records
    digest: str | None
    length: int
    offset: int
    filename: str
    fields: dict[str, Any] = field(default_factory=dict, compare=False)  # the whole JSON


def url_key(url: str) -> str:
    """The SURT sort key of ``url``, the same function cdxj-indexer and pywb use."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidLookup(f"{url!r} is not an http(s) URL; give the full URL with its scheme")
    return str(surt.surt(url))


def parse_line(line: str) -> CdxjEntry:
    """Parse one CDXJ line; raises ``CdxjIndexError`` if it is not ``KEY TS {json}``."""
    try:
        urlkey, timestamp, blob = line.rstrip("\n").split(" ", 2)
        data = json.loads(blob)
        status = data.get("status")
        return CdxjEntry(
            urlkey=urlkey,
            timestamp=timestamp,
            url=data["url"],
            mime=data.get("mime", ""),
            status=int(status) if status not in (None, "", "-") else None,
            digest=data.get("digest"),
            length=int(data["length"]),
            offset=int(data["offset"]),
            filename=data["filename"],
            fields=data,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CdxjIndexError(
            f"not a CDXJ line ({exc}): {line[:200]!r}; rebuild the index with "
            "`newscrawl archive index OUTPUT`"
        ) from exc


_MIME_END = re.compile(r"[;\s]")  # cdxj-indexer's RE_SPACE
# A WARC-Date as the writer formats it: its 14-digit timestamp is its digits up to
# the seconds, without parsing the date to a datetime and formatting it again.
_WARC_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z", re.ASCII)


def _timestamp(warc_date: str) -> str:
    """warcio's ``iso_date_to_timestamp``, reading the digits of a date it would parse."""
    match = _WARC_DATE.fullmatch(warc_date)
    return "".join(match.groups()) if match else iso_date_to_timestamp(warc_date)


def capture_line(
    *,
    url: str,
    warc_date: str,
    http_head: StatusAndHeaders | None,
    revisit: bool,
    digest: str | None,
    length: int,
    offset: int,
    filename: str,
) -> str | None:
    """The line cdxj-indexer writes for a response or revisit record, made from what
    the writer already knows, so a crawl need not read its WARCs back to index them.

    Field for field what cdxj-indexer 1.5 derives from the record (a test holds the
    two equal); None for what it might read differently (non-ASCII URL or
    Content-Type), which the caller then leaves to cdxj-indexer.
    """
    if not url.isascii():
        return None
    fields: dict[str, str] = {"url": url}
    if revisit:
        fields["mime"] = "warc/revisit"
    elif http_head is not None:
        content_type = http_head.get_header("Content-Type")
        if content_type is not None:
            if not content_type.isascii():
                return None
            fields["mime"] = _MIME_END.split(content_type.strip(), 1)[0].strip()
    if http_head is not None:
        fields["status"] = http_head.get_statuscode()
    if digest is not None:
        fields["digest"] = digest
    fields.update(length=str(length), offset=str(offset), filename=filename)
    try:
        key = str(surt.surt(url))
    except Exception:  # cdxj-indexer keys such a URL by itself
        key = url
    return f"{key} {_timestamp(warc_date)} {json.dumps(fields)}\n"


def _index_lines(warc_paths: Sequence[Path]) -> list[str]:
    """Sorted CDXJ lines of these files, from cdxj-indexer."""
    if not warc_paths:
        return []
    from cdxj_indexer.main import CDXJIndexer  # ~0.1 s to import; a crawl rarely needs it

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "part.cdxj"
        indexer = CDXJIndexer(
            output=str(out), inputs=[str(p) for p in warc_paths], sort=True, records=_RECORDS
        )
        indexer.process_all()
        return out.read_text(encoding="utf-8").splitlines(keepends=True)


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomically(path: Path, lines: Iterable[str]) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    # mkstemp makes the file 0600; an index is for replay tools, often run as
    # another user, so it gets the mode any new file would (0666 less umask).
    os.fchmod(fd, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(lines)
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def build_index(
    warc_paths: Iterable[str | os.PathLike[str]], out_path: str | os.PathLike[str]
) -> int:
    """Index these WARC files into ``out_path`` (sorted CDXJ); return the number of lines.

    ``filename`` in each line is the WARC's basename: keep index and WARCs
    in the layout of an output directory (or a WACZ) for replay.
    """
    paths = [Path(p) for p in warc_paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise CdxjIndexError(f"cannot index missing files {missing}; check the paths")
    lines = _index_lines(paths)
    _write_atomically(Path(out_path), lines)
    return len(lines)


def _closed_warcs(output_dir: Path) -> dict[str, int]:
    warc_dir = output_dir / "warc"
    if not warc_dir.is_dir():
        return {}
    return {p.name: p.stat().st_size for p in sorted(warc_dir.glob(_WARC_GLOB))}


def update_index(
    output_dir: str | os.PathLike[str], known: Mapping[str, Sequence[str]] | None = None
) -> Path:
    """Bring ``OUTPUT/indexes/index.cdxj`` up to date with ``OUTPUT/warc/*.warc.gz``.

    Indexes only files not indexed before and merges them in; rebuilds when
    an indexed file changed or disappeared. ``.open`` files are skipped until
    closed. ``known`` holds the lines of files whose writer made them as it
    wrote (``capture_line``), by file name: those files are not read again.
    Returns the index path.
    """
    root = Path(output_dir)
    index_path, state_path = root / INDEX_NAME, root / _STATE_NAME
    current = _closed_warcs(root)
    try:
        done: dict[str, int] = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        done = {}
    stale = not index_path.is_file() or any(current.get(n) != s for n, s in done.items())
    if stale:
        done = {}
    new = [name for name in current if name not in done]
    if new or stale:
        given = known or {}
        lines: Iterable[str] = heapq.merge(
            _index_lines([root / "warc" / name for name in new if name not in given]),
            sorted(line for name in new if name in given for line in given[name]),
        )
        if done:
            with index_path.open(encoding="utf-8") as old:
                _write_atomically(index_path, heapq.merge(old, lines))
        else:
            _write_atomically(index_path, lines)
        _write_atomically(state_path, [json.dumps(current, indent=1, sort_keys=True)])
    return index_path


def iter_index(index_path: str | os.PathLike[str]) -> Iterator[CdxjEntry]:
    """Every entry of a CDXJ index, in file order (``!meta`` lines skipped)."""
    path = Path(index_path)
    if not path.is_file():
        raise CdxjIndexError(f"no index at {path}; build it with `newscrawl archive index OUTPUT`")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("!"):
                yield parse_line(line)


def _parse_timestamp(at: str) -> datetime:
    """``YYYY[MM[DD[hh[mm[ss]]]]]`` (UTC), the way Wayback URLs write it."""
    formats = {4: "%Y", 6: "%Y%m", 8: "%Y%m%d", 10: "%Y%m%d%H", 12: "%Y%m%d%H%M", 14: _TS}
    try:
        return datetime.strptime(at, formats[len(at)]).replace(tzinfo=UTC)
    except (KeyError, ValueError):
        raise InvalidLookup(
            f"timestamp {at!r} must be YYYY, YYYYMM, ... up to YYYYMMDDhhmmss in UTC "
            "(for example 20240501120000)"
        ) from None


def lookup(index_path: str | os.PathLike[str], url: str, at: str | None = None) -> list[CdxjEntry]:
    """Captures of ``url``: closest in time to ``at`` first, else newest first.

    The URL is matched by its SURT key, so ``HTTP://Example.com:80/a?b=1&a=2``
    finds ``http://example.com/a?a=2&b=1``.
    """
    key = url_key(url)
    target = _parse_timestamp(at) if at is not None else None
    entries = [e for e in iter_index(index_path) if e.urlkey == key]
    if target is None:
        return sorted(entries, key=lambda e: e.timestamp, reverse=True)

    def distance(entry: CdxjEntry) -> tuple[float, str]:
        when = datetime.strptime(entry.timestamp, _TS).replace(tzinfo=UTC)
        return abs((when - target).total_seconds()), entry.timestamp

    return sorted(entries, key=distance)


@dataclass(frozen=True)
class Capture:
    """An archived response found through the index; a revisit comes with its original."""

    entry: CdxjEntry
    record: ArchivedRecord  # the response or revisit record at the entry
    original: ArchivedRecord | None = None  # for a revisit: the record holding the payload

    @property
    def payload(self) -> bytes:
        """The stored payload (still Content-Encoded), from the original for a revisit."""
        return (self.original or self.record).payload

    def decoded_body(self) -> bytes:
        """The payload with the revisit's own Content-Encoding removed."""
        return replace(self.record, payload=self.payload).decoded_body()


def load_capture(output_dir: str | os.PathLike[str], url: str, at: str | None = None) -> Capture:
    """The capture of ``url`` closest to ``at`` (else the newest) in ``OUTPUT``.

    Reads ``OUTPUT/indexes/index.cdxj`` (update it first with ``update_index``)
    and the record from ``OUTPUT/warc``. Raises ``RecordNotFound`` when the URL
    was never archived.
    """
    root = Path(output_dir)
    index_path = root / INDEX_NAME
    entries = lookup(index_path, url, at)
    if not entries:
        raise RecordNotFound(
            f"{url} is not in {index_path}; check the URL (scheme, query), "
            "or run `newscrawl archive index OUTPUT` if the crawl is newer than the index"
        )
    entry = entries[0]
    record = read_record(root / "warc" / entry.filename, entry.offset)
    if record.rec_type != "revisit":
        return Capture(entry, record)
    target = record.warc_header("WARC-Refers-To-Target-URI") or entry.url
    when = iso_date_to_timestamp(record.warc_header("WARC-Refers-To-Date") or record.date)
    for candidate in lookup(index_path, target, when):
        if candidate.digest == entry.digest and candidate.mime != "warc/revisit":
            original = read_record(root / "warc" / candidate.filename, candidate.offset)
            return Capture(entry, record, original)
    raise RecordNotFound(
        f"{url} at {entry.timestamp} is a revisit of {target} ({entry.digest}), which is not "
        f"in {index_path}; was a WARC file of an earlier run removed?"
    )
