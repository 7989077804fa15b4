"""The crawl benchmark's per-round ratios: each round's own runs, median of the rounds."""

from __future__ import annotations

from benchmarks.crawl import Run, _paired_ratios


def _run(articles: int, wall: float) -> Run:
    return Run("r", pages=articles, articles=articles, wall=wall)


def test_paired_ratio_is_the_median_of_each_rounds_own_ratio() -> None:
    # round speeds differ (the machine drifts); each round's ratio is 0.5, 0.7, 0.6
    product = [_run(100, 2.0), _run(100, 1.0), _run(100, 5.0)]
    limit = [_run(100, 1.0), _run(100, 0.7), _run(100, 3.0)]
    line = _paired_ratios(product, limit, "3/1", 0.6)
    assert "median of 3): 0.60 (0.50, 0.60, 0.70)" in line
    assert line.endswith("(target >= 0.6)")


def test_paired_ratio_needs_two_complete_rounds() -> None:
    assert _paired_ratios([_run(1, 1.0)], [_run(1, 1.0)], "3/2", 4) == ""
    assert _paired_ratios([_run(1, 1.0)] * 2, [_run(1, 1.0)] * 3, "3/2", 4) == ""
