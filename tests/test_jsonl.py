"""JSON Lines rows are written whole; a torn tail is cut on the next open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.items import ArticleChanges, ArticleItem, Teaser, WarcLocation
from crawler.pipelines.jsonl import JsonLinesPipeline, article_row, encode_row, repair_torn_tail
from crawler.schema import schema_errors


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def _item(n: int) -> ArticleItem:
    return ArticleItem(
        url=f"https://news.example/a/{n}",
        fetched_at="2024-05-22T10:00:00.000Z",
        status=200,
        title=f"Title {n}",
        body="Line one\nLine two — ünïcode",
        teasers=[
            Teaser(
                url="https://news.example/b",
                headline="B",
                relative_time="8 mins ago",
                published_at="2024-05-22T09:52:00Z",
                block="Recent Posts",
            )
        ],
        warc=WarcLocation(
            filename="x.warc.gz",
            offset=0,
            length=10,
            record_id="<urn:uuid:12345678-1234-1234-1234-123456789abc>",
        ),
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", b""),
        (b'{"a":1}\n', b'{"a":1}\n'),
        (b'{"a":1}\n{"b":', b'{"a":1}\n'),
        (b'{"b":', b""),
    ],
    ids=["empty", "whole", "torn-tail", "only-torn"],
)
def test_repair_torn_tail(tmp_path: Path, content: bytes, expected: bytes) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(content)
    repair_torn_tail(path)
    assert path.read_bytes() == expected


def test_rows_are_one_valid_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "articles" / "run.jsonl"
    pipeline = JsonLinesPipeline(path, _Stats())
    pipeline.open_spider()
    for n in range(3):
        pipeline.process_item(_item(n))
    pipeline.close_spider()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert all(schema_errors(json.loads(line)) == [] for line in lines)


def test_next_run_cuts_torn_line_of_a_crashed_run(tmp_path: Path) -> None:
    crashed = tmp_path / "articles" / "crashed.jsonl"
    crashed.parent.mkdir()
    crashed.write_bytes(encode_row(_item(1)) + encode_row(_item(2))[:40])
    pipeline = JsonLinesPipeline(tmp_path / "articles" / "next.jsonl", _Stats())
    pipeline.open_spider()
    pipeline.close_spider()
    assert crashed.read_bytes() == encode_row(_item(1))


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)  # no lone surrogates


@given(
    title=_TEXT,
    body=_TEXT,
    tags=st.lists(_TEXT, max_size=4),
    pct=st.floats(0, 100).map(lambda x: round(x, 1)),
)
def test_rows_are_the_bytes_json_dumps_writes(
    title: str, body: str, tags: list[str], pct: float
) -> None:
    """orjson writes each row exactly as ``json.dumps(..., ensure_ascii=False)`` would."""
    item = _item(1)
    item.title, item.body, item.tags = title, body, tags
    item.changes = ArticleChanges(title_changed=bool(tags), body_changed_pct=pct)
    row = article_row(item)
    expected = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert encode_row(item) == expected.encode()
