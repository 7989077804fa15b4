"""The extraction-bound limit: the product's extractor over a generated site, no network.

``python -m benchmarks.limit SITE_DIR BASE_URL [WORKERS]`` runs ``extract_page``
on every page in ``WORKERS`` processes (default: ``os.cpu_count()``); each
worker reads its page from disk. Prints one JSON object: pages, articles, wall.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.sitegen import iter_pages


def _extract(args: tuple[str, str]) -> str:
    from crawler.extraction import extract_page

    path, url = args
    page = extract_page(Path(path).read_bytes(), url, datetime.now(UTC))
    return "article" if page.page_type == "article" and page.body else page.page_type


def _warm(_: int) -> None:
    """Imports and the crawl workers' warm-up: one-time costs, not extraction."""
    from crawler.extraction_worker import warm_up

    warm_up()


def main(argv: list[str]) -> int:
    root, base = Path(argv[0]), argv[1].rstrip("/")
    workers = int(argv[2]) if len(argv) > 2 else os.cpu_count() or 1
    jobs = [(str(path), base + url) for path, url in iter_pages(root)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_warm, range(workers)))  # start-up is not extraction time
        start = time.perf_counter()
        kinds = list(pool.map(_extract, jobs, chunksize=8))
        wall = time.perf_counter() - start
    print(json.dumps({"pages": len(kinds), "articles": kinds.count("article"), "wall": wall}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
