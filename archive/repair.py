"""Recover the ``.warc.gz.open`` files a crashed writer left behind.

``WarcWriter`` writes one gzip member per record and flushes after every
record pair, so after a crash (kill -9, power loss) an ``.open`` file is a run
of complete members, possibly followed by the start of one more. Repair keeps
every complete member whose record parses, cuts the rest off, and renames the
file to its final name: nothing that was completely written is lost.

A file without one complete record (the crash hit while writing the
warcinfo) holds nothing worth keeping and is deleted.

Run it before a writer starts on the directory, never while one is writing:
the file it is appending to is an ``.open`` file too.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from archive.errors import WarcFormatError
from archive.reader import iter_records

__all__ = ["RepairResult", "repair_open_file", "repair_open_files"]

OPEN_SUFFIX = ".open"
_PATTERN = "*.warc.gz" + OPEN_SUFFIX
_CHUNK = 1 << 16
_GZIP_WBITS = 16 + zlib.MAX_WBITS

Action = Literal["renamed", "truncated", "deleted", "skipped"]


@dataclass(frozen=True)
class RepairResult:
    """What repair did to one ``.open`` file, for the log and the ``repair`` command."""

    open_path: Path
    action: Action  # renamed as is, truncated then renamed, deleted, or left alone
    path: Path | None  # the final file (None when deleted or skipped)
    records: int  # complete records kept
    kept_bytes: int
    cut_bytes: int  # bytes of the partial tail that were removed
    reason: str = ""  # why a file was deleted or skipped

    def describe(self) -> str:
        """One line for people: what happened and, if needed, what to do."""
        name = self.open_path.name
        if self.action == "deleted":
            return f"{name}: deleted ({self.reason})"
        if self.action == "skipped":
            return f"{name}: left alone ({self.reason})"
        cut = f", cut {self.cut_bytes} partial bytes" if self.cut_bytes else ""
        assert self.path is not None
        return f"{name}: {self.records} record(s) kept{cut} -> {self.path.name}"


def complete_member_ends(fh: BinaryIO) -> Iterator[int]:
    """End offset of each complete gzip member, in order, until the data stops being one.

    A member only counts once its trailer (CRC and size) has been read and
    checked by zlib, so a member cut anywhere is never reported.
    """
    pos = 0  # end of the last complete member
    decoder = zlib.decompressobj(_GZIP_WBITS)
    fed = 0  # bytes fed to the current decoder
    while chunk := fh.read(_CHUNK):
        data = chunk
        while data:
            try:
                decoder.decompress(data, _CHUNK)  # bounded output: members can be huge
            except zlib.error:
                return
            if not decoder.eof:
                tail = decoder.unconsumed_tail
                fed += len(data) - len(tail)
                data = tail
                continue
            pos += fed + len(data) - len(decoder.unused_data)
            yield pos
            data = decoder.unused_data
            decoder = zlib.decompressobj(_GZIP_WBITS)
            fed = 0


def _last_member_end(path: Path) -> int:
    end = 0
    with path.open("rb") as fh:
        for end in complete_member_ends(fh):  # noqa: B007 - we want the last one
            pass
    return end


def _parsed_records(path: Path) -> tuple[int, int, bool]:
    """(records, end of the last record that parsed, first record is a warcinfo)."""
    count, end, warcinfo_first = 0, 0, False
    try:
        for record in iter_records(path):
            if count == 0:
                warcinfo_first = record.rec_type == "warcinfo"
            count += 1
            end = record.offset + record.length
    except WarcFormatError:
        pass  # keep what parsed before the damage
    return count, end, warcinfo_first


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


def repair_open_file(open_path: str | os.PathLike[str]) -> RepairResult:
    """Repair one ``NAME.warc.gz.open`` file; see the module docstring."""
    source = Path(open_path)
    if not source.name.endswith(OPEN_SUFFIX):
        raise WarcFormatError(f"{source} does not end in {OPEN_SUFFIX}; only .open files repair")
    final = source.with_name(source.name[: -len(OPEN_SUFFIX)])
    size = source.stat().st_size
    if final.exists():
        return RepairResult(
            source, "skipped", None, 0, size, 0,
            f"{final.name} exists too; compare the two and delete or rename one by hand",
        )  # fmt: skip
    end = _last_member_end(source)
    if end < size:
        _truncate(source, end)
    records, parsed_end, warcinfo_first = _parsed_records(source) if end else (0, 0, False)
    if parsed_end < end:  # a complete member that is not a WARC record: cut it too
        _truncate(source, parsed_end)
    if records == 0:
        source.unlink()
        return RepairResult(
            source, "deleted", None, 0, 0, size, "no complete record, not even the warcinfo"
        )
    source.rename(final)
    action: Action = "truncated" if parsed_end < size else "renamed"
    note = "" if warcinfo_first else "the first record is not a warcinfo; check the file"
    return RepairResult(source, action, final, records, parsed_end, size - parsed_end, note)


def repair_open_files(directory: str | os.PathLike[str]) -> list[RepairResult]:
    """Repair every ``*.warc.gz.open`` file in ``directory`` (not recursive), by name."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return [repair_open_file(path) for path in sorted(folder.glob(_PATTERN))]
