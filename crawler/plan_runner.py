"""One pass over a crawl plan: crawl every source that is due, one after another.

``newscrawl run PLAN`` calls this (from cron or a systemd timer); ``newscrawl
schedule PLAN`` calls ``newscrawl run`` whenever a source falls due. Each
source is its own Scrapy crawl, with its own settings (feeds, sitemaps, age
limit, live-blog patterns, politeness), writing into the plan's one output
directory, so state, queue and dedup are shared across sources and runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.lock import OutputLock
from crawler.output import OutputLayout, new_crawl_id
from crawler.plan import Plan, Source
from crawler.sources import SourceLedger


@dataclass(frozen=True)
class SourceOutcome:
    """What one source's crawl did in this pass."""

    name: str
    crawl_id: str
    finish_reason: str | None
    new: int
    updated: int
    unchanged: int
    failed: int
    unreachable: str | None = None  # every start URL failed: the error, for the operator


def source_settings(plan: Plan, source: Source) -> dict[str, Any]:
    """The settings of one source's crawl: the plan's, then what the source itself sets.

    A key the source leaves out keeps the plan's ``[settings]`` value (or the
    project default): ``max_age`` falls back to ``NEWSCRAWL_MAX_AGE_DAYS``,
    ``obey_robots`` to ``ROBOTSTXT_OBEY``, empty ``feeds``/``sitemaps``/``live_blog``
    to the plan's lists.
    """
    settings: dict[str, Any] = dict(plan.settings)
    settings["NEWSCRAWL_OUTPUT_DIR"] = str(plan.output)
    settings["NEWSCRAWL_SOURCE_NAME"] = source.name
    if source.feeds:
        settings["NEWSCRAWL_FEEDS"] = list(source.feeds)
    if source.sitemaps:
        settings["NEWSCRAWL_SITEMAPS"] = list(source.sitemaps)
    if source.live_blog:
        settings["NEWSCRAWL_LIVE_BLOG_PATTERNS"] = [p.pattern for p in source.live_blog]
    if source.max_age:
        settings["NEWSCRAWL_MAX_AGE_DAYS"] = source.max_age.total_seconds() / 86400
    if source.politeness.obey_robots is not None:
        settings["ROBOTSTXT_OBEY"] = source.politeness.obey_robots
    if source.politeness.concurrency is not None:
        settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.politeness.concurrency
    if source.politeness.delay is not None:
        settings["DOWNLOAD_DELAY"] = source.politeness.delay
        settings["AUTOTHROTTLE_START_DELAY"] = max(source.politeness.delay, 0.1)
    return settings


def due_sources(plan: Plan, now: datetime, *, everything: bool = False) -> list[Source]:
    with SourceLedger(OutputLayout(plan.output).state_path) as ledger:
        return [s for s in plan.sources if everything or ledger.is_due(s.name, now)]


def _outcome(source: Source, crawl_id: str, stats: dict[str, Any]) -> SourceOutcome:
    def num(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    unreachable = None
    if num("newscrawl/start_urls/ok") == 0 and num("newscrawl/start_urls/failed") > 0:
        unreachable = str(stats.get("newscrawl/start_urls/last_error") or "no start URL answered")
    return SourceOutcome(
        name=source.name,
        crawl_id=crawl_id,
        # what the ledger (and `status`) shows: a dead source must not read "finished"
        finish_reason="unreachable" if unreachable else stats.get("finish_reason"),
        unreachable=unreachable,
        new=num("newscrawl/incremental/new"),
        updated=num("newscrawl/incremental/updated"),
        unchanged=num("newscrawl/incremental/unchanged")
        + num("newscrawl/incremental/not_modified"),
        failed=num("newscrawl/errors/total"),
    )


def _stop_reactor(result: Any, reactor: Any) -> Any:
    reactor.stop()
    return result


def run_plan(
    plan: Plan, *, everything: bool = False, overrides: dict[str, Any] | None = None
) -> tuple[list[SourceOutcome], int | None]:
    """Crawl the due sources (all with ``everything``) and record each pass.

    Returns the outcomes and the signal (SIGINT, SIGTERM) that stopped the pass
    early, if one did. An interrupted source is recorded as ``interrupted`` and
    stays due, and the sources after it are not started: the next pass crawls
    them, taking up the pending links where this one stopped.
    """
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.utils.reactor import install_reactor
    from twisted.internet import defer

    from crawler.process import InterruptibleCrawlerProcess
    from crawler.spiders.news import NewsSpider

    sources = due_sources(plan, datetime.now(UTC), everything=everything)
    if not sources:
        return [], None
    base = Settings()
    base.setmodule("crawler.settings", priority="project")
    base.setdict(overrides or {}, priority="cmdline")  # the process's own log level too
    # Crawlers are built here, one per source, so install the reactor they expect first.
    install_reactor(base["TWISTED_REACTOR"], base["ASYNCIO_EVENT_LOOP"])
    process = InterruptibleCrawlerProcess(base)
    outcomes: list[SourceOutcome] = []
    ledger_path = OutputLayout(plan.output).state_path

    @defer.inlineCallbacks
    def crawl_all() -> Any:
        pass_started = datetime.now(UTC)
        for source in sources:
            if process.interrupted_by:
                break
            settings = base.copy()
            settings.setdict(source_settings(plan, source), priority="cmdline")
            settings.setdict(overrides or {}, priority="cmdline")
            crawl_id = new_crawl_id()
            settings.set("NEWSCRAWL_CRAWL_ID", crawl_id, priority="cmdline")
            crawler = Crawler(NewsSpider, settings)
            started = datetime.now(UTC)
            yield process.crawl(
                crawler,
                start_urls=list(source.start_urls),
                allowed_domains=list(source.allowed_domains),
            )
            outcome = _outcome(source, crawl_id, crawler.stats.get_stats() if crawler.stats else {})
            if process.interrupted_by:
                outcome = replace(outcome, finish_reason="interrupted", unreachable=None)
            outcomes.append(outcome)
            with SourceLedger(ledger_path) as ledger:
                ledger.record(
                    source.name,
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    # an interrupted pass is not a pass: the source stays due
                    interval=timedelta(0) if process.interrupted_by else source.interval,
                    crawl_id=crawl_id,
                    outcome=outcome.finish_reason,
                    new=outcome.new,
                    updated=outcome.updated,
                    unchanged=outcome.unchanged,
                    failed=outcome.failed,
                    due_from=pass_started,
                )

    with OutputLock(plan.output):
        from twisted.internet import reactor

        failures: list[Any] = []
        done = crawl_all()
        done.addErrback(failures.append)
        done.addBoth(_stop_reactor, reactor)
        process.start(stop_after_crawl=False)
    if failures:
        failures[0].raiseException()
    return outcomes, process.interrupted_by
