"""The compiled row check gives jsonschema's verdict; the fast row is ``asdict``'s row."""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem

from archive import HttpExchange, WarcWriter
from archive.errors import WarcWriteError
from crawler.followup import FollowupQueue
from crawler.items import ArticleChanges, ArticleItem, FetchedPage, Teaser, WarcLocation
from crawler.pipelines.jsonl import article_row, encode_row
from crawler.pipelines.validate import ValidateArticlePipeline, is_valid_row
from crawler.schema import (
    article_schema,
    article_validator,
    fast_validator,
    inline_refs,
    schema_errors,
)


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def _item() -> ArticleItem:
    return ArticleItem(
        url="https://news.example/a/1",
        fetched_at="2024-05-22T10:00:00.000Z",
        status=200,
        title="Title",
        body="Line one\nLine two",
        categories=["World"],
        tags=["a", "b"],
        access="paywalled",
        published_at="2024-05-22T09:00:00+02:00",
        teasers=[
            Teaser(url="https://news.example/b", headline="B", block="Recent Posts"),
            Teaser(
                url="https://news.example/c",
                headline="C",
                relative_time="8 mins ago",
                published_at="2024-05-22T09:52:00Z",
            ),
        ],
        warc=WarcLocation(
            filename="x.warc.gz",
            offset=0,
            length=10,
            record_id="<urn:uuid:12345678-1234-1234-1234-123456789abc>",
        ),
        changes=ArticleChanges(title_changed=True, body_changed_pct=12.5),
        version=2,
    )


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(row: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = row
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()
MUTATIONS = {
    "valid": lambda row: None,
    "empty-url": _set("url", ""),
    "status-bool": _set("status", True),
    "status-float-integer": _set("status", 200.0),
    "status-too-low": _set("status", 99),
    "title-number": _set("title", 3),
    "no-body": _set("body", _DELETE),
    "extra-field": _set("surprise", 1),
    "bad-fetched-at": _set("fetched_at", "2024-05-22 10:00"),
    "published-offset": _set("published_at", "2024-05-22T09:00:00-05:00"),
    "bad-published-at": _set("published_at", "yesterday"),
    "access-other": _set("access", "free"),
    "access-null": _set("access", None),
    "tag-number": _set("tags.1", 7),
    "categories-not-list": _set("categories", "World"),
    "teaser-empty-url": _set("teasers.0.url", ""),
    "teaser-no-headline": _set("teasers.1.headline", _DELETE),
    "teaser-extra": _set("teasers.0.extra", [1]),
    "teaser-bad-time": _set("teasers.1.published_at", "8 mins ago"),
    "teaser-not-object": _set("teasers.0", "https://news.example/b"),
    "teasers-null": _set("teasers", None),
    "warc-null": _set("warc", None),
    "warc-bad-id": _set("warc.record_id", "urn:uuid:x"),
    "warc-zero-length": _set("warc.length", 0),
    "changes-pct-high": _set("changes.body_changed_pct", 100.5),
    "changes-pct-bool": _set("changes.body_changed_pct", False),
    "version-zero": _set("version", 0),
    "schema-version": _set("schema_version", "2.0"),
    # Through the inlined $defs (nullableString, utcTime, teaser):
    "crawl-id-number": _set("crawl_id", 5),
    "canonical-url-list": _set("canonical_url", ["x"]),
    "modified-at-bad": _set("modified_at", "2024-05-22"),
    "modified-at-null": _set("modified_at", None),
    "teaser-excerpt-number": _set("teasers.0.excerpt", 1),
    "teaser-block-bool": _set("teasers.0.block", False),
    "teaser-relative-time-null": _set("teasers.1.relative_time", None),
    "teaser-published-offset": _set("teasers.1.published_at", "2024-05-22T09:52:00+01:00"),
    "teaser-url-number": _set("teasers.1.url", 3),
    "warc-payload-digest-number": _set("warc.payload_digest", 1),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_fast_check_agrees_with_jsonschema(mutate: Callable[[dict[str, Any]], None]) -> None:
    row = copy.deepcopy(article_row(_item()))
    mutate(row)
    assert is_valid_row(row) == (not schema_errors(row))


def test_inline_refs() -> None:
    defs = {"s": {"type": "string"}, "t": {"$ref": "#/$defs/s", "minLength": 2}}
    schema = {
        "$defs": defs,
        "properties": {
            "a": {"$ref": "#/$defs/t", "description": "sibling annotation"},
            "b": {"$ref": "#/$defs/s", "type": "number"},  # both say "type": allOf
            "c": {"$ref": "https://elsewhere.example/x.json"},
        },
    }
    assert inline_refs(schema, defs)["properties"] == {
        "a": {"type": "string", "minLength": 2, "description": "sibling annotation"},
        "b": {"allOf": [{"type": "string"}, {"type": "number"}]},
        "c": {"$ref": "https://elsewhere.example/x.json"},
    }


def test_fast_validator_leaves_the_schema_alone() -> None:
    before = copy.deepcopy(article_schema())
    fast_validator.cache_clear()
    check = fast_validator()
    assert article_schema() == before
    assert check(article_row(_item()))


def test_article_row_is_asdict() -> None:
    item = _item()
    assert article_row(item) == asdict(item)
    assert list(article_row(item)) == list(asdict(item))


def test_pipeline_drops_invalid_rows_with_the_full_message() -> None:
    stats = _Stats()
    pipeline = ValidateArticlePipeline(stats)
    assert pipeline.process_item(_item()) is not None
    bad = _item()
    bad.body = ""
    with pytest.raises(DropItem, match="body"):
        pipeline.process_item(bad)
    assert stats.values == {
        "newscrawl/items/invalid": 1,
        "newscrawl/errors/invalid_row": 1,
        "newscrawl/errors/total": 1,
    }
    assert article_validator().is_valid(article_row(_item()))


def _fetched(url: str = "https://news.example/a/1") -> FetchedPage:
    return FetchedPage(
        url=url,
        aliases=[],
        fetched_at="2024-05-22T10:00:00.000Z",
        status=200,
        kind="article",
        body="Line one",
        version=1,
    )


def test_a_dropped_articles_page_is_recorded_as_an_error_not_as_done() -> None:
    """Else the state would call it a known article and no later run would fetch it."""
    pipeline = ValidateArticlePipeline(_Stats())
    bad = _item()
    bad.title = None
    bad.body = ""
    with pytest.raises(DropItem):
        pipeline.process_item(bad)
    other = pipeline.process_item(_fetched("https://news.example/a/2"))
    assert other.kind == "article"
    page = pipeline.process_item(_fetched())
    assert (page.kind, page.body, page.version) == ("error", None, None)
    assert pipeline.process_item(_fetched()).kind == "article"  # only that fetch


MENDABLE = {
    "bad-published-at": (_set("published_at", "yesterday"), {"published_at": None}),
    "bad-modified-at": (_set("modified_at", "3 March"), {"modified_at": None}),
    "language-number": (_set("language", 5), {"language": None}),
    "tag-number": (_set("tags", ["a", 7, "b"]), {"tags": ["a", "b"]}),
    "categories-not-list": (_set("categories", "World"), {"categories": []}),
}


@pytest.mark.parametrize(("mutate", "expected"), MENDABLE.values(), ids=MENDABLE.keys())
def test_an_optional_field_that_breaks_the_schema_is_emptied_not_the_row_lost(
    mutate: Callable[[dict[str, Any]], None], expected: dict[str, Any]
) -> None:
    row = copy.deepcopy(article_row(_item()))
    mutate(row)
    item = ArticleItem(**{k: v for k, v in row.items() if k not in ("teasers", "warc", "changes")})
    item.teasers, item.warc, item.changes = _item().teasers, _item().warc, _item().changes
    stats = _Stats()
    kept = ValidateArticlePipeline(stats).process_item(item)
    assert is_valid_row(article_row(kept))
    assert {k: getattr(kept, k) for k in expected} == expected
    assert (kept.body, kept.title) == (_item().body, _item().title)
    assert stats.values["newscrawl/errors/invalid_field"] == 1


def test_a_bad_teaser_is_left_out_the_others_kept() -> None:
    item = _item()
    item.teasers[1].published_at = "8 mins ago"
    stats = _Stats()
    kept = ValidateArticlePipeline(stats).process_item(item)
    assert [t.headline for t in kept.teasers] == ["B"]
    assert stats.values["newscrawl/errors/invalid_field"] == 1


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    item = _item()
    item.description = "Breaking \ud83d news"  # half an emoji, as JSON-LD may escape it
    item.teasers[0].headline = "B \udc00"
    stats = _Stats()
    kept = ValidateArticlePipeline(stats).process_item(item)
    assert kept.description == "Breaking \ufffd news"
    assert kept.teasers[0].headline == "B \ufffd"
    assert json.loads(encode_row(kept))["description"] == "Breaking \ufffd news"
    assert stats.values["newscrawl/errors/invalid_field"] == 1


@pytest.mark.parametrize("value", ["2024-03-03", "2024-03-03T10:00:00", "2024-03-03T09:00:00Z"])
def test_page_times_without_a_zone_are_valid(value: str) -> None:
    """Pages often give no zone; the row keeps what they give (schema 1.2)."""
    item = _item()
    item.published_at = item.modified_at = item.teasers[1].published_at = value
    assert is_valid_row(article_row(item))


def _add_then_crash(queue: FollowupQueue) -> None:
    with queue.batch():
        queue.add("https://a.example/3")
        raise RuntimeError("crash")


def test_queue_batch_is_one_transaction(tmp_path: Path) -> None:
    with FollowupQueue(tmp_path / "q.sqlite3") as queue:
        with queue.batch():
            assert queue.add("https://a.example/1")
            queue.add_links(["https://a.example/2"], source_url="https://a.example/", seen_at="x")
        with pytest.raises(RuntimeError, match="crash"):
            _add_then_crash(queue)
        assert sorted(link.url for link in queue.pending()) == [
            "https://a.example/1",
            "https://a.example/2",
        ]


def _member_at_level(tmp_path: Path, level: int) -> bytes:
    body = b"<html>" + b"news " * 5000 + b"</html>"
    exchange = HttpExchange(
        url="https://news.example/",
        method="GET",
        request_headers=[("User-Agent", "t")],
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
        body=body,
        ip_address=None,
        truncated=None,
        fetched_at=datetime(2024, 5, 22, tzinfo=UTC),
    )
    with WarcWriter(tmp_path / str(level), gzip_level=level) as writer:
        location = writer.write_exchange(exchange)
    data = writer.closed_files[0].read_bytes()
    member = data[location.offset : location.offset + location.length]
    assert body in gzip.decompress(member)
    return member


def test_warc_gzip_level(tmp_path: Path) -> None:
    """Level 9 is zlib's best (header XFL 2); level 1 (ISA-L) is a valid, larger member."""
    fast, best = (_member_at_level(tmp_path, level) for level in (1, 9))
    assert best[8] == 2
    assert len(best) < len(fast)


def test_warc_gzip_level_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(WarcWriteError, match="gzip_level"):
        WarcWriter(tmp_path, gzip_level=0)


def test_the_validated_row_is_the_written_line() -> None:
    """Validation checks the JSON the writer writes, read back; nothing else."""
    item = _item()
    item.teasers = [Teaser(url="https://news.example/t", headline="T", excerpt="é ✓")]
    assert article_row(item) == json.loads(encode_row(item)) == asdict(item)


def test_an_item_that_is_not_json_is_dropped_with_a_reason() -> None:
    stats = _Stats()
    item = _item()
    item.tags = [object()]  # type: ignore[list-item]
    with pytest.raises(DropItem, match="not JSON"):
        ValidateArticlePipeline(stats).process_item(item)
    assert stats.values["newscrawl/items/invalid"] == 1
    assert stats.values["newscrawl/errors/invalid_row"] == 1
