"""Small general rules of the extractor: text order, title spelling, notice lines."""

from __future__ import annotations

import pytest

from crawler.extract_clean import clean_body
from crawler.extract_html import parse_html, text_of
from crawler.extract_title import _declared_spelling


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        pytest.param("<h1>A <b>bo<i>ld</i> x</b> tail</h1>", "A bold x tail", id="nested-inline"),
        pytest.param("<h1>Don<em>’</em>t stop</h1>", "Don’t stop", id="inline-glued"),
        pytest.param(
            "<div><p>one</p><p>two</p>three<br>four</div>", "one two three four", id="block"
        ),
        pytest.param("<div>a<script>x()</script>b <style>p{}</style>c</div>", "ab c", id="script"),
    ],
)
def test_text_of_reads_in_document_order(markup: str, expected: str) -> None:
    root = parse_html(f"<html><body>{markup}</body></html>")
    assert root is not None
    assert text_of(root.find("body")[0]) == expected


@pytest.mark.parametrize(
    ("visible", "declared", "expected"),
    [
        pytest.param("We’ve Won", ["We've Won | Site"], "We've Won", id="smart-quotes"),
        pytest.param("how much to pay", ["How Much To Pay"], "How Much To Pay", id="case"),
        pytest.param(
            "Dec 18 2025 Moving a big thing",
            ["Moving a big thing"],
            "Moving a big thing",
            id="dateline-in-h1",
        ),
        pytest.param("Costs in 2025?", ["Costs in 2025"], "Costs in 2025?", id="punct"),
        pytest.param("Our Headline Here", ["Another title"], "Our Headline Here", id="no-match"),
    ],
)
def test_declared_spelling_of_the_visible_headline(
    visible: str, declared: list[str | None], expected: str
) -> None:
    assert _declared_spelling(visible, declared) == expected


@pytest.mark.parametrize(
    "line",
    [
        "READ MORE: Another story entirely",
        "SEE MORE: Protests in the city",
        "CLICK HERE TO GET THE NEWS APP",
        "Copyright ©2019 Some Company, Inc. All Rights Reserved",
        "© 2024 Example Media",
        "This copy is for your personal, non-commercial use only. To order copies visit x.",
        "Write to Al Root at allen.root@example.com",
    ],
)
def test_notice_lines_are_dropped(line: str) -> None:
    body = f"First paragraph of the story.\n{line}\nLast paragraph."
    assert clean_body(body, None) == "First paragraph of the story.\nLast paragraph."


def test_prose_mentioning_copyright_is_kept() -> None:
    body = "The court ruled on copyright in 2019 after a long fight over the song's melody."
    assert clean_body(body, None) == body
