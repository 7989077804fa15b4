"""The follow-up queue: persistent, deduplicated, newest first."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawler.followup import KNOWN_CACHE_SIZE, FollowupQueue
from crawler.items import Teaser


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


def _page_the_old_way(
    queue: FollowupQueue, teasers: list[Teaser], links: list[str], source: str, seen_at: str
) -> int:
    queued = 0
    with queue.batch():
        for t in teasers:
            queued += queue.add(
                t.url,
                headline=t.headline,
                excerpt=t.excerpt,
                relative_time=t.relative_time,
                published_at=t.published_at,
                block=t.block,
                source_url=source,
                in_scope=t.url.startswith("https://a.example/"),
                seen_at=seen_at,
                extra={"keywords": "k"} if t.url.endswith("/kw") else None,
            )
        queue.add_links(links, source_url=source, seen_at=seen_at)
    return queued


def _add_page_both_ways(
    old: FollowupQueue,
    new: FollowupQueue,
    teasers: list[Teaser],
    links: list[str],
    source: str,
    seen_at: str,
) -> None:
    """The page into ``old`` as add/add_links did, into ``new`` by add_page: same count."""
    expected = _page_the_old_way(old, teasers, links, source, seen_at)
    queued = new.add_page(
        teasers,
        links,
        source_url=source,
        seen_at=seen_at,
        in_scope=lambda url: url.startswith("https://a.example/"),
        extras={"https://a.example/kw": {"keywords": "k"}},
    )
    assert queued == expected


def test_add_page_writes_what_add_and_add_links_write(tmp_path: Path) -> None:
    """Row for row the same queue, whether sightings are written at once or later."""
    a, b = "https://a.example/", "https://b.example/"
    pages = [
        (
            [Teaser(a + "1", "One", published_at="2024-01-01T00:00:00Z"), Teaser(b + "x", "X")],
            [a + "1", a + "2", a + "menu", a + "menu"],
        ),
        ([Teaser(a + "2", "Two", block="Recent"), Teaser(a + "2", "Two again")], [a + "menu"]),
        ([Teaser(a + "kw", "Keywords", excerpt="e"), Teaser(a + "1", "One")], [a + "3", a + "2"]),
        ([Teaser(a + "done", "Fetched")], [a + "menu", a + "done", a + "4"]),
    ]
    old, new = FollowupQueue(tmp_path / "old.sqlite3"), FollowupQueue(tmp_path / "new.sqlite3")
    with old, new:
        for queue in (old, new):
            queue.mark_done([a + "done"], status=200)
        for i, (teasers, links) in enumerate(pages):
            seen_at = f"2024-01-0{i + 1}T00:00:00Z"
            _add_page_both_ways(old, new, teasers, links, a + f"page{i}", seen_at)
        rows_old = old.all()
        rows_new = new.all()
    assert rows_new == rows_old
    assert len(rows_new) == 8


def test_add_page_commits_new_urls_before_it_returns(tmp_path: Path) -> None:
    """The frontier survives a crash: new rows are on disk, sightings may wait."""
    path = tmp_path / "q.sqlite3"
    queue = FollowupQueue(path, flush_seconds=3600)
    queue.add_page([Teaser("https://a.example/1", "One")], ["https://a.example/2"],
                   source_url="https://a.example/", seen_at="2024-01-01T00:00:00Z")  # fmt: skip
    queue.add_page([Teaser("https://a.example/1", "One")], [],
                   source_url="https://a.example/", seen_at="2024-01-02T00:00:00Z")  # fmt: skip
    with FollowupQueue(path) as other:  # another connection, as after a crash
        assert {link.url for link in other.pending()} == {
            "https://a.example/1",
            "https://a.example/2",
        }
        (one,) = [link for link in other.pending() if link.url.endswith("/1")]
        assert one.times_seen == 1  # the second sighting is not written yet
    queue.close()
    with FollowupQueue(path) as other:
        (one,) = [link for link in other.pending() if link.url.endswith("/1")]
        assert (one.times_seen, one.last_seen_at) == (2, "2024-01-02T00:00:00Z")


@pytest.mark.parametrize("cache_size", [4, 64, KNOWN_CACHE_SIZE])
def test_add_page_matches_add_over_many_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_size: int
) -> None:
    """Menus, repeated teasers and links, fetched URLs: the same rows, whatever the
    known-URL cache remembers (a small one forgets, and asks SQLite again)."""
    monkeypatch.setattr("crawler.followup.KNOWN_CACHE_SIZE", cache_size)
    rng = random.Random(7)
    a = "https://a.example/"
    pool = [a + f"p{i}" for i in range(60)] + ["https://b.example/x", "https://b.example/y"]
    old, new = FollowupQueue(tmp_path / "old.sqlite3"), FollowupQueue(tmp_path / "new.sqlite3")
    with old, new:
        for i in range(80):
            teasers = [
                Teaser(url, f"H{i}", block=rng.choice([None, "Recent"]))
                for url in rng.choices(pool, k=rng.randint(0, 8))
            ]
            links = [a + "menu", a + "about", *rng.choices(pool, k=rng.randint(0, 12))]
            seen_at = f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z"
            _add_page_both_ways(old, new, teasers, links, a + f"page{i}", seen_at)
            if i % 7 == 0:
                done = rng.choices(pool, k=3)
                old.mark_done(done, status=200)
                new.mark_done(done, status=200)
        assert new.all() == old.all()


def test_mark_done_is_written_with_the_next_transaction(tmp_path: Path) -> None:
    """A crash before it leaves the URL pending (fetched again); the next page's new
    rows, a read or close write it; until then the URL counts as known."""
    path = tmp_path / "q.sqlite3"
    a = "https://a.example/"
    queue = FollowupQueue(path, flush_seconds=3600)
    queue.add_links([a + "1"], source_url=a, seen_at="2024-01-01T00:00:00Z")
    queue.mark_done([a + "1", a + "start"], status=200)
    with FollowupQueue(path) as other:  # another connection, as after a crash
        assert [link.url for link in other.pending()] == [a + "1"]
        assert not other.is_done(a + "start")
    queue._known.clear()  # forgotten by the cache: the unwritten mark still says known
    queue._known_old.clear()
    queue.add_page([Teaser(a + "start", "Start")], [a + "2"], source_url=a, seen_at="x")
    with FollowupQueue(path) as other:
        assert [link.url for link in other.pending()] == [a + "2"]
        assert other.is_done(a + "1")
        assert other.is_done(a + "start")
    queue.mark_done([a + "2"], status=200)
    queue.close()
    with FollowupQueue(path) as other:
        assert other.pending() == []
        (start,) = [link for link in other.all() if link.url == a + "start"]
        assert (start.state, start.times_seen, start.headline) == ("done", 1, None)


@pytest.mark.parametrize("way", ["add_page", "add"])
def test_a_plain_link_listed_later_by_a_sitemap_takes_its_fields(tmp_path: Path, way: str) -> None:
    """Which comes first, a page's plain link or the news sitemap's entry, is fetch
    order; either way the entry's fields are kept. A teaser's row keeps its own."""
    a = "https://a.example/"
    entry_fields = {"keywords": ["k"], "language": "en"}
    with FollowupQueue(tmp_path / "q.sqlite3") as queue:
        queue.add_page([Teaser(a + "t", "Teaser headline")], [a + "x"], source_url=a, seen_at="s1")
        entries = [
            Teaser(
                a + "x",
                "From the sitemap",
                published_at="2024-01-01T00:00:00Z",
                block="news-sitemap",
            ),
            Teaser(a + "t", "Sitemap headline", block="news-sitemap"),
        ]
        extras = {t.url: entry_fields for t in entries}
        if way == "add_page":
            queue.add_page(entries, [], source_url=a + "sitemap.xml", seen_at="s2", extras=extras)
        else:
            for t in entries:
                queue.add(
                    t.url,
                    headline=t.headline,
                    published_at=t.published_at,
                    block=t.block,
                    seen_at="s2",
                    extra=entry_fields,
                )
        rows = {row.url: row for row in queue.all()}
    adopted = rows[a + "x"]
    assert (adopted.block, adopted.headline) == ("news-sitemap", "From the sitemap")
    assert adopted.published_at == "2024-01-01T00:00:00Z"
    assert adopted.extra == entry_fields
    assert (adopted.first_seen_at, adopted.last_seen_at) == ("s1", "s2")
    kept = rows[a + "t"]
    assert (kept.block, kept.headline, kept.extra) == (None, "Teaser headline", None)
