"""The crawl plan file (crawler.plan): a valid plan loads, every mistake is located.

Plans are edited by hand and run unattended, so each bad plan below must fail
with the file, the line and the dotted key of the mistake in the message.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.plan import Plan, PlanError, Politeness, load_plan, parse_duration

VALID = """\
output = "out/"            # optional, default "output"

[settings]
CONCURRENT_REQUESTS = 8
NEWSCRAWL_WARC_OPERATOR = "archive@example.org"

[[source]]
name = "ledger"
start_urls = ["https://news.example/", "https://news.example/section/world/"]
feeds = ["https://news.example/feed.xml"]
sitemaps = ["https://news.example/news-sitemap.xml"]
allowed_domains = ["news.example"]
interval = "15m"
max_age = "2d"
live_blog = ["/live/", "^https://news.example/.*-live-\\\\d+"]

[source.politeness]
concurrency = 2
delay = 1.0

[[source]]
name = "wire"
start_urls = ["http://wire.example:8080/latest/"]
interval = "1h30m"
politeness = { obey_robots = false }
"""


def write(tmp_path: Path, text: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_plan_loads(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, VALID))
    assert isinstance(plan, Plan)
    assert plan.path == (tmp_path / "plan.toml").resolve()
    assert plan.output == (tmp_path / "out").resolve()
    assert plan.settings == {
        "CONCURRENT_REQUESTS": 8,
        "NEWSCRAWL_WARC_OPERATOR": "archive@example.org",
    }
    ledger, wire = plan.sources
    assert ledger.name == "ledger"
    assert ledger.start_urls == ("https://news.example/", "https://news.example/section/world/")
    assert ledger.feeds == ("https://news.example/feed.xml",)
    assert ledger.sitemaps == ("https://news.example/news-sitemap.xml",)
    assert ledger.allowed_domains == ("news.example",)
    assert (ledger.interval, ledger.max_age) == (timedelta(minutes=15), timedelta(days=2))
    assert [p.pattern for p in ledger.live_blog] == ["/live/", r"^https://news.example/.*-live-\d+"]
    assert ledger.live_blog[1].search("https://news.example/world/storm-live-42")
    # obey_robots not given: None, the plan's or the project's ROBOTSTXT_OBEY applies
    assert ledger.politeness == Politeness(concurrency=2, delay=1.0, obey_robots=None)
    assert wire.allowed_domains == ("wire.example",)  # default: the start URLs' hosts
    assert (wire.feeds, wire.sitemaps, wire.live_blog, wire.max_age) == ((), (), (), None)
    assert wire.interval == timedelta(hours=1, minutes=30)
    assert wire.politeness == Politeness(obey_robots=False)
    assert plan.source("wire") is wire


def test_minimal_plan_defaults(tmp_path: Path) -> None:
    text = '[[source]]\nname = "a"\nstart_urls = ["https://a.example/"]\ninterval = "1d"\n'
    plan = load_plan(write(tmp_path, text))
    assert plan.output == (tmp_path / "output").resolve()
    assert plan.settings == {}
    assert plan.sources[0].politeness == Politeness()


def test_plan_with_only_a_sitemap(tmp_path: Path) -> None:
    text = '[[source]]\nname = "a"\nsitemaps = ["https://a.example/s.xml"]\ninterval = "1d"\n'
    assert load_plan(write(tmp_path, text)).sources[0].allowed_domains == ("a.example",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 1.5h ", timedelta(minutes=90)),
        ("2H", timedelta(hours=2)),
    ],
    ids=lambda v: str(v),
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["soon", "", "15", "m", "15 minutes", "-5m", "1y", "5m!"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration like '15m'"):
        parse_duration(text)


def edit(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


# (plan text, line, key, message fragment)
BAD_PLANS = [
    ("syntax", edit('interval = "15m"', "interval = 15m"), 13, None, "TOML syntax error"),
    ("syntax-eof", VALID + "[[source]\n", 26, None, "TOML syntax error"),
    ("syntax-end-of-document", VALID + "x = [1,", 26, None, "end of document"),
    ("duplicate-key", edit('interval = "15m"', 'interval = "15m"\ninterval = "1h"'), 14, None, ""),
    ("unknown-top", "outptu = 'x'\n" + VALID, 1, "outptu", "did you mean 'output'?"),
    ("unknown-table", VALID.replace("[settings]", "[setings]"), 3, "setings", "'settings'?"),
    ("plural-source", VALID.replace("[[source]]", "[[sources]]"), 7, "sources", "'source'?"),
    ("unknown-source-key", edit('interval = "15m"', 'intervall = "15m"'), 13, None, None),
    ("unknown-politeness", edit("delay = 1.0", "dealy = 1.0"), 19, None, "'delay'?"),
    ("unknown-inline", edit("obey_robots = false", "obey_robot = false"), 25, None, None),
    ("bad-duration", edit('interval = "15m"', 'interval = "soon"'), 13, None, "got 'soon'"),
    ("zero-duration", edit('max_age = "2d"', 'max_age = "0s"'), 14, None, "longer than 0"),
    ("int-duration", edit('interval = "1h30m"', "interval = 90"), 24, None, "got 90"),
    (
        "bad-url",
        edit('"https://news.example/section/world/"', '"news.example/world/"'),
        9,
        None,
        "",
    ),
    (
        "bad-url-multiline",
        edit(
            'feeds = ["https://news.example/feed.xml"]',
            'feeds = [\n  "https://news.example/feed.xml",\n  "ftp://news.example/x",\n]',
        ),
        12,
        "source.ledger.feeds",
        "got 'ftp://news.example/x'",
    ),
    ("url-no-host", edit('"http://wire.example:8080/latest/"', '"https:///x"'), 23, None, ""),
    ("bad-port", edit("wire.example:8080", "wire.example:99999"), 23, None, "http(s) URL"),
    ("not-a-list", edit('feeds = ["https://news.example/feed.xml"]', "feeds = 3"), 10, None, ""),
    ("bad-regex", edit('live_blog = ["/live/"', 'live_blog = ["/live/("'), 15, None, "regular"),
    ("bad-domain", edit('["news.example"]', '["https://news.example/"]'), 12, None, "host name"),
    ("dup-name", edit('name = "wire"', 'name = "ledger"'), 22, "source.ledger.name", "duplicate"),
    ("no-name", edit('name = "wire"\n', ""), 21, "source[2].name", "needs a name"),
    ("bad-name", edit('name = "wire"', 'name = "the wire"'), 22, "source[2].name", "letters"),
    ("no-interval", edit('interval = "1h30m"\n', ""), 21, "source.wire.interval", "missing"),
    ("no-urls", edit('start_urls = ["http://wire.example:8080/latest/"]\n', ""), 21, None, ""),
    ("concurrency-0", edit("concurrency = 2", "concurrency = 0"), 18, None, "at least 1"),
    ("concurrency-str", edit("concurrency = 2", 'concurrency = "2"'), 18, None, "whole number"),
    ("delay-negative", edit("delay = 1.0", "delay = -1"), 19, None, ">= 0"),
    ("robots-string", edit("obey_robots = false", 'obey_robots = "no"'), 25, None, "true or"),
    (
        "politeness-scalar",
        edit("politeness = { obey_robots = false }", "politeness = 1"),
        25,
        None,
        "",
    ),
    ("lowercase-setting", edit("CONCURRENT_REQUESTS = 8", "concurrency = 8"), 4, None, "UPPER"),
    ("output-not-string", edit('output = "out/"', "output = 1"), 1, "output", "folder path"),
    ("single-source-table", '[source]\nname = "a"\n', 1, "source", "[[source]]"),
    ("settings-not-table", 'settings = 3\n[[source]]\nname = "a"\n', 1, "settings", "[settings]"),
    ("no-sources", 'output = "x"\n', None, None, "no sources"),
]


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [case[1:] for case in BAD_PLANS],
    ids=[case[0] for case in BAD_PLANS],
)
def test_bad_plan_is_located(
    tmp_path: Path, text: str, line: int | None, key: str | None, fragment: str | None
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line, str(error)
    message = str(error)
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: "), message
    if key is not None:
        assert error.key == key
        assert f": {key}: " in message
    if fragment:
        assert fragment in message


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("unknown-source-key", "source.ledger.intervall"),
        ("unknown-politeness", "source.ledger.politeness.dealy"),
        ("unknown-inline", "source.wire.politeness.obey_robot"),
        ("bad-duration", "source.ledger.interval"),
        ("int-duration", "source.wire.interval"),
        ("bad-url", "source.ledger.start_urls"),
        ("bad-regex", "source.ledger.live_blog"),
        ("delay-negative", "source.ledger.politeness.delay"),
        ("lowercase-setting", "settings.concurrency"),
        ("no-urls", "source.wire.start_urls"),
    ],
)
def test_error_keys_are_dotted(tmp_path: Path, case: str, key: str) -> None:
    text = next(c[1] for c in BAD_PLANS if c[0] == case)
    with pytest.raises(PlanError) as caught:
        load_plan(write(tmp_path, text))
    assert caught.value.key == key


def test_message_format_matches_the_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, edit('interval = "15m"', 'interval = "soon"'))
    with pytest.raises(PlanError) as caught:
        load_plan("plan.toml")
    assert str(caught.value) == (
        "plan.toml:13: source.ledger.interval: expected a duration like '15m', got 'soon'"
    )
    assert isinstance(caught.value, ValueError)


def test_syntax_error_keeps_tomllib_position(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(write(tmp_path, edit('interval = "15m"', "interval = 15m")))
    assert re.search(r"\(at line 13, column \d+\)", str(caught.value))


def test_unreadable_plans(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read the plan"):
        load_plan(tmp_path / "missing.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"output = '\xe9'\n")
    with pytest.raises(PlanError, match="not UTF-8"):
        load_plan(path)


def test_comments_do_not_count_as_keys(tmp_path: Path) -> None:
    text = edit('interval = "15m"', '# interval = "soon" was here\ninterval = "later"')
    with pytest.raises(PlanError) as caught:
        load_plan(write(tmp_path, text))
    assert caught.value.line == 14


def test_plan_settings_hold_where_a_source_sets_nothing_itself(tmp_path: Path) -> None:
    """[settings] is "for every source": only a key the source gives overrides it."""
    from crawler.plan_runner import source_settings

    text = VALID.replace(
        "[settings]\n",
        "[settings]\nROBOTSTXT_OBEY = false\nNEWSCRAWL_MAX_AGE_DAYS = 1\n"
        'NEWSCRAWL_FEEDS = ["https://wire.example/all.xml"]\n',
    )
    plan = load_plan(write(tmp_path, text))
    ledger, wire = (source_settings(plan, s) for s in plan.sources)
    assert ledger["ROBOTSTXT_OBEY"] is False  # ledger sets no obey_robots
    assert ledger["NEWSCRAWL_MAX_AGE_DAYS"] == 2  # its own max_age = "2d"
    assert ledger["NEWSCRAWL_FEEDS"] == ["https://news.example/feed.xml"]
    assert wire["ROBOTSTXT_OBEY"] is False
    assert wire["NEWSCRAWL_MAX_AGE_DAYS"] == 1  # no max_age of its own
    assert wire["NEWSCRAWL_FEEDS"] == ["https://wire.example/all.xml"]
    bare = load_plan(write(tmp_path, VALID, "bare.toml"))
    assert "NEWSCRAWL_MAX_AGE_DAYS" not in source_settings(bare, bare.sources[1])  # 7 days
    assert "ROBOTSTXT_OBEY" not in source_settings(bare, bare.sources[0])  # obeyed


def test_a_later_source_is_due_from_the_start_of_the_pass(tmp_path: Path) -> None:
    """With cron every 5 min and a 15 min interval, the second source of a pass
    must be due at the tick 15 min on, not 20 (due from its own later start)."""
    from datetime import UTC, datetime

    from crawler.sources import SourceLedger

    pass_start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    own_start = pass_start + timedelta(minutes=3)  # after the first source's crawl
    with SourceLedger(tmp_path / "state.sqlite3") as ledger:
        for name, due_from in (("second", pass_start), ("alone", None)):
            ledger.record(
                name,
                started_at=own_start,
                finished_at=own_start + timedelta(minutes=1),
                interval=timedelta(minutes=15),
                crawl_id="c",
                outcome="finished",
                new=0,
                updated=0,
                unchanged=0,
                failed=0,
                due_from=due_from,
            )
        tick = pass_start + timedelta(minutes=15)
        assert ledger.is_due("second", tick)
        assert not ledger.is_due("alone", tick)  # without a pass: its own start
