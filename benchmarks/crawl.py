"""Crawl throughput, side by side: extraction-bound limit, a naive crawler, the product.

    .venv/bin/python -m benchmarks.crawl                 # 2,000 articles
    .venv/bin/python -m benchmarks.crawl --articles 20000
    .venv/bin/python -m benchmarks.crawl --quick         # 200 articles, a smoke run

Generates a deterministic synthetic news site (``benchmarks/sitegen.py``),
serves it with nginx on 127.0.0.1 (Python's ThreadingHTTPServer if nginx is
absent) and runs, each in its own process tree:

1. the extraction-bound limit: ``extract_page`` over every page in
   ``os.cpu_count()`` processes, no network (``benchmarks/limit.py``);
2. a naive crawler: Scrapy + ``response.follow_all`` on every ``<a>``,
   trafilatura inline, warcio in a middleware (``benchmarks/naive.py``);
3. the product: ``python -m crawler.cli crawl`` with all its outputs, politeness
   switched off by settings; once with WARC on and once with it off. With
   ``--bare``, also once with only its JSON Lines (no WARC, follow-up queue,
   crawl state or progress): what the outputs cost the crawl, and so how far
   making them cheaper could take the ratios.

For each: pages/s, articles/s, wall and CPU seconds (user+sys of the whole
tree, from ``wait4``) and the peak RSS of the whole tree (the child and all its
descendants, summed, sampled from /proc every 100 ms). Figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchmarks.sitegen import generate_site, iter_pages, serve_site

ROOT = Path(__file__).resolve().parent.parent
# The --bare run: the product with its JSON Lines and nothing else it writes.
_OUTPUTS_OFF = [
    "-s", "NEWSCRAWL_WARC_ENABLED=False",
    "-s", "NEWSCRAWL_QUEUE_ENABLED=False",
    "-s", "NEWSCRAWL_INCREMENTAL=False",
    "-s", "NEWSCRAWL_PROGRESS_ENABLED=False",
]  # fmt: skip
POLITENESS_OFF = [
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS=32",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32",
    "-s", "ROBOTSTXT_OBEY=True",
]  # fmt: skip


@dataclass
class Run:
    name: str
    pages: int = 0
    articles: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss: int = 0  # bytes, whole tree
    peak_root_rss: int = 0  # bytes, the measured process alone (the crawl process)
    root_cpu: float = 0.0  # CPU seconds of the measured process alone (last /proc sample)
    pool_wall: float = 0.0  # the limit only: its pool's time, without imports and warm-up
    peak_procs: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pages_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0

    @property
    def articles_s(self) -> float:
        return self.articles / self.wall if self.wall else 0.0


# -- measuring a process tree -------------------------------------------------


def _children(pid: int) -> list[int]:
    """Child pids of every thread of ``pid`` (/proc/PID/task/TID/children)."""
    kids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids.extend(int(k) for k in (task / "children").read_text().split())
    except OSError:
        pass
    return kids


def _tree_rss(pid: int) -> tuple[int, int, int]:
    """Summed VmRSS (bytes) of ``pid`` and its descendants, how many processes, ``pid``'s own."""
    todo, total, count, own = [pid], 0, 0, 0
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        todo.extend(_children(p))
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if match:
            total += int(match.group(1)) * 1024
            count += 1
            own = own or (int(match.group(1)) * 1024 if p == pid else 0)
    return total, count, own


def _own_cpu(pid: int) -> float:
    """utime + stime of ``pid`` alone, in seconds (0.0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(cmd: list[str], run: Run, log: Path) -> str:
    """Run ``cmd`` to completion, filling wall, CPU and peak tree RSS; returns stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as err, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                rss, procs, own = _tree_rss(proc.pid)
                run.peak_rss = max(run.peak_rss, rss)
                run.peak_root_rss = max(run.peak_root_rss, own)
                run.root_cpu = max(run.root_cpu, _own_cpu(proc.pid))
                run.peak_procs = max(run.peak_procs, procs)
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        run.wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        run.cpu = usage.ru_utime + usage.ru_stime
        out.seek(0)
        stdout = out.read().decode()
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{run.name} failed ({proc.returncode}):\n{tail}")
    return stdout


# -- the three contenders -------------------------------------------------------


def run_limit(site: Path, url: str, work: Path) -> Run:
    run = Run("(1) extraction-bound limit")
    data = json.loads(
        measure([sys.executable, "-m", "benchmarks.limit", str(site), url], run, work / "limit.log")
    )
    run.pages, run.articles = data["pages"], data["articles"]
    # The process's whole wall time stands, as for the two crawls (their
    # start-up counts too); the pool's time alone is kept for the stricter ratio.
    run.pool_wall = data["wall"]
    run.extra["pool wall"] = round(run.pool_wall, 2)
    return run


def run_naive(url: str, work: Path, tag: str = "") -> Run:
    run = Run("(2) naive crawler")
    out = work / f"naive{tag}"
    cmd = [sys.executable, "-m", "benchmarks.naive", url, str(out)]
    data = json.loads(measure(cmd, run, work / f"naive{tag}.log"))
    run.pages, run.articles = data["pages"], data["articles"]
    return run


def run_product(url: str, work: Path, name: str, settings: list[str], tag: str = "") -> Run:
    run = Run(name)
    out = work / (re.sub(r"\W+", "-", name).strip("-") + tag)  # a fresh output dir per run
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", url, "--output", str(out), "--quiet"]
    measure([*cmd, *POLITENESS_OFF, *settings], run, work / f"{out.name}.log")
    report = json.loads((out / "report.json").read_text())
    run.pages, run.articles = report["pages_fetched"], report["articles"]
    run.extra.update(
        errors=report["errors"],
        warc_bytes=report["warc_bytes_this_run"],
        finish=report["finish_reason"],
    )
    return run


# -- report ------------------------------------------------------------------------


def _table(runs: list[Run]) -> str:
    head = (
        f"{'run':34} {'pages':>6} {'articles':>8} {'wall s':>7} {'pages/s':>8} {'art/s':>7} "
        f"{'CPU s':>7} {'CPU/wall':>8} {'peak RSS MiB':>12} {'main MiB':>8} {'procs':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in runs:
        lines.append(
            f"{r.name:34} {r.pages:6d} {r.articles:8d} {r.wall:7.1f} {r.pages_s:8.1f} "
            f"{r.articles_s:7.1f} {r.cpu:7.1f} {r.cpu / r.wall if r.wall else 0:8.2f} "
            f"{r.peak_rss / 2**20:12.0f} {r.peak_root_rss / 2**20:8.0f} {r.peak_procs:5d}"
        )
    return "\n".join(lines)


def _ratio(a: Run | None, b: Run | None) -> str:
    if a is None or b is None or not b.articles_s:
        return "n/a"
    return f"{a.articles_s / b.articles_s:.2f}"


def _pool_ratio(product: Run | None, limit: Run | None) -> str:
    if product is None or limit is None or not limit.pool_wall or not limit.articles:
        return "n/a"
    return f"{product.articles_s / (limit.articles / limit.pool_wall):.2f}"


def _summary(runs: dict[str, Run]) -> list[str]:
    product, limit, naive, nowarc, bare = (
        runs.get(k) for k in ("product", "limit", "naive", "nowarc", "bare")
    )
    lines = [
        f"ratio 3/1 (articles/s, product / extraction-bound limit): {_ratio(product, limit)}"
        "  (target >= 0.6)",
        f"  stricter, against the limit's pool time alone (its imports, start-up and"
        f" warm-up left out, the product's kept in): {_pool_ratio(product, limit)}",
        f"ratio 3/2 (articles/s, product / naive crawler): {_ratio(product, naive)}  (target >= 4)",
    ]
    if product:
        lines.append(
            f"peak RSS of the product's process tree: {product.peak_rss / 2**20:.0f} MiB"
            f" in {product.peak_procs} processes  (target < 1024)"
        )
        lines.append(
            f"product CPU per page: {product.cpu / max(product.pages, 1) * 1000:.1f} ms"
            f" (crawl process alone: {product.root_cpu / max(product.pages, 1) * 1000:.1f} ms,"
            f" sampled every 100 ms)"
        )
    if limit:
        lines.append(f"extraction CPU per page: {limit.cpu / max(limit.pages, 1) * 1000:.1f} ms")
    if product and nowarc:
        share = (product.wall - nowarc.wall) / product.wall
        lines.append(
            f"WARC share of wall time: ({product.wall:.1f}s - {nowarc.wall:.1f}s)"
            f" / {product.wall:.1f}s = {share:.1%}  (target < 10%)"
        )
        cpu_share = (product.cpu - nowarc.cpu) / product.cpu if product.cpu else 0.0
        lines.append(
            f"WARC share of CPU (less sensitive to other load on the machine):"
            f" ({product.cpu:.1f}s - {nowarc.cpu:.1f}s) / {product.cpu:.1f}s = {cpu_share:.1%}"
        )
    if product and bare:
        lines.append(
            f"outputs' share of wall time (all outputs vs JSON Lines only):"
            f" ({product.wall:.1f}s - {bare.wall:.1f}s) / {product.wall:.1f}s"
            f" = {(product.wall - bare.wall) / product.wall:.1%};"
            f" ratios with JSON Lines only: 3/1 {_ratio(bare, limit)}, 3/2 {_ratio(bare, naive)}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="site size (default 2000)")
    parser.add_argument("--quick", action="store_true", help="200 articles: a smoke run")
    parser.add_argument(
        "--skip", default="", help="comma list of runs to skip: limit,naive,product,nowarc"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N",
        help="run every contender N times, in rounds that each start one step later;"
        " the summary uses the median run (by wall time) of each",
    )  # fmt: skip
    parser.add_argument(
        "--bare", action="store_true",
        help="also run the product with only its JSON Lines (WARC, queue, state, progress off)",
    )  # fmt: skip
    parser.add_argument("--server", choices=["nginx", "python"], default="nginx")
    parser.add_argument("--keep", metavar="DIR", help="keep site and outputs in DIR")
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="extra setting for the product runs (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    n = 200 if args.quick else args.articles
    skip = set(filter(None, args.skip.split(",")))
    if not args.bare:
        skip.add("bare")
    extra = [x for pair in args.settings for x in ("-s", pair)]

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        site = work / "site"
        t0 = time.perf_counter()
        counts = generate_site(site, n)
        os.sync()  # or the kernel writes the new site back to disk during the runs
        sizes = [p.stat().st_size for p, _ in iter_pages(site)]
        print(
            f"site: {n} articles, {len(sizes)} pages ({counts}), "
            f"avg {sum(sizes) / len(sizes) / 1024:.0f} KB/page, "
            f"generated in {time.perf_counter() - t0:.1f}s; cpus={os.cpu_count()}",
            flush=True,
        )
        runs: dict[str, Run] = {}
        with serve_site(site, prefer=args.server) as (url, server):
            print(f"served by {server} at {url}", flush=True)
            with_warc = ("(3) product, all outputs", extra)
            without = ("(3') product, WARC off", [*extra, "-s", "NEWSCRAWL_WARC_ENABLED=False"])
            jsonl_only = ("(3'') product, JSON Lines only", [*extra, *_OUTPUTS_OFF])
            steps: list[tuple[str, Callable[[], Run]]] = []
            for i in range(max(args.repeat, 1)):
                tag = f"-{i + 1}" if args.repeat > 1 else ""
                round_ = [
                    ("limit", partial(run_limit, site, url, work)),
                    ("naive", partial(run_naive, url, work, tag)),
                    ("product", partial(run_product, url, work, *with_warc, tag)),
                    ("nowarc", partial(run_product, url, work, *without, tag)),
                    ("bare", partial(run_product, url, work, *jsonl_only, tag)),
                ]
                round_ = [step for step in round_ if step[0] not in skip]
                # each round starts one step later, so no kind always runs first
                # (or always right after another): slow drifts of the machine
                # spread over all of them
                shift = i % max(len(round_), 1)
                steps += round_[shift:] + round_[:shift]
            every: dict[str, list[Run]] = {}
            all_runs: list[Run] = []
            for key, step in steps:
                r = step()
                every.setdefault(key, []).append(r)
                all_runs.append(r)
                print(f"  done: {r.name}: {r.wall:.1f}s {r.extra or ''}", flush=True)
            for key, done in every.items():  # the median run (by wall) stands for its kind
                runs[key] = sorted(done, key=lambda r: r.wall)[(len(done) - 1) // 2]
    print()
    print(_table(all_runs))
    if args.repeat > 1:
        print("(the summary below uses the median run of each kind)")
    print()
    print("\n".join(_summary(runs)))
    for paired in (
        _paired_ratios(every.get("product", []), every.get("limit", []), "3/1", 0.6),
        _paired_ratios(every.get("product", []), every.get("naive", []), "3/2", 4),
        _paired_warc_share(every.get("product", []), every.get("nowarc", [])),
    ):
        if paired:
            print(paired)
    return 0


def _paired_ratios(product: list[Run], other: list[Run], name: str, target: float) -> str:
    """A ratio from each round's own runs (close in time), median over the rounds:
    the medians of each kind above may come from rounds the machine ran at
    different speeds."""
    if len(product) < 2 or len(product) != len(other):
        return ""
    ratios = sorted(
        a.articles_s / b.articles_s for a, b in zip(product, other, strict=True) if b.articles_s
    )
    if not ratios:
        return ""
    each = ", ".join(f"{r:.2f}" for r in ratios)
    return (
        f"ratio {name}, paired by round (median of {len(ratios)}):"
        f" {ratios[(len(ratios) - 1) // 2]:.2f} ({each})  (target >= {target})"
    )


def _paired_warc_share(with_warc: list[Run], without: list[Run]) -> str:
    """The WARC share from each round's own pair of crawls (they run back to back),
    median over the rounds: a machine that drifts between rounds moves both runs
    of a pair, where the medians of each kind above may come from different rounds."""
    if len(with_warc) < 2 or len(with_warc) != len(without):
        return ""
    walls = sorted((a.wall - b.wall) / a.wall for a, b in zip(with_warc, without, strict=True))
    cpus = sorted((a.cpu - b.cpu) / a.cpu for a, b in zip(with_warc, without, strict=True))
    mid = (len(walls) - 1) // 2
    each = ", ".join(f"{w:.1%}" for w in walls)
    return (
        f"WARC share, paired by round (median of {len(walls)}): wall {walls[mid]:.1%}"
        f" ({each}), CPU {cpus[mid]:.1%}  (target < 10%)"
    )


if __name__ == "__main__":
    sys.exit(main())
