"""The crawl state (crawler/state.py): what a fetch records and reads back."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.state import CrawlState, body_digest

WHEN = datetime(2024, 5, 22, 10, 0, 0, tzinfo=UTC)
BODY = "Première ligne\n" + "Le texte de l'article. " * 300


def test_an_article_round_trips(tmp_path: Path) -> None:
    with CrawlState(tmp_path / "state.sqlite3", ttl=timedelta(days=2)) as state:
        state.record(
            "https://news.example/a",
            "https://news.example/a?x=1",
            kind="article",
            status=200,
            fetched_at=WHEN,
            etag='"e"',
            last_modified="Wed, 22 May 2024 09:00:00 GMT",
            payload_digest="sha1:P",
            body=BODY,
            title="T",
            version=2,
        )
        known = state.get("https://news.example/a")
        assert state.get("https://news.example/b") is None
    assert known is not None
    assert known.body == BODY
    assert known.body_digest == body_digest(BODY)
    assert (known.url, known.kind, known.status, known.version) == (
        "https://news.example/a?x=1",
        "article",
        200,
        2,
    )
    assert (known.first_fetched_at, known.last_fetched_at) == ("2024-05-22T10:00:00Z",) * 2
    assert (known.etag, known.last_modified, known.payload_digest, known.title) == (
        '"e"',
        "Wed, 22 May 2024 09:00:00 GMT",
        "sha1:P",
        "T",
    )
    assert known.next_due_at is None
    assert known.is_archived_article


def test_the_body_is_stored_as_a_zlib_stream(tmp_path: Path) -> None:
    """Any zlib reader gets the text back; zlib-made rows of older runs still read."""
    path = tmp_path / "state.sqlite3"
    with CrawlState(path) as state:
        state.record(
            "k", "https://news.example/k", kind="article", status=200, fetched_at=WHEN, body=BODY
        )
    with sqlite3.connect(path) as db:
        (packed,) = db.execute("SELECT body FROM pages WHERE canonical = 'k'").fetchone()
        assert zlib.decompress(packed).decode("utf-8") == BODY
        assert len(packed) < len(BODY.encode("utf-8")) // 4
        db.execute("UPDATE pages SET body = ?", (zlib.compress(BODY.encode("utf-8"), 1),))
    with CrawlState(path) as state:
        known = state.get("k")
    assert known is not None
    assert known.body == BODY


def test_a_revisit_keeps_what_it_does_not_say(tmp_path: Path) -> None:
    with CrawlState(tmp_path / "state.sqlite3") as state:
        state.record(
            "k",
            "u",
            kind="article",
            status=200,
            fetched_at=WHEN,
            etag='"e"',
            body=BODY,
            title="T",
            version=1,
        )
        later = WHEN + timedelta(hours=1)
        state.record("k", "u", kind="unchanged", status=304, fetched_at=later)
        known = state.get("k")
    assert known is not None
    assert (known.kind, known.status, known.etag, known.body, known.title, known.version) == (
        "article",
        304,
        '"e"',
        BODY,
        "T",
        1,
    )
    assert known.first_fetched_at == "2024-05-22T10:00:00Z"
    assert known.last_fetched_at == "2024-05-22T11:00:00Z"
