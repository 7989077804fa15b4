"""``newscrawl archive ...``: commands for archivists, thin over the ``archive`` package.

``check`` validates WARC files, ``index`` updates the CDXJ index, ``get``
prints an archived response by URL, ``wacz`` packages an output directory and
``repair`` recovers the ``.open`` files a crash left. Every command takes an
output directory (``check`` also takes files); user errors become
``UsageError`` (one line, exit 2), problems found in the archive exit 1.
``repair`` and ``index`` (and ``get`` when it must build the index) change the
directory, so they take its lock (``crawler.lock``): exit 3 while a crawl runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from archive.check import check_warc
from archive.errors import ArchiveError, InvalidLookup, RecordNotFound
from archive.index import INDEX_NAME, iter_index, load_capture, update_index
from archive.repair import repair_open_files
from crawler.lock import OutputLock

__all__ = ["add_archive_commands", "run_archive"]

EXIT_PROBLEMS = 1
_WARC_SUFFIXES = (".warc.gz", ".warc")
_STILL_OPEN = (
    "still .open: being written, or left by a crash; "
    "run `newscrawl archive repair OUTPUT` when no crawl is running"
)


def add_archive_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``archive`` and its sub-commands to the ``newscrawl`` parser."""
    archive = subparsers.add_parser("archive", help="check, index, get, package, repair WARCs")
    sub = archive.add_subparsers(dest="archive_command", required=True, metavar="COMMAND")
    archive.set_defaults(archive_parser=archive)

    check = sub.add_parser("check", help="validate every record of WARC files")
    check.add_argument("paths", nargs="+", metavar="DIR_OR_FILE", help="WARC files or folders")
    check.add_argument("--quiet", "-q", action="store_true", help="print problems only")

    index = sub.add_parser("index", help="update OUTPUT/indexes/index.cdxj")
    index.add_argument("output", metavar="OUTPUT", help="output directory of a crawl")

    get = sub.add_parser("get", help="print an archived response by URL")
    get.add_argument("url", metavar="URL")
    get.add_argument("--output", "-o", default="output", help="output directory (default: output)")
    get.add_argument("--at", metavar="TIMESTAMP", help="closest to YYYY[MMDDhhmmss] (UTC)")
    what = get.add_mutually_exclusive_group()
    what.add_argument("--raw", action="store_true", help="the HTTP response as received")
    what.add_argument("--body", action="store_true", help="the body, Content-Encoding removed")

    wacz = sub.add_parser("wacz", help="package OUTPUT as a WACZ file")
    wacz.add_argument("output", metavar="OUTPUT", help="output directory of a crawl")
    wacz.add_argument("-o", dest="dest", required=True, metavar="FILE.wacz", help="the package")
    wacz.add_argument("--title", help="title shown by replayweb.page")

    repair = sub.add_parser("repair", help="recover .open WARC files left by a crash")
    repair.add_argument("output", metavar="OUTPUT", help="output directory (or its warc/)")


def _usage(args: argparse.Namespace, message: str) -> NoReturn:
    """Fail the way the rest of the CLI does: ``parser.error`` raises its ``UsageError``.

    Going through the parser (not importing ``crawler.cli``) also works when
    the CLI runs as ``python -m crawler.cli``, whose ``UsageError`` is then
    ``__main__.UsageError``.
    """
    parser = getattr(args, "archive_parser", None)
    if parser is not None:
        parser.error(message)
    from crawler.cli import UsageError  # late: crawler.cli imports this module

    raise UsageError(message)


def _output_dir(args: argparse.Namespace, path: str) -> Path:
    root = Path(path)
    if not root.is_dir():
        _usage(args, f"no output directory {path!r} (give the --output of a crawl)")
    return root


def _lock(root: Path) -> OutputLock:
    """The lock of the output directory ``root`` is, or is the ``warc/`` of."""
    if root.name == "warc" and not (root / "warc").is_dir():
        root = root.parent
    return OutputLock(root)


def _warc_files(args: argparse.Namespace, paths: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.name.endswith(_WARC_SUFFIXES))
            yield from sorted(path.rglob("*.warc.gz.open"))
        elif path.is_file():
            yield path
        else:
            _usage(args, f"no such file or directory: {name!r}")


def _cmd_check(args: argparse.Namespace) -> int:
    files = list(dict.fromkeys(_warc_files(args, args.paths)))
    if not files:
        _usage(args, f"no WARC files (*.warc.gz, *.warc) in {' '.join(args.paths)}")
    bad = 0
    for path in files:
        problems = check_warc(path)
        if path.name.endswith(".open"):
            problems.insert(0, _STILL_OPEN)
        if problems:
            bad += 1
            print(f"{path}: FAILED, {len(problems)} problem(s)")
            for problem in problems:
                print(f"  {problem}")
        elif not args.quiet:
            print(f"{path}: ok")
    print(f"{len(files)} file(s) checked, {bad} with problems", file=sys.stderr)
    return EXIT_PROBLEMS if bad else 0


def _cmd_index(args: argparse.Namespace) -> int:
    root = _output_dir(args, args.output)
    with _lock(root):
        index = update_index(root)
    count = sum(1 for _ in iter_index(index))
    print(f"{index}: {count} capture(s)")
    return 0


def _cmd_get(args: argparse.Namespace) -> int:
    root = _output_dir(args, args.output)
    if not (root / INDEX_NAME).is_file():
        with _lock(root):
            update_index(root)
    try:
        capture = load_capture(root, args.url, args.at)
    except InvalidLookup as exc:
        _usage(args, str(exc))
    except RecordNotFound as exc:
        print(f"newscrawl: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    record, out = capture.record, sys.stdout.buffer
    if args.body:
        out.write(capture.decoded_body())
    elif args.raw:
        head = f"{record.http_protocol} {record.http_status} {record.http_reason}".rstrip()
        lines = [head, *(f"{name}: {value}" for name, value in record.http_headers or [])]
        out.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + capture.payload)
    else:
        entry = capture.entry
        print(f"{entry.url}\n  captured {entry.timestamp} ({record.date}), status {entry.status}")
        print(f"  {entry.filename} offset {entry.offset} length {entry.length}")
        if capture.original is not None:
            original = capture.original
            print(f"  revisit of {original.target_uri} at {original.date} ({original.filename})")
        for name, value in record.http_headers or []:
            print(f"  {name}: {value}")
    out.flush()
    return 0


def _cmd_wacz(args: argparse.Namespace) -> int:
    from archive.wacz import write_wacz  # the wacz library and frictionless: ~0.2 s to import

    summary = write_wacz(_output_dir(args, args.output), args.dest, title=args.title)
    print(f"{summary.path}: {summary.warcs} WARC file(s), {summary.pages} article page(s)")
    if summary.skipped_open:
        print(
            f"left out {summary.skipped_open} .open file(s); run `newscrawl archive repair "
            f"{args.output}` once no crawl is running, then package again",
            file=sys.stderr,
        )
    return 0


def _cmd_repair(args: argparse.Namespace) -> int:
    root = _output_dir(args, args.output)
    with _lock(root):  # never cut a file a running crawl is writing
        results = repair_open_files(root / "warc" if (root / "warc").is_dir() else root)
    for result in results:
        print(result.describe())
    if not results:
        print("no .open files: nothing to repair")
    return EXIT_PROBLEMS if any(r.action == "skipped" for r in results) else 0


_COMMANDS = {
    "check": _cmd_check,
    "index": _cmd_index,
    "get": _cmd_get,
    "wacz": _cmd_wacz,
    "repair": _cmd_repair,
}


def run_archive(args: argparse.Namespace) -> int:
    """Run the ``archive`` sub-command in ``args``; the exit status."""
    try:
        return _COMMANDS[args.archive_command](args)
    except ArchiveError as exc:
        print(f"newscrawl: archive {args.archive_command}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
