"""Extraction quality: plain trafilatura against the product's ``extract_page``.

``python -m benchmarks.extraction [--data DIR]`` (or ``make bench-extraction``)
reads the third-party pages in ``../shared/extraction-dev/`` (override with
``--data`` or ``NEWSCRAWL_EXTRACTION_DEV``; absent data is skipped with a message)
and prints one table.

Metric (the ScrapingHub benchmark's ``evaluate.py``): tokens are Unicode ``\\w+``
runs; multisets of 4-token shingles (a text of fewer than 4 tokens is one
shingle); per page precision tp/(tp+fp) and recall tp/(tp+fn), each 1.0 when its
denominator is 0; mean precision and mean recall over the pages, F1 the harmonic
mean of the two means. A page that fails counts as an empty body.

Fields on WCXB, over pages whose truth has the field:
  * title: exact match after whitespace folding;
  * author: the first listed name matches after case- and punctuation-folding
    (names split on ``;`` ``,`` ``|`` ``&`` and " and "), or the whole strings do;
  * date: same calendar day as written (a month-only truth compares the month).
Category and teasers are scored as ``labels/README.md`` says. Speed is measured
in-process on the same bytes: ``trafilatura.extract`` with default options
against ``extract_page``, each page twice per side, alternating, keeping each
side's faster time for the page: a crawl's extraction worker runs warm (caches
filled, dateparser's locale tables compiled on first use), and the faster of two
runs drops noise from other processes. Plain trafilatura's title/author/date
come from ``trafilatura.extract_metadata`` (not timed).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import trafilatura
import trafilatura.xpaths

from crawler.extraction import extract_page
from crawler.trafilatura_gates import ungated

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev"
SETS = ("scrapinghub", "wcxb-articles")
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
_WARMUP = 5
_TIMINGS = 2  # runs per page and side; the faster one counts
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_NAME_SPLIT_RE = re.compile(r"\s*(?:;|,|\||&|\band\b)\s*", re.IGNORECASE)


# --- metric -----------------------------------------------------------------------------


def shingles(text: str | None, n: int = 4) -> Counter[str]:
    """Multiset of ``n``-token shingles; fewer than ``n`` tokens make one shingle."""
    tokens = _TOKEN_RE.findall(text or "")
    grams = [" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))]
    return Counter(g for g in grams if g)


def precision_recall(truth: str | None, pred: str | None) -> tuple[float, float]:
    """Shingle precision and recall of ``pred`` against ``truth`` (1.0 on empty denominators)."""
    want, got = shingles(truth), shingles(pred)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _fold(text: str | None) -> str:
    return " ".join((text or "").split())


def title_match(truth: str, pred: str | None) -> bool:
    return _fold(truth) == _fold(pred)


def _name_key(name: str) -> str:
    return " ".join(_TOKEN_RE.findall(name.casefold()))


def _names(text: str) -> list[str]:
    return [key for key in map(_name_key, _NAME_SPLIT_RE.split(text)) if key]


def author_match(truth: str, pred: str | None) -> bool:
    if not pred:
        return False
    if _name_key(truth) == _name_key(pred):
        return True
    want, got = _names(truth), _names(pred)
    return bool(want and got and want[0] == got[0])


def date_match(truth: str, pred: str | None) -> bool:
    truth = truth.strip()
    return bool(pred) and str(pred).strip()[: len(truth[:10])] == truth[:10]


def category_key(value: str | None) -> str:
    return " ".join(html.unescape(value or "").split()).casefold()


def teaser_key(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


# --- running ----------------------------------------------------------------------------


@dataclass
class Side:
    """Scores of one extractor on one set."""

    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failed: int = 0
    fields: dict[str, list[bool]] = field(default_factory=dict)
    per_page: dict[str, float] = field(default_factory=dict)

    def body_f1(self) -> float:
        return f1(statistics.mean(self.precision), statistics.mean(self.recall))

    def below(self, limit: float) -> int:
        return sum(1 for v in self.per_page.values() if v < limit)


def _plain(page: bytes, url: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        with ungated(trafilatura.xpaths):  # trafilatura as it ships, not as the crawler runs it
            text = trafilatura.extract(page, url=url) or ""
    except Exception:  # a crash is a failed page, as the metric says
        text = ""
    return text, time.perf_counter() - start


def _plain_meta(page: bytes, url: str) -> dict[str, Any]:
    try:
        meta = trafilatura.extract_metadata(page, default_url=url)
    except Exception:  # metadata crash: no fields
        return {}
    if meta is None:
        return {}
    return {"title": meta.title, "author": meta.author, "date": meta.date, "cats": meta.categories}


def _product(page: bytes, url: str) -> tuple[Any, float]:
    start = time.perf_counter()
    result = extract_page(page, url, FETCHED_AT)
    return result, time.perf_counter() - start


def _score(side: Side, pid: str, truth: dict[str, Any], body: str, found: dict[str, Any]) -> None:
    p, r = precision_recall(truth.get("articleBody"), body)
    side.precision.append(p)
    side.recall.append(r)
    side.per_page[pid] = f1(p, r)
    side.failed += not body.strip()
    checks = (("headline", "title", title_match), ("author", "author", author_match))
    for key, name, match in (*checks, ("datePublished", "date", date_match)):
        if truth.get(key):
            side.fields.setdefault(name, []).append(match(truth[key], found.get(name)))


def run_set(root: Path, limit: int | None) -> tuple[Side, Side, dict[str, Any]]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    plain, ours, outputs = Side(), Side(), {}
    for pid in ids[:_WARMUP]:  # first-call costs (imports, regex and locale caches) untimed
        page = gzip.decompress((root / "html" / f"{pid}.html.gz").read_bytes())
        _plain(page, truth[pid]["url"])
        _product(page, truth[pid]["url"])
    for pid in ids:
        page = gzip.decompress((root / "html" / f"{pid}.html.gz").read_bytes())
        url = truth[pid]["url"]
        text, t_plain = _plain(page, url)
        result, t_ours = _product(page, url)
        for _ in range(_TIMINGS - 1):
            t_plain = min(t_plain, _plain(page, url)[1])
            t_ours = min(t_ours, _product(page, url)[1])
        plain.seconds += t_plain
        ours.seconds += t_ours
        _score(plain, pid, truth[pid], text, _plain_meta(page, url))
        found = {"title": result.title, "author": result.author, "date": result.published_at}
        _score(ours, pid, truth[pid], result.body, found)
        outputs[pid] = result
    return plain, ours, outputs


def _category_rows(labels: dict[str, Any], outputs: dict[str, dict[str, Any]]) -> list[str]:
    rows = []
    for set_name, pages in labels.items():
        hits = total = 0
        for pid, label in pages.items():
            if label.get("skipped") or not label.get("category") or pid not in outputs[set_name]:
                continue
            good = {category_key(v) for v in [label["category"], *label.get("acceptable", [])]}
            total += 1
            hits += category_key(outputs[set_name][pid].category) in good
        if total:
            rows.append(_row(f"{set_name}: category (n={total})", "-", f"{hits / total:.3f}"))
    return rows


def _teaser_row(labels: dict[str, Any], outputs: dict[str, dict[str, Any]]) -> str:
    tp = predicted = wanted = pages = 0
    for set_name, set_pages in labels.items():
        for pid, label in set_pages.items():
            if pid not in outputs[set_name]:
                continue
            pages += 1
            self_key = teaser_key(label["url"])
            want = {teaser_key(t["url"]) for b in label["blocks"] for t in b["teasers"]}
            got = {teaser_key(t.url) for t in outputs[set_name][pid].teasers} - {self_key}
            tp, predicted, wanted = tp + len(want & got), predicted + len(got), wanted + len(want)
    p = tp / predicted if predicted else 1.0
    r = tp / wanted if wanted else 1.0
    return _row(f"teasers P / R / F1 (n={pages} pages)", "-", f"{p:.3f} / {r:.3f} / {f1(p, r):.3f}")


def _row(label: str, plain: str, ours: str) -> str:
    return f"  {label:<38} {plain:>20} {ours:>20}"


def _set_rows(name: str, plain: Side, ours: Side) -> list[str]:
    n = len(plain.precision)
    rows = [f"{name} ({n} pages)"]
    for label, get in (
        ("body precision (mean)", lambda s: f"{statistics.mean(s.precision):.4f}"),
        ("body recall (mean)", lambda s: f"{statistics.mean(s.recall):.4f}"),
        ("body F1", lambda s: f"{s.body_f1():.4f}"),
        ("pages with F1 < 0.5", lambda s: str(s.below(0.5))),
        ("failed (empty body)", lambda s: str(s.failed)),
    ):
        rows.append(_row(label, get(plain), get(ours)))
    for key in ("title", "author", "date"):
        if key in plain.fields:
            hits_p, hits_o = plain.fields[key], ours.fields[key]
            label = f"{key} (n={len(hits_p)})"
            rows.append(
                _row(label, f"{sum(hits_p) / n_(hits_p):.3f}", f"{sum(hits_o) / n_(hits_o):.3f}")
            )
    rows.append(_row("pages/s", f"{n / plain.seconds:.1f}", f"{n / ours.seconds:.1f}"))
    ratio = ours.seconds / plain.seconds
    rows.append(_row("time per page, product/plain", "1.00", f"{ratio:.2f}"))
    return rows


def n_(values: list[bool]) -> int:
    return len(values) or 1


def _worst(name: str, ours: Side, plain: Side, count: int) -> Iterable[str]:
    ranked = sorted(ours.per_page.items(), key=lambda kv: kv[1])[:count]
    for pid, value in ranked:
        yield f"  worst {name} {pid[:16]}: ours {value:.3f} plain {plain.per_page[pid]:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env_data = os.environ.get("NEWSCRAWL_EXTRACTION_DEV")
    parser.add_argument("--data", type=Path, default=Path(env_data) if env_data else DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    parser.add_argument("--worst", type=int, default=0, help="also list the N worst pages")
    args = parser.parse_args(argv)
    present = [s for s in SETS if (args.data / s / "ground-truth.json").is_file()]
    if not present:
        print(f"extraction benchmark skipped: no data in {args.data} (see --data)")
        return 0
    version = getattr(trafilatura, "__version__", "?")
    lines = [_row("", f"trafilatura {version}", "newscrawl extract_page"), ""]
    outputs: dict[str, dict[str, Any]] = {}
    worst: list[str] = []
    for name in present:
        plain, ours, outputs[name] = run_set(args.data / name, args.limit)
        lines += [*_set_rows(name, plain, ours), ""]
        worst += list(_worst(name, ours, plain, args.worst))
    labels_dir = args.data / "labels"
    if (labels_dir / "category.json").is_file():
        lines.append("labels (hand-checked, labels/README.md)")
        category = json.loads((labels_dir / "category.json").read_text(encoding="utf-8"))
        lines += _category_rows({k: v for k, v in category.items() if k in outputs}, outputs)
    if (labels_dir / "teasers.json").is_file():
        teasers = json.loads((labels_dir / "teasers.json").read_text(encoding="utf-8"))
        lines.append(_teaser_row({k: v for k, v in teasers.items() if k in outputs}, outputs))
    print("\n".join(lines + worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
