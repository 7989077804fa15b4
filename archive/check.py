"""Check a WARC file: warcio's digest checks plus what this project promises.

``check_warc(path)`` returns a list of problems, empty when the file is fine.
It runs the logic of ``warcio check`` (block and payload digests of every
record) and then checks the properties ``WarcWriter`` guarantees:

* the first record is a ``warcinfo`` and each ``WARC-Warcinfo-ID`` names one
  in the same file;
* record ids are unique and every ``WARC-Concurrent-To`` target is in the file;
* a response's ``Content-Length`` header equals its payload length (except
  bodiless responses, see ``archive.http_headers``);
* a payload with a ``Content-Encoding`` actually decodes (as far as it goes,
  when the record is ``WARC-Truncated``).

Also a command, ``python -m archive FILE...`` (``archive/__main__.py``; not
``-m archive.check``, which the package has already imported): it prints the
problems and exits 1 if there are any.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from warcio.archiveiterator import WARCIterator

from archive.content_coding import UnsupportedEncoding
from archive.errors import ArchiveError
from archive.http_headers import has_no_body
from archive.reader import ArchivedRecord, iter_records, read_stream

__all__ = ["check_warc", "main"]


def _where(record: ArchivedRecord) -> str:
    return f"offset {record.offset} {record.rec_type} {record.record_id}"


def _digest_problems(path: Path) -> list[str]:
    """What ``warcio check`` reports: digests that do not match the stored bytes."""
    problems: list[str] = []
    offset = 0
    with path.open("rb") as fh:
        iterator = WARCIterator(fh, check_digests=True)
        try:
            for record in iterator:
                read_stream(record.raw_stream)
                offset = iterator.get_record_offset()
                if record.digest_checker.passed is False:
                    rec_id = record.rec_headers.get_header("WARC-Record-ID")
                    problems.extend(
                        f"offset {offset} {record.rec_type} {rec_id}: {problem}"
                        for problem in record.digest_checker.problems
                    )
        except Exception as exc:
            # warcio trips over some damage (a malformed digest, a record without
            # WARC-Target-URI) with assorted errors; a checker reports, not crashes.
            problems.append(
                f"after offset {offset}: unreadable ({type(exc).__name__}: {str(exc).strip()}); "
                "the rest of the file was not digest-checked"
            )
    return problems


def _content_length_problem(record: ArchivedRecord, method: str | None) -> str | None:
    headers = record.http_headers or []
    declared = [value for name, value in headers if name.lower() == "content-length"]
    if not declared:
        return None
    size = len(record.payload)
    if size == 0 and has_no_body(method or "GET", record.http_status or 0):
        return None
    if len(declared) > 1:
        return f"{len(declared)} Content-Length headers {declared}; expected one"
    if declared[0] != str(size):
        return f"Content-Length {declared[0]!r} but the payload has {size} bytes"
    return None


def _encoding_problem(record: ArchivedRecord) -> str | None:
    if not record.http_header("Content-Encoding"):
        return None
    try:
        record.decoded_body()
    except UnsupportedEncoding:
        return None  # cannot tell; not wrong
    except ArchiveError as exc:
        return str(exc)
    return None


def _record_problems(records: list[ArchivedRecord]) -> list[str]:
    problems: list[str] = []
    if records and records[0].rec_type != "warcinfo":
        problems.append(
            f"{_where(records[0])}: the first record is not a warcinfo record; "
            "was the file cut or concatenated?"
        )
    ids: set[str] = set()
    warcinfo_ids = {r.record_id for r in records if r.rec_type == "warcinfo"}
    methods: dict[str, str] = {}
    for record in records:
        if record.record_id in ids:
            problems.append(f"{_where(record)}: duplicate WARC-Record-ID")
        ids.add(record.record_id)
        if record.rec_type == "request" and record.http_method:
            target = record.warc_header("WARC-Concurrent-To")
            if target:
                methods[target] = record.http_method
    for record in records:
        where = _where(record)
        info_id = record.warc_header("WARC-Warcinfo-ID")
        if info_id is not None and info_id not in warcinfo_ids:
            problems.append(f"{where}: WARC-Warcinfo-ID {info_id} is not a warcinfo in this file")
        problems.extend(
            f"{where}: WARC-Concurrent-To {value} is not in this file"
            for name, value in record.warc_headers
            if name.lower() == "warc-concurrent-to" and value not in ids
        )
        if record.rec_type != "response" or record.http_headers is None:
            continue
        for problem in (
            _content_length_problem(record, methods.get(record.record_id)),
            _encoding_problem(record),
        ):
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


def check_warc(path: str | os.PathLike[str]) -> list[str]:
    """Problems found in the WARC file at ``path``; an empty list means it is fine."""
    target = Path(path)
    if not target.is_file():
        return [f"{target}: no such file"]
    problems = _digest_problems(target)
    try:
        records = list(iter_records(target))
    except ArchiveError as exc:
        return [*problems, str(exc)]
    return problems + _record_problems(records)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the problems of each file given; exit status 1 if any has one."""
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m archive FILE.warc.gz...", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        problems = check_warc(path)
        print(f"{path}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems:
            print(f"  {problem}")
        status |= bool(problems)
    return status
