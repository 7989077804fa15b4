"""How high can any title rule score on the WCXB dev pages? An oracle's answer.

``python -m benchmarks.title_ceiling [--data DIR] [--list]`` reads the same
pages and truth as ``benchmarks.extraction`` and scores, with the same metric
(exact match after whitespace folding), three things side by side:

* the product (``extract_page``'s title);
* an oracle that may pick, per page, *any* title-like string the page itself
  carries: ``<title>``, every ``*title*`` meta, every ``<h1>`` and ``<h2>``,
  the JSON-LD article's ``headline`` and ``name``, and every run of
  separator-delimited parts of each (``crawler.extract_title._pieces``, the
  cuts the product itself can make). No rule that reads the page and does not
  retype its text can beat it;
* the same oracle when quote style is folded (’ -> ', … -> ...), to show how
  much of the truth retypes the page's typography.

It also counts, among the pages whose first ``<h1>`` and SEO title (og:title
or ``<title>``, whole or cut at its first separator) are two wordings of one
headline, those where the truth is the ``<h1>`` and those where it is the SEO
title: a rule that prefers one source loses the other group.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from pathlib import Path

from lxml import html

from benchmarks.extraction import _TOKEN_RE, DEFAULT_DATA, FETCHED_AT, _fold
from crawler.extract_meta import read_structured_data, string_of
from crawler.extract_title import _TITLE_SEPARATORS, _pieces
from crawler.extraction import extract_page

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _first_part(text: str) -> str:
    cuts = [i for sep in _TITLE_SEPARATORS[:-1] if (i := text.find(sep)) > 0]
    return text[: min(cuts)].strip() if cuts else text


def candidates(root: html.HtmlElement) -> set[str]:
    """Every title-like string of the page, and every separator-delimited run of each."""
    found = [root.findtext(".//title") or ""]
    found += root.xpath("//meta[contains(@property,'title') or contains(@name,'title')]/@content")
    found += [el.text_content() for el in root.iter("h1", "h2")]
    article = read_structured_data(root).article
    if article:
        found += [string_of(article.get(key)) or "" for key in ("headline", "name")]
    return {_fold(piece) for text in found if text for piece in _pieces(_fold(text))}


def seo_and_h1(root: html.HtmlElement) -> tuple[set[str], str]:
    """The SEO titles (og:title, ``<title>``; whole and cut at the first separator), first h1."""
    seo = [root.findtext(".//title") or ""]
    seo += root.xpath("//meta[@property='og:title']/@content")
    h1 = next((_fold(el.text_content()) for el in root.iter("h1")), "")
    return {form for text in seo for form in (_fold(text), _first_part(_fold(text)))}, h1


def _same_story(h1: str, seo: set[str]) -> bool:
    """The ``<h1>`` and an SEO title are two wordings of one headline: half the
    ``<h1>``'s words (4 or more) are in it. Only then does a rule face a choice."""
    words = set(_TOKEN_RE.findall(h1.casefold()))
    return len(words) >= 4 and any(
        len(words & set(_TOKEN_RE.findall(t.casefold()))) >= len(words) / 2 for t in seo
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env_data = os.environ.get("NEWSCRAWL_EXTRACTION_DEV")
    parser.add_argument("--data", type=Path, default=Path(env_data) if env_data else DEFAULT_DATA)
    parser.add_argument("--list", action="store_true", help="list the pages no oracle reaches")
    args = parser.parse_args(argv)
    root = args.data / "wcxb-articles"
    if not (root / "ground-truth.json").exists():
        print(f"skipped: no WCXB pages in {root}")
        return 0
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    n = product = oracle = folded = h1_only = seo_only = 0
    unreached = []
    for pid in sorted(truth):
        want = _fold(truth[pid].get("headline"))
        if not want:
            continue
        n += 1
        page = gzip.decompress((root / "html" / f"{pid}.html.gz").read_bytes())
        tree = html.fromstring(page)
        product += _fold(extract_page(page, truth[pid]["url"], FETCHED_AT).title) == want
        found = candidates(tree)
        oracle += want in found
        folded += want.translate(_QUOTES) in {c.translate(_QUOTES) for c in found}
        if want not in found:
            unreached.append((pid, want))
        seo, h1 = seo_and_h1(tree)
        if _same_story(h1, seo):
            h1_only += want == h1 and want not in seo
            seo_only += want in seo and want != h1
    print(f"WCXB dev pages with a title truth: {n}")
    print(f"  product (extract_page)                      {product / n:.3f}  ({product})")
    print(f"  oracle over the page's own title strings    {oracle / n:.3f}  ({oracle})")
    print(f"  the same oracle, quote style folded         {folded / n:.3f}  ({folded})")
    print("  where <h1> and SEO title word one headline differently, the truth is:")
    print(f"    the first <h1>, not the SEO title         {h1_only}")
    print(f"    the SEO title, not the first <h1>         {seo_only}")
    if args.list:
        for pid, want in unreached:
            print(f"  unreached {pid}: {want}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
