"""Package an output directory as one WACZ 1.1 file for replayweb.page and pywb.

The packaging (zip layout, compressed CDXJ index, ``datapackage.json`` with
sha256 hashes, ``datapackage-digest.json``) is done by Webrecorder's ``wacz``
library, the reference implementation, so ``wacz validate`` agrees with it by
construction. What we add is the page list: ``pages/pages.jsonl`` names every
archived article with the title our extraction found (from
``OUTPUT/articles/*.jsonl``), which is what makes replayweb.page's page list and
search useful; the library's own page detection would only see HTML responses.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wacz.main import main as wacz_main

from archive.errors import ArchiveError
from archive.index import iter_index, update_index, url_key

__all__ = ["WaczSummary", "article_pages", "validate_wacz", "write_wacz"]

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}


@dataclass(frozen=True)
class WaczSummary:
    """What went into a WACZ, for the command's report."""

    path: Path
    warcs: int
    pages: int
    skipped_open: int  # .open files left out (being written, or run `archive repair`)


def _read_rows(articles_dir: Path) -> list[dict[str, Any]]:
    """Article rows from every JSONL file; a torn last line (crash) is skipped."""
    rows: list[dict[str, Any]] = []
    for path in sorted(articles_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                row = json.loads(line)
                if isinstance(row, dict):
                    rows.append(row)
    return rows


def article_pages(
    output_dir: str | os.PathLike[str], archived_keys: set[str]
) -> list[dict[str, str]]:
    """One page entry per archived article capture: ``id``, ``url``, ``ts``, ``title``.

    Rows whose URL is not in the archive (``archived_keys``: SURT keys) are
    left out: a page replayweb.page cannot load is worse than none.
    """
    pages: dict[tuple[str, str], dict[str, str]] = {}
    for row in _read_rows(Path(output_dir) / "articles"):
        url, ts = row.get("url"), row.get("fetched_at")
        if not isinstance(url, str) or not isinstance(ts, str):
            continue
        try:
            if url_key(url) not in archived_keys:
                continue
        except ArchiveError:
            continue
        page_id = hashlib.sha1(f"{url} {ts}".encode()).hexdigest()[:24]  # noqa: S324 - an id
        page = {"id": page_id, "url": url, "ts": ts}
        if isinstance(row.get("title"), str) and row["title"]:
            page["title"] = row["title"]
        pages[(url, ts)] = page
    return sorted(pages.values(), key=lambda p: (p["ts"], p["url"]))


def _run_wacz(args: list[str]) -> tuple[int, str]:
    """Run the wacz library's command in-process; it reports by printing."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            status = wacz_main(args)
        except SystemExit as exc:  # argparse errors
            status = exc.code if isinstance(exc.code, int) else 1
    return int(status or 0), out.getvalue()


def write_wacz(
    output_dir: str | os.PathLike[str], dest: str | os.PathLike[str], *, title: str | None = None
) -> WaczSummary:
    """Write ``dest`` (a ``.wacz``) from the closed WARCs and articles of ``output_dir``.

    Raises ``ArchiveError`` when there is nothing to package or packaging fails;
    ``dest`` is only replaced once the new package is complete.
    """
    root, target = Path(output_dir), Path(dest)
    warc_dir = root / "warc"
    warcs = sorted(warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []
    open_files = len(list(warc_dir.glob("*.warc.gz.open"))) if warc_dir.is_dir() else 0
    if not warcs:
        raise ArchiveError(f"no closed WARC files in {warc_dir}; crawl into {root} first")
    keys = {entry.urlkey for entry in iter_index(update_index(root))}
    pages = article_pages(root, keys)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        pages_file = Path(tmp) / "pages.jsonl"
        lines = [json.dumps(PAGES_HEADER)] + [json.dumps(p, ensure_ascii=False) for p in pages]
        pages_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        built = Path(tmp) / "out.wacz"
        args = ["create", "-o", str(built), "--hash-type", "sha256"]
        args += ["--title", title or f"newscrawl {root.resolve().name}"]
        args += ["--pages", str(pages_file), "--copy-pages", *map(str, warcs)]
        status, log = _run_wacz(args)
        if status != 0 or not built.is_file():
            raise ArchiveError(
                f"the wacz library could not package {root} (exit {status}): {log.strip()[-500:]}; "
                f"run `newscrawl archive check {warc_dir}` to find a damaged WARC"
            )
        built.replace(target)
    return WaczSummary(target, len(warcs), len(pages), open_files)


def validate_wacz(path: str | os.PathLike[str]) -> list[str]:
    """``wacz validate`` on ``path``: an empty list if valid, else its report lines."""
    status, log = _run_wacz(["validate", "-f", str(path)])
    return [] if status == 0 else [line for line in log.splitlines() if line.strip()]
