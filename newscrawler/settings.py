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

# Articles are written by our own JSON Lines pipeline (complete lines, state committed only
# after the write); Scrapy's feed exporter would write a second, unguarded copy. `-o`/`-O` still
# work: the writer takes its path from FEEDS.
EXTENSIONS = {
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newscrawler.progress.CrawlProgress": 500,
}

DOWNLOADER_MIDDLEWARES = {
    # Last before the download handler, so every other middleware sees replayed responses
    # exactly as live ones (decompression, redirects, retries, robots.txt).
    "newscrawler.replay.middleware.ReplayDownloaderMiddleware": 950,
}

ITEM_PIPELINES = {
    "newscrawler.pipelines.normalize.NormalizeArticlePipeline": 100,
    "newscrawler.pipelines.validate.ValidateArticlePipeline": 200,
    "newscrawler.pipelines.deduplicate.DeduplicateArticlesPipeline": 300,
    "newscrawler.pipelines.write.WriteJsonLinesPipeline": 900,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False

# -- newscrawler ---------------------------------------------------------------------------------

# JSON Lines output. Empty: taken from FEEDS (`-o FILE` / `-O FILE`), else `articles.jsonl`.
NEWSCRAWLER_OUTPUT = ""
# fsync after every line: survives power loss, costs a disk flush per article. Off by default;
# every line is still written with one unbuffered write, so a killed process leaves whole lines.
NEWSCRAWLER_OUTPUT_FSYNC = False
# Dropped items: one JSON object per line with url, site, reason, detail and time.
NEWSCRAWLER_REJECTS = "rejects.jsonl"
# Embedded state (seen canonical URLs and content hashes), shared by all runs on this machine.
NEWSCRAWLER_STATE_PATH = ".newscrawler/state.sqlite3"
# Deduplicate against earlier runs too (not only within the run).
NEWSCRAWLER_DEDUP_ACROSS_RUNS = True
# Replay a recorded site from this folder instead of the network (see newscrawler/replay/).
NEWSCRAWLER_REPLAY_DIR = ""
# In replay, a URL missing from the recording answers 404 (True) or is an error (False).
NEWSCRAWLER_REPLAY_MISSING_404 = True
# Seconds between progress lines in the log; 0 turns them off (the final summary stays).
NEWSCRAWLER_PROGRESS_INTERVAL = 10.0
# Minimum body length (characters, all paragraphs) for an article to be valid.
NEWSCRAWLER_VALIDATE_MIN_BODY_CHARS = 1
