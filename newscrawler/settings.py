"""Scrapy settings for newscrawler, and every NEWSCRAWLER_* default with the reason for it.

Any of them can be overridden on the command line with `-s NAME=VALUE`.
"""

BOT_NAME = "newscrawler"
SPIDER_MODULES = ["newscrawler.spiders"]
NEWSPIDER_MODULE = "newscrawler.spiders"
# `scrapy crawl <unknown>` answers with the list of known site ids.
SPIDER_LOADER_CLASS = "newscrawler.spiders.loader.SiteSpiderLoader"

# Name the crawler and say where to complain: sites block anonymous crawlers first.
USER_AGENT = "newscrawler/0.1 (+https://github.com/newscrawler/newscrawler)"
ROBOTSTXT_OBEY = True

# Politeness defaults for a crawl of many sites: one request at a time per site, a second apart,
# slowed further by AutoThrottle when a site answers slowly. Sites may set their own delay.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# A news page over 20 MB is not an article; stop reading it (checked after decompression too).
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024

# Features that switch themselves on when their setting is given (`-s` included): Splash
# rendering with SPLASH_URL, the crawl shared through Redis with NEWSCRAWLER_REDIS_URL. Without
# it each add-on changes nothing.
ADDONS = {
    "newscrawler.splash.addon.SplashAddon": 100,
    "newscrawler.distributed.DistributedAddon": 200,
}

# Articles are written by our own JSON Lines pipeline (complete lines, state committed only
# after the write); Scrapy's feed exporter would write a second, unguarded copy. `-o`/`-O` still
# work: the writer takes its path from FEEDS.
EXTENSIONS = {
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newscrawler.progress.CrawlProgress": 500,
    # First of all: redact credentials from the log, refuse a bad configuration before any fetch.
    "newscrawler.startup.StartupCheck": 0,
    # A redirect loop is dropped silently by the duplicate filter; this records it as a reject.
    "newscrawler.safety.failures.RedirectLoopRecorder": 500,
    # Fill-rate drift alarms at spider close; before the run recorder, which copies its stats.
    "newscrawler.drift.DriftAlarm": 505,
    # Run record JSON (counts, drift flags) when NEWSCRAWLER_RUN_RECORD is set; else off.
    "newscrawler.scheduler.records.RunRecorder": 510,
    # Long-lived objects out of the garbage collector's view, log records below the level not
    # made (newscrawler/process_tuning.py); NEWSCRAWLER_PROCESS_TUNING=False keeps the defaults.
    "newscrawler.process_tuning.ProcessTuning": 600,
}

DOWNLOADER_MIDDLEWARES = {
    # Last before the download handler, so every other middleware sees replayed responses
    # exactly as live ones (decompression, redirects, retries, robots.txt).
    "newscrawler.replay.middleware.ReplayDownloaderMiddleware": 950,
    # Before everything else: no request outside the allowed domains, even a dont_filter one.
    "newscrawler.safety.boundary.AllowedDomainsMiddleware": 45,
    # Scrapy's, plus: an unreachable robots.txt means complete disallow (RFC 9309).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawler.safety.robots.StrictRobotsTxtMiddleware": 100,
    # Scrapy's, plus: Retry-After on 429/503 pauses the site (within NEWSCRAWLER_RETRY_AFTER_MAX).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawler.safety.retry.RetryAfterMiddleware": 550,
    # Just after Scrapy's HttpProxyMiddleware (750): a connection error through a proxy is
    # reported as the proxy's, before the retry middleware (550) retries it.
    "newscrawler.safety.proxy.ProxyErrorMiddleware": 760,
}

ITEM_PIPELINES = {
    "newscrawler.pipelines.normalize.NormalizeArticlePipeline": 100,
    "newscrawler.pipelines.validate.ValidateArticlePipeline": 200,
    # Counts per-site field fill rates of valid articles (before deduplication, so a re-crawl
    # of known pages still measures them) for the drift alarms.
    "newscrawler.drift.FillRatePipeline": 250,
    # --since / --language: after validation (a date and a language to compare), before the
    # state is asked about the article; off unless one is set.
    "newscrawler.pipelines.filters.FilterArticlesPipeline": 260,
    "newscrawler.pipelines.deduplicate.DeduplicateArticlesPipeline": 300,
    # After exact duplicates and revisions are settled: syndicated copies by body similarity.
    "newscrawler.pipelines.neardup.LinkNearDuplicatesPipeline": 400,
    "newscrawler.pipelines.write.WriteJsonLinesPipeline": 900,
}

# Scrapy starts CONCURRENT_ITEMS tasks for the output of every response (100 by default), so an
# article page, which gives one item, paid for 99 idle tasks; our pipelines are synchronous, so
# 16 are plenty (benchmarks/item_path.py; figures in docs/benchmarks.md). Not 1, which costs
# least: a sitemap's thousands of requests then reach a shared Redis queue one event-loop turn
# at a time, and the worker that parses the sitemap takes most of them as they arrive (one of 3
# workers wrote 184-328 of 2,000 articles in tests/test_distributed.py, against 598-756 with 16).
CONCURRENT_ITEMS = 16

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False

# -- newscrawler ---------------------------------------------------------------------------------

# JSON Lines output. Empty: taken from FEEDS (`-o FILE` / `-O FILE`), else `articles.jsonl`.
NEWSCRAWLER_OUTPUT = ""
# Stop a site's crawl once this many articles are written (`--max-articles`); 0: no limit. Exact,
# unlike CLOSESPIDER_ITEMCOUNT: articles in flight past the limit are left out, not written.
NEWSCRAWLER_MAX_ARTICLES = 0
# Leave out articles published before this day, YYYY-MM-DD (`--since`); undated ones are kept.
NEWSCRAWLER_SINCE = ""
# Keep only articles in these languages, e.g. ["ja", "en"] (`--language ja,en`); empty: all.
NEWSCRAWLER_LANGUAGES: list[str] = []
# fsync after every line: survives power loss, costs a disk flush per article. Off by default;
# every line is still written with one unbuffered write, so a killed process leaves whole lines.
NEWSCRAWLER_OUTPUT_FSYNC = False
# Dropped items: one JSON object per line with url, site, reason, detail and time.
NEWSCRAWLER_REJECTS = "rejects.jsonl"
# Extract articles from fetched pages. False: article pages are fetched and counted
# (newscrawler/spider/pages/not_extracted) but nothing is extracted or yielded; with
# `-s ITEM_PIPELINES={}` this is the framework-only baseline of benchmarks/crawl_throughput.py.
NEWSCRAWLER_EXTRACT = True
# Freeze the objects loaded by the first extraction out of the garbage collector's view, collect
# the young generation every 10,000 allocations instead of 700, and skip making log records below
# the log level (newscrawler/process_tuning.py).
NEWSCRAWLER_PROCESS_TUNING = True

# Requests waiting to be fetched are kept on disk (Scrapy's pickled LIFO disk queues, in a
# temporary folder removed at the end), so memory does not grow with the size of the sitemaps;
# False keeps them in memory. A JOBDIR set by the user keeps Scrapy's resumable queue instead.
SCHEDULER = "newscrawler.crawl_queue.DiskQueueScheduler"
NEWSCRAWLER_DISK_QUEUE = True
# The requests of discovery documents (robots.txt, sitemaps) are handed to the scheduler as it
# runs dry, a batch at a time, not all when the document arrives: a million-URL sitemap is not
# a million requests queued first, and a stop request (CLOSESPIDER_*, SIGTERM) is not kept
# waiting for them (newscrawler/spiders/feed.py). Off with JOBDIR or NEWSCRAWLER_REDIS_URL,
# whose queues must hold every request. False: a document's requests are queued at once.
NEWSCRAWLER_FEED_ENABLED = True
# Requests handed over each time the scheduler runs dry.
NEWSCRAWLER_FEED_BATCH = 100
# Links read at most per turn of the event loop when few of them need a request (known pages).
NEWSCRAWLER_FEED_STEPS = 2000
# The run's per-URL sets (request fingerprints, article URLs requested, skipped and written,
# content hashes) are kept in SQLite's anonymous temporary databases, whose files are gone when
# the crawl ends, even killed (newscrawler/run_set.py), so memory does not grow with every page;
# False keeps them in Python sets. The duplicate filter is Scrapy's with its fingerprints there;
# a JOBDIR set by the user keeps Scrapy's own (resumable).
DUPEFILTER_CLASS = "newscrawler.dupefilter.RunSetDupeFilter"
NEWSCRAWLER_RUN_SETS_ON_DISK = True
# Embedded state (seen canonical URLs and content hashes), shared by all runs on this machine.
NEWSCRAWLER_STATE_PATH = ".newscrawler/state.sqlite3"
# Deduplicate against earlier runs too (not only within the run).
NEWSCRAWLER_DEDUP_ACROSS_RUNS = True
# Replay a recorded site from this folder instead of the network (see newscrawler/replay/).
NEWSCRAWLER_REPLAY_DIR = ""
# In replay, a URL missing from the recording answers 404 (True) or is an error (False).
NEWSCRAWLER_REPLAY_MISSING_404 = True
# Seconds a Ctrl-C (or SIGTERM) lets the crawl close its sites before it stops at once; a second
# Ctrl-C stops at once. Pages still in flight then are fetched again by the next run.
NEWSCRAWLER_STOP_GRACE = 3.0
# Seconds between progress lines in the log; 0 turns them off (the final summary stays).
NEWSCRAWLER_PROGRESS_INTERVAL = 10.0
# Minimum body length (characters, all paragraphs) for an article to be valid.
NEWSCRAWLER_VALIDATE_MIN_BODY_CHARS = 1
# Longest Retry-After (seconds) a site may ask for on 429/503: the site pauses that long and the
# request is retried; a longer wait pauses the site this long and gives the request up.
NEWSCRAWLER_RETRY_AFTER_MAX = 60.0
# Incremental crawling (newscrawler/incremental/): skip article URLs the state knows and whose
# discovery dates (sitemap lastmod, Google News / feed / WordPress dates) have not changed, and
# send conditional requests (If-None-Match / If-Modified-Since) to known pages. False: fetch all.
NEWSCRAWLER_INCREMENTAL = True
# Revisit a known article at these hours after first sight (one conditional request each), to
# catch corrections: updates cluster in the first hours; later ones show in discovery dates.
NEWSCRAWLER_REVISIT_HOURS = [1, 6, 24, 72]
# Link syndicated copies (near-duplicate bodies, MinHash + LSH) to the earliest copy.
NEWSCRAWLER_NEARDUP_ENABLED = True
# Estimated Jaccard similarity of 2-word shingles from which a body is a copy. Measured on
# fixtures/incremental/: an edited rewrite of the wire story 0.41, other stories <= 0.05.
NEWSCRAWLER_NEARDUP_THRESHOLD = 0.2
# Drop copies (exact or near) instead of writing them with `duplicate_of`.
NEWSCRAWLER_NEARDUP_DROP = False
# Longest robots.txt Crawl-delay (seconds) obeyed; a site asking more is crawled at this pace.
NEWSCRAWLER_CRAWL_DELAY_MAX = 60.0
# Contact URL named in the user agent (`newscrawler/<version> (+URL)`), so a site's operator
# can reach whoever runs the crawl; an explicit USER_AGENT wins.
NEWSCRAWLER_CONTACT_URL = "https://github.com/newscrawler/newscrawler"
# Run record (JSON: start, end, counts, drift flags) written when the crawl ends; empty: none.
# `%(name)s` is the site id. `newscrawler crawl --runs-dir` and `newscrawler schedule` set it.
NEWSCRAWLER_RUN_RECORD = ""
# Redis for a crawl shared by several workers (e.g. redis://:password@host:6379/0). Empty: no
# Redis. When set, the crawl refuses to start unless Redis accepts a connection; its password,
# like any credential in a URL, never appears in logs, summaries or rejects.
NEWSCRAWLER_REDIS_URL = ""
# Prefix of every Redis key of a distributed crawl (queue, dupefilter, workers, article state):
# two crawls, or two test runs, on one Redis database keep apart with different prefixes.
NEWSCRAWLER_REDIS_PREFIX = "newscrawler:"

# -- JavaScript pages (Splash; see newscrawler/splash/) -------------------------------------------

# Splash server, e.g. http://127.0.0.1:8050. Empty: no rendering, and no Splash component runs.
SPLASH_URL = ""
# A Splash error is logged once by newscrawler.splash.rendering and rejected per page;
# scrapy-splash's own warning per failed request would repeat it for every page.
SPLASH_LOG_400 = False
# Fetch a page once more through Splash when it came back as a script-built shell with no
# article text, not even in its own data (JSON-LD, __NEXT_DATA__, window.__INITIAL_STATE__...).
NEWSCRAWLER_RENDER_FALLBACK = True
# Seconds Splash may spend on one page (its `timeout`; Splash refuses more than its
# --max-timeout, 90 by default). Past it the page is rejected as render-failed.
NEWSCRAWLER_RENDER_TIMEOUT = 30.0
# Seconds Splash waits after the page loaded, for scripts to insert the text; a site can set
# its own (`Site.render_wait`).
NEWSCRAWLER_RENDER_WAIT = 0.5
# A shell or a rendered page needs this much article text (characters) to be an article; less
# after rendering is a half-built page, rejected as render-empty rather than written.
NEWSCRAWLER_RENDER_MIN_BODY_CHARS = 200

# -- Drift alarms (newscrawler/drift.py) ----------------------------------------------------------

# Compare each site's field fill rates with its last runs at the end of a crawl.
NEWSCRAWLER_DRIFT_ENABLED = True
# SQLite file of the fill-rate history (table fill_rates); empty: the state database.
NEWSCRAWLER_DRIFT_PATH = ""
# Runs of the site whose median fill rate is the baseline.
NEWSCRAWLER_DRIFT_HISTORY = 5
# Alarm when a field's fill rate is below this share of the baseline (0.5: less than half).
NEWSCRAWLER_DRIFT_RATIO = 0.5
# Fewer articles than this (in this run or a past one) say nothing about a rate: no alarm.
NEWSCRAWLER_DRIFT_MIN_ARTICLES = 10
