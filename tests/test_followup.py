"""The follow-up queue: persistent, deduplicated, newest first."""

from __future__ import annotations

from pathlib import Path

from crawler.followup import FollowupQueue


def test_new_link_is_pending_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with FollowupQueue(path) as queue:
        assert queue.add("https://a.example/1", headline="One", source_url="https://a.example/")
    with FollowupQueue(path) as queue:
        (link,) = queue.pending()
    assert (link.url, link.headline, link.source_url) == (
        "https://a.example/1",
        "One",
        "https://a.example/",
    )


def test_seen_again_updates_last_seen_only(tmp_path: Path) -> None:
    with FollowupQueue(tmp_path / "q.sqlite3") as queue:
        assert queue.add("https://a.example/1", seen_at="2024-01-01T00:00:00Z")
        assert not queue.add("https://a.example/1", seen_at="2024-01-02T00:00:00Z")
        (link,) = queue.pending()
    assert (link.first_seen_at, link.last_seen_at, link.times_seen) == (
        "2024-01-01T00:00:00Z",
        "2024-01-02T00:00:00Z",
        2,
    )


def test_fetched_url_is_never_queued_again(tmp_path: Path) -> None:
    with FollowupQueue(tmp_path / "q.sqlite3") as queue:
        queue.mark_done(["https://a.example/1"], status=200)
        assert not queue.add("https://a.example/1")
        assert queue.pending() == []
        assert queue.is_done("https://a.example/1")


def test_pending_link_leaves_queue_when_fetched(tmp_path: Path) -> None:
    with FollowupQueue(tmp_path / "q.sqlite3") as queue:
        queue.add("https://a.example/1")
        queue.mark_done(["https://a.example/1"], status=200)
        assert queue.count_pending() == 0


def test_newest_first_unknown_times_last(tmp_path: Path) -> None:
    with FollowupQueue(tmp_path / "q.sqlite3") as queue:
        queue.add("https://a.example/old", published_at="2024-01-01T00:00:00Z")
        queue.add("https://a.example/unknown")
        queue.add("https://a.example/new", published_at="2024-05-01T00:00:00Z")
        order = [link.url.rsplit("/", 1)[1] for link in queue.pending()]
    assert order == ["new", "old", "unknown"]
