"""Crash-resume soak: kill -9 a demo crawl many times, resume, compare with a clean crawl.

The test suite does this 10 times (tests/test_crash_resume.py); this script does
it as often as asked and prints what it found:

    .venv/bin/python -m benchmarks.crash_resume --kills 50 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive import check_warc
from crawler.demo.server import DemoServer

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


def crawl(url: str, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "crawler.cli", "crawl", url, "--output", str(out), *FAST]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def rows(out: Path) -> list[dict[str, object]]:
    found = []
    for path in sorted((out / "articles").glob("*.jsonl")):
        found.extend(json.loads(line) for line in path.read_text().splitlines())
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-delay", type=float, default=0.5)
    parser.add_argument("--max-delay", type=float, default=5.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with DemoServer() as server, tempfile.TemporaryDirectory() as tmp:
        clean, crashed = Path(tmp) / "clean", Path(tmp) / "crashed"
        started = time.monotonic()
        crawl(server.url, clean).wait()
        clean_seconds = time.monotonic() - started
        finished_early = 0
        for _ in range(args.kills):
            proc = crawl(server.url, crashed)
            time.sleep(rng.uniform(args.min_delay, args.max_delay))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                finished_early += 1
            proc.wait()
        crawl(server.url, crashed).wait()
        expected = {row["url"] for row in rows(clean)}
        got = [row["url"] for row in rows(crashed)]
        warcs = sorted((crashed / "warc").glob("*.warc.gz"))
        problems = sum(len(check_warc(path)) for path in warcs)
        leftovers = len(list((crashed / "warc").glob("*.open")))
    print(f"clean crawl: {len(expected)} articles in {clean_seconds:.1f}s")
    print(f"kills: {args.kills} (seed {args.seed}; {finished_early} runs ended before the kill)")
    print(f"after resume: {len(set(got))} articles, {len(got) - len(set(got))} duplicate rows")
    print(f"missing: {len(expected - set(got))}, unexpected: {len(set(got) - expected)}")
    print(f"WARC files: {len(warcs)}, check problems: {problems}, .open left: {leftovers}")
    ok = set(got) == expected and len(got) == len(set(got)) and not problems and not leftovers
    print("RESULT:", "same as a clean crawl" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
