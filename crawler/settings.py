"""Scrapy settings for newscrawl.

Polite defaults for real sites (robots.txt, AutoThrottle, a few requests per
host); every product knob is a ``NEWSCRAWL_*`` setting documented here and in
the README. Override any of them with ``-s NAME=VALUE``.
"""

from importlib.util import find_spec

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- politeness -----------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = "newscrawl/0.1 (news archiving crawler)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# robots.txt Crawl-delay: a host's slot waits that long between requests (no
# jitter; AutoThrottle never goes below it), capped at the MAX, in seconds.
NEWSCRAWL_ROBOTS_CRAWL_DELAY = True
NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX = 60.0
# RFC 9309: robots.txt unreachable (5xx, network error) = the host is off limits
# for the run (crawler/middlewares/robots.py); False: Scrapy's allow-all.
NEWSCRAWL_ROBOTS_UNREACHABLE_DISALLOW = True
NEWSCRAWL_ROBOTS_MAX_BYTES = 500 * 1024  # robots.txt beyond this is not read (RFC 9309 2.5)

# --- robustness -----------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
# Scrapy's request headers, plus the content codings asked for: gzip and deflate
# only, as Heritrix and wget ask. Scrapy 2.19 would also ask for br and zstd;
# pywb 2.10 cannot replay zstd, and warcio 1.8.1 (its `warcio check`) cannot
# decode br with brotli 1.2, which Scrapy requires. A coding sent unasked is
# still archived as sent, and the archive package decodes all four.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}
# Keep truncated responses (flagged "dataloss") so they are archived with
# WARC-Truncated and counted, instead of vanishing as a download error.
DOWNLOAD_FAIL_ON_DATALOSS = False
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 1
# A host that answers one of these is paused (crawler/extensions/backoff.py):
# Retry-After seconds, else the DEFAULT, never longer than the MAX.
NEWSCRAWL_BACKOFF_HTTP_CODES = [429, 503]
NEWSCRAWL_BACKOFF_DEFAULT = 30.0
NEWSCRAWL_BACKOFF_MAX = 600.0
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = 0  # 0 = no limit; `newscrawl crawl --max-depth N`
DEPTH_PRIORITY = 1  # breadth first: home and sections before deep archives
# First in, first out within a priority: the queue is handed over newest first,
# and pages are fetched in the order they were discovered.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Pending requests wait on disk in OUTPUT/frontier/ (emptied at each start), not in
# memory: see crawler/frontier.py. False = Scrapy's memory queues.
SCHEDULER = "crawler.frontier.FrontierScheduler"
NEWSCRAWL_DISK_QUEUE = True
# Request fingerprints in a temporary SQLite file, not a set (crawler/dupefilter.py);
# with JOBDIR, Scrapy's own requests.seen file as usual.
DUPEFILTER_CLASS = "crawler.dupefilter.DiskDupeFilter"
# Error responses reach the spider so it can count them; they are archived anyway.
HTTPERROR_ALLOW_ALL = True
COOKIES_ENABLED = False
# Scrapy's MemoryStatsCollector minus a per-attribute deprecation shim (crawler/stats.py).
STATS_CLASS = "crawler.stats.DirectStatsCollector"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python sent to a local HTTP port and writes
# a job file under the user's home: off, like the telnet console, for crawls
# that run unattended. The remote control is also left out of EXTENSIONS_BASE
# below: Scrapy imports an extension's module before it reads its _ENABLED
# switch, and that module imports aiohttp (~0.25 s of every crawl's start-up).
# To use it, set REMOTE_CONTROL_ENABLED and list it in EXTENSIONS.
REMOTE_CONTROL_ENABLED = False
# Twisted's asyncio reactor (Scrapy's default) on uvloop's event loop, not the
# standard library's: the reactor's own bookkeeping is a large part of the
# crawl process's CPU, and uvloop cut the benchmark's CPU a page by ~10%
# (benchmarks/crawl.py). None (asyncio's own loop) where uvloop is not
# installed: it is a Linux/macOS dependency.
ASYNCIO_EVENT_LOOP = "uvloop.Loop" if find_spec("uvloop") else None
LOG_LEVEL = "INFO"
# Scrapy's formatter, minus the per-response/per-item DEBUG lines when they would
# be dropped anyway (crawler/log_formatter.py).
LOG_FORMATTER = "crawler.log_formatter.QuietLogFormatter"

# --- components -----------------------------------------------------------
# Scrapy's HTTP/1.1 handler, also keeping the response head as received.
DOWNLOAD_HANDLERS = {
    "http": "crawler.download_handler.ArchivalHTTP11DownloadHandler",
    "https": "crawler.download_handler.ArchivalHTTP11DownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # Closest to the downloader (process_response runs high to low): it sees
    # the response before decompression, redirects and retries change it.
    "crawler.middlewares.warc_capture.WarcCaptureMiddleware": 950,
    # Scrapy's meta-refresh redirects, skipping heads that never say "refresh".
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.meta_refresh.QuickMetaRefreshMiddleware": 580,
    # Scrapy's decoding, flagging a compressed body whose stream ends early.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.compression.CheckedHttpCompressionMiddleware": 590,
    # RFC 9309: a robots.txt lost to a 5xx or a network error disallows the host.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RfcRobotsTxtMiddleware": 100,
}
SPIDER_MIDDLEWARES = {
    # Scrapy 2.19's check that a spider did not copy response.meta into a new
    # request: a diagnostic for spider authors that wraps every output of every
    # callback (~2% of the crawl process). The news spider builds each request's
    # meta afresh (tests/test_end_to_end.py runs a crawl with it on).
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidateArticlePipeline": 100,
    "crawler.pipelines.jsonl.JsonLinesPipeline": 300,
    "crawler.pipelines.state.CrawlStatePipeline": 400,
    "crawler.pipelines.followup.FollowupQueuePipeline": 500,
}
# One item at a time, in the order a callback yields them: a page's JSONL row
# and links are written before its FetchedPage marks it done (crash safety).
CONCURRENT_ITEMS = 1
EXTENSIONS = {
    # Extraction in worker processes; the spider awaits it (crawler/extraction_pool.py).
    "crawler.extraction_pool.ExtractionPool": 100,
    "crawler.extensions.progress.ProgressExtension": 500,
    "crawler.extensions.report.RunReportExtension": 510,
    "crawler.extensions.gc_tuning.GcTuningExtension": 900,
    # robots.txt Crawl-delay honoured, and AutoThrottle kept above it
    # (crawler/extensions/crawl_delay.py): Scrapy's AutoThrottle is replaced.
    "crawler.extensions.crawl_delay.RobotsCrawlDelay": 50,
    # A host that answers 429/503 waits its Retry-After (crawler/extensions/backoff.py).
    "crawler.extensions.backoff.Backoff": 60,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.crawl_delay.SlotFloorAutoThrottle": 0,
}
# Scrapy 2.19's own extensions (its EXTENSIONS_BASE), less the remote control
# (see REMOTE_CONTROL_ENABLED). Spelt out, not derived from Scrapy's defaults:
# this module is read before Scrapy is imported (the extraction workers start
# first), and a test holds the list to Scrapy's.
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.telnet.TelnetConsole": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.memdebug.MemoryDebugger": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}

# --- newscrawl: outputs ---------------------------------------------------
NEWSCRAWL_OUTPUT_DIR = "output"  # warc/, articles/, indexes/, state.sqlite3, report.json
NEWSCRAWL_CRAWL_ID = None  # default: a new sortable id per run
NEWSCRAWL_SOURCE_NAME = None  # the plan source being crawled (set by `newscrawl run`)

NEWSCRAWL_WARC_ENABLED = True
NEWSCRAWL_WARC_PREFIX = "newscrawl"
NEWSCRAWL_WARC_MAX_BYTES = 1_000_000_000  # rotate WARC files at this size
NEWSCRAWL_WARC_OPERATOR = ""  # written to each warcinfo record
NEWSCRAWL_WARC_FSYNC = False  # fsync after every record pair (slower, safer)
# gzip level of each record (1-9): 1 deflates with ISA-L, about a tenth of the
# CPU of 9 (warcio's fixed level) for files ~10% larger (README, settings table);
# the crawl process is CPU-bound.
NEWSCRAWL_WARC_GZIP_LEVEL = 1
NEWSCRAWL_WARC_DEDUP = True  # identical payloads become revisit records (indexes/digests.sqlite3)
NEWSCRAWL_CDXJ_ENABLED = True  # keep indexes/index.cdxj up to date as each WARC file closes

NEWSCRAWL_JSONL_ENABLED = True
NEWSCRAWL_JSONL_FSYNC = False  # fsync after every line (a line is always written whole)

NEWSCRAWL_QUEUE_ENABLED = True
# New URLs go on the follow-up queue at once (one transaction per page); a URL
# seen again only updates its last_seen_at/times_seen, and those sightings are
# written together this often (seconds; and at close). 0 = with every page.
NEWSCRAWL_QUEUE_FLUSH_SECONDS = 10.0
NEWSCRAWL_FOLLOW_TEASERS = True  # crawl in-scope teaser links in the same run

# --- newscrawl: extraction -----------------------------------------------
# Pages are extracted in this many worker processes while the reactor keeps
# downloading and archiving. None = one per core; 0 = inline in the crawl process.
NEWSCRAWL_EXTRACTION_WORKERS = None
# Back-pressure: pages handed to the workers at a time; 0 = 8 x workers (fewer
# leave a worker idle while the reactor is busy with another page).
NEWSCRAWL_EXTRACTION_MAX_IN_FLIGHT = 0
# Seconds one page may spend in a worker; then the worker is killed and the
# page recorded as an extraction error (it stays archived).
NEWSCRAWL_EXTRACTION_TIMEOUT = 60.0
# New containers between the garbage collector's young collections in the crawl
# process (the extraction workers keep Python's), after the start-up heap is frozen
# (crawler/gc_tuning.py); Python's default, 700, cost ~14% of the crawl
# process's CPU. 0 = leave Python's collector as it is.
NEWSCRAWL_GC_THRESHOLD = 50_000

# --- newscrawl: incremental crawling --------------------------------------
NEWSCRAWL_INCREMENTAL = (
    True  # keep per-URL state; fetch articles once, listings with conditional GET
)
NEWSCRAWL_STATE_TTL_DAYS = 90  # forget a URL's state this long after its last fetch
NEWSCRAWL_LISTING_REFRESH_MINUTES = (
    0.0  # listings reached by links: ask again after this (0 = every run)
)
NEWSCRAWL_LIVE_BLOG_PATTERNS: list[str] = []  # regexes: matching articles are refetched every run

# --- newscrawl: discovery (feeds and sitemaps) ----------------------------
NEWSCRAWL_FEEDS: list[str] = []  # RSS/Atom/JSON feeds to read every run
NEWSCRAWL_SITEMAPS: list[str] = []  # sitemaps (or indexes, or Google News sitemaps) to read
NEWSCRAWL_DISCOVER_FEEDS = True  # also read feeds that start pages announce (<link rel=alternate>)
NEWSCRAWL_SITEMAPS_FROM_ROBOTS = True  # also read the sitemaps robots.txt lists
NEWSCRAWL_MAX_AGE_DAYS = 7.0  # feed/sitemap entries older than this are skipped (0 = keep all)

# --- newscrawl: crawl limits ---------------------------------------------
NEWSCRAWL_MAX_PAGES = 0  # 0 = no limit; requests beyond it stay on the follow-up queue

# --- newscrawl: observability --------------------------------------------
NEWSCRAWL_PROGRESS_ENABLED = True
NEWSCRAWL_PROGRESS_MODE = "auto"  # auto (live on a terminal, log lines otherwise) | live | log
NEWSCRAWL_PROGRESS_INTERVAL = 5.0  # seconds between progress log lines
NEWSCRAWL_REPORT_ENABLED = True  # write report.json at the end of each run
NEWSCRAWL_REPORTS_KEEP = 1000  # reports/<crawl_id>.json kept, newest first; 0 = all
