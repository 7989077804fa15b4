"""The ``newscrawl`` command: crawl, demo, extract, queue.

Thin over Scrapy and the package: argument checks that fail fast with one
clear line and exit code 2, then a normal Scrapy crawl whose settings any
``-s NAME=VALUE`` can override, then a summary read from ``report.json``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import sys
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from crawler.cli_archive import add_archive_commands, run_archive
from crawler.lock import OutputLock, OutputLocked
from crawler.output import OutputLayout

EXIT_USAGE = 2
EXIT_LOCKED = 3  # another crawl holds the output directory: try again later
EXIT_SOURCE_UNREACHABLE = 4  # `run`: a source's every start URL failed (the others ran)


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# For cron: Scrapy's start-up log (~130 lines a crawl) would fill the log file.
QUIET_RUN_HELP = "crawl logs at WARNING; the one-line outcome per source is still printed"


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newscrawl", description=__doc__.splitlines()[0])
    sub: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )

    crawl = sub.add_parser("crawl", help="crawl news sites into OUTPUT (JSONL, WARC, queue)")
    crawl.add_argument("urls", nargs="+", metavar="URL", help="start URL(s): home or section pages")
    _add_crawl_options(crawl)

    demo = sub.add_parser("demo", help="serve the bundled demo news site and crawl it")
    demo.add_argument("--serve", action="store_true", help="only serve the site until Ctrl-C")
    demo.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    _add_crawl_options(demo)

    extract = sub.add_parser("extract", help="print the article JSON of one HTML file or URL")
    extract.add_argument("source", metavar="FILE_OR_URL")
    extract.add_argument("--url", help="the page's URL (for a file: resolves links)")

    queue = sub.add_parser("queue", help="list the follow-up queue of an output directory")
    queue.add_argument("--output", "-o", default="output", help="output directory")
    queue.add_argument("--json", action="store_true", help="one JSON object per line")
    queue.add_argument("--all", action="store_true", help="include done and failed links")

    run = sub.add_parser("run", help="one pass over every source of a crawl plan that is due")
    run.add_argument("plan", metavar="PLAN", help="the plan file (TOML)")
    run.add_argument("--all", action="store_true", help="crawl every source, due or not")
    run.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting for every source (repeatable)",
    )
    run.add_argument("--quiet", "-q", action="store_true", help=QUIET_RUN_HELP)

    schedule = sub.add_parser("schedule", help="stay running; start passes as sources fall due")
    schedule.add_argument("plan", metavar="PLAN", help="the plan file (TOML)")
    schedule.add_argument("--quiet", "-q", action="store_true", help=QUIET_RUN_HELP)

    status = sub.add_parser("status", help="each source's last run, next due time and counts")
    status.add_argument("plan", metavar="PLAN", help="the plan file (TOML)")
    status.add_argument("--json", action="store_true", help="one JSON object per source")

    add_archive_commands(sub)
    return parser


def _add_crawl_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--output", "-o", default="output", help="output directory (default: output)")
    cmd.add_argument(
        "--max-pages",
        type=_at_least(1),
        default=None,
        help="stop requesting after N requests: pages, sitemaps and feeds (robots.txt is not"
        " counted; a request robots.txt then forbids is)",
    )
    cmd.add_argument(
        "--max-depth", type=_at_least(1), default=None, help="follow links N levels deep"
    )
    cmd.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy or newscrawl setting (repeatable)",
    )
    cmd.add_argument("--quiet", "-q", action="store_true", help="no summary, warnings only")


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer no smaller than ``low`` (argparse words the error)."""

    def parse(text: str) -> int:
        value = int(text)  # ValueError: argparse says "invalid ... value"
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    parse.__name__ = "int"
    return parse


def _check_output_dir(path: str) -> Path:
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".newscrawl-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(
            f"output directory {path!r} is not writable: {exc.strerror or exc}"
        ) from exc
    return out


def _check_urls(urls: Sequence[str]) -> list[str]:
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"not an http(s) URL: {url!r}")
    return list(urls)


def _parse_settings(pairs: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


def _load_plan(path: str) -> Any:
    from crawler.plan import PlanError, load_plan

    try:
        return load_plan(path)
    except PlanError as exc:
        raise UsageError(str(exc)) from exc


def _cmd_run(args: argparse.Namespace) -> int:
    from crawler.plan_runner import run_plan

    plan = _load_plan(args.plan)
    _check_output_dir(str(plan.output))
    overrides = _parse_settings(args.settings)
    if args.quiet:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    outcomes, interrupted_by = run_plan(plan, everything=args.all, overrides=overrides)
    if not outcomes and interrupted_by is None:
        print("No source is due.")
    for o in outcomes:
        print(
            f"{o.name}: {o.finish_reason}, {o.new} new, {o.updated} updated, "
            f"{o.unchanged} unchanged, {o.failed} failed (crawl {o.crawl_id})"
        )
    dead = [o for o in outcomes if o.unreachable]
    for o in dead:
        print(f"newscrawl: error: source {o.name}: cannot reach start URL {o.unreachable}",
              file=sys.stderr)  # fmt: skip
    if interrupted_by is not None:
        return _report_interrupted(interrupted_by)
    return EXIT_SOURCE_UNREACHABLE if dead else 0


def _cmd_schedule(args: argparse.Namespace) -> int:
    import logging

    from crawler.scheduler import Scheduler

    _load_plan(args.plan)  # fail fast on a bad plan
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(message)s")
    return Scheduler(Path(args.plan), extra_args=["--quiet"] if args.quiet else None).run_forever()


def _cmd_status(args: argparse.Namespace) -> int:
    from crawler.sources import SourceLedger

    plan = _load_plan(args.plan)
    now = datetime.now(UTC)
    with SourceLedger(OutputLayout(plan.output).state_path) as ledger:
        runs = {s.name: ledger.get(s.name) for s in plan.sources}
        due = {s.name: ledger.next_due(s.name, now) for s in plan.sources}
    if args.json:
        for name, run in runs.items():
            row = asdict(run) if run else {"name": name}
            print(json.dumps({**row, "due_now": due[name] <= now}))
        return 0
    print(f"{'source':16} {'last run (UTC)':22} {'next due':22} new  upd  same fail  outcome")
    for name, run in runs.items():
        next_due = "now" if due[name] <= now else due[name].strftime("%Y-%m-%d %H:%M:%S")
        if run is None:
            print(f"{name:16} {'never':22} {next_due:22}")
            continue
        print(
            f"{name:16} {run.last_finished_at:22} {next_due:22} {run.new:<4} {run.updated:<4} "
            f"{run.unchanged:<4} {run.failed:<4}  {run.outcome or ''}"
        )
    return 0


def run_crawl(
    urls: Sequence[str],
    *,
    output: Path,
    max_pages: int | None = None,
    max_depth: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], int | None]:
    """Run one crawl in this process: its report, and the signal that stopped it early."""
    from crawler import worker_process

    # The extraction workers start now, on the core this process leaves idle
    # while it imports Scrapy and sets the crawl up; the pool adopts them.
    worker_process.start_spares(worker_process.workers_wanted(overrides or {}))
    # First, while the stack is shallow and few modules are loaded: its
    # deprecation shims call inspect.stack(), ~70 ms when imported later.
    import scrapy.core.downloader.contextfactory  # noqa: F401
    from scrapy.settings import Settings

    from crawler.process import InterruptibleCrawlerProcess
    from crawler.spiders.news import NewsSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSCRAWL_OUTPUT_DIR", str(output), priority="cmdline")
    if max_pages is not None:
        settings.set("NEWSCRAWL_MAX_PAGES", max_pages, priority="cmdline")
    if max_depth is not None:
        settings.set("DEPTH_LIMIT", max_depth, priority="cmdline")
    if sys.stderr.isatty() and settings.get("NEWSCRAWL_PROGRESS_MODE") != "log":
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")  # keep the live line readable
    settings.setdict(overrides or {}, priority="cmdline")
    process = InterruptibleCrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    try:
        with OutputLock(output):
            process.crawl(crawler, start_urls=list(urls))
            process.start()
    finally:
        worker_process.close_spares()  # none left unless the pool never opened
    # report.json's content, made from this crawl's own stats: also when the
    # file is switched off (NEWSCRAWL_REPORT_ENABLED), never an earlier run's
    from crawler.extensions.report import crawler_report

    return crawler_report(crawler, OutputLayout(output)), process.interrupted_by


def format_summary(report: dict[str, Any]) -> str:
    """The end-of-run summary an operator reads."""
    r = report
    errors = ", ".join(f"{k} {v}" for k, v in r["errors_by_kind"].items()) or "none"
    ended = "stopped early" if r["finish_reason"] == "shutdown" else "finished"
    return "\n".join(
        [
            f"Crawl {r['crawl_id']} {ended} ({r['finish_reason']})",
            f"  pages fetched    {r['pages_fetched']}",
            f"  articles         {r['articles']}  -> {r['output_dir']}/articles/",
            f"  teasers queued   {r['teasers_queued']} (pending in queue: {r['queue_pending']})",
            f"  WARC files       {r['warc_files_this_run']} ({r['warc_bytes_this_run']:,} bytes)"
            f"  -> {r['output_dir']}/warc/",
            f"  errors           {r['errors']} ({errors})",
        ]
    )


def _crawl_and_report(args: argparse.Namespace, urls: list[str], extra: dict[str, Any]) -> int:
    overrides = {**extra, **_parse_settings(args.settings)}
    # -s NEWSCRAWL_OUTPUT_DIR=X is --output X: one directory, locked and reported on
    output = _check_output_dir(str(overrides.pop("NEWSCRAWL_OUTPUT_DIR", args.output)))
    if args.quiet:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    report, interrupted_by = run_crawl(
        urls, output=output, max_pages=args.max_pages, max_depth=args.max_depth, overrides=overrides
    )
    if interrupted_by is None and report["start_urls_ok"] == 0 and report["start_urls_failed"]:
        raise UsageError(f"cannot reach start URL {report['start_url_error']}")
    if not args.quiet:
        print(format_summary(report))
    if interrupted_by is not None:
        return _report_interrupted(interrupted_by)
    return 0


def _report_interrupted(signum: int) -> int:
    """One line on standard error, and the shell's exit status for the signal."""
    from crawler.process import interrupted_exit_code, signal_name

    print(
        f"newscrawl: stopped early by {signal_name(signum)}: what was fetched is written, "
        "the next run takes up the pending links",
        file=sys.stderr,
    )
    return interrupted_exit_code(signum)


def _cmd_crawl(args: argparse.Namespace) -> int:
    return _crawl_and_report(args, _check_urls(args.urls), {})


def _cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.server import DemoServer

    if args.serve:
        try:
            server = DemoServer(port=args.port)
        except OSError as exc:  # the port is taken, or not ours to bind
            raise UsageError(f"cannot serve the demo site on port {args.port}: {exc}") from None
        print(f"Serving the demo news site at {server.url} (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        return 0
    with DemoServer() as server:
        print(f"Demo news site at {server.url}; crawling into {args.output}/", flush=True)
        # A local site needs no throttling; real crawls keep the polite defaults.
        demo_settings = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0}
        return _crawl_and_report(args, [server.url], demo_settings)


def _cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extraction import extract_page

    source = args.source
    if urlsplit(source).scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(source, timeout=30) as resp:  # noqa: S310 (http(s) only)
                html: bytes = resp.read()
                url = args.url or resp.geturl()
        except OSError as exc:
            raise UsageError(f"cannot fetch {source}: {exc}") from exc
    else:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"no such file: {source}")
        html = path.read_bytes()
        url = args.url or path.resolve().as_uri()
    fetched_at = datetime.now(UTC)
    page = extract_page(html, url, fetched_at)
    print(json.dumps(extraction_row(page, url, fetched_at), ensure_ascii=False, indent=2))
    return 0


def extraction_row(page: Any, url: str, fetched_at: datetime) -> dict[str, Any]:
    """The JSONL row for an extracted page, without the crawl-only fields (warc, status)."""
    from crawler.spiders.page_items import article_from_page

    item = article_from_page(page, url=url, fetched_at=fetched_at)
    return {**asdict(item), "page_type": page.page_type}


def _cmd_queue(args: argparse.Namespace) -> int:
    from crawler.followup import FollowupQueue

    layout = OutputLayout(Path(args.output))
    if not layout.state_path.exists():
        raise UsageError(f"no follow-up queue in {args.output!r} (run a crawl first)")
    with FollowupQueue(layout.state_path) as queue:
        links = queue.all() if args.all else queue.pending()
    for link in links:
        if args.json:
            print(json.dumps(asdict(link), ensure_ascii=False))
        else:
            when = link.published_at or "?"
            print(f"{when:24} {link.state:8} {link.url}  {link.headline or ''}")
    if not args.json:
        print(f"{len(links)} link(s)", file=sys.stderr)
    return 0


COMMANDS = {
    "crawl": _cmd_crawl,
    "demo": _cmd_demo,
    "extract": _cmd_extract,
    "queue": _cmd_queue,
    "run": _cmd_run,
    "schedule": _cmd_schedule,
    "status": _cmd_status,
    "archive": run_archive,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newscrawl`` console script."""
    try:
        args = _build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OutputLocked as exc:
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return EXIT_LOCKED


def console_main() -> NoReturn:
    """The ``newscrawl`` program: ``main``, then an exit without the interpreter's
    tear-down.

    Freeing every object and module of a finished crawl costs ~0.3 s that no one
    waits for with profit (the extraction workers exit the same way). Nothing is
    left to flush by then: the crawl closed its WARC, JSON Lines and SQLite
    files on ``spider_closed``. The exit handlers (logging's among them) still
    run, and standard output and error are flushed.
    """
    try:
        code = main()
    except BrokenPipeError:  # the reader went away (``| head``): nothing left to tell it
        code = 0
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe (``newscrawl queue | head``)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    console_main()
