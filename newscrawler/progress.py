"""Crawl progress for a person at a terminal: a line every few seconds, a summary at the end."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newscrawler.defaults import get_float
from newscrawler.pipelines.write import OutputConfigError, output_target
from newscrawler.safety.writes import FAILED_STAT, FAILURE_STAT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = ["CrawlProgress", "summarize"]


def _counts(stats: dict[str, Any]) -> dict[str, int]:
    errors = sum(
        int(v)
        for k, v in stats.items()
        if k.startswith("downloader/exception_type_count/") or k == "spider_exceptions/count"
    )
    errors += sum(
        int(v) for k, v in stats.items() if k.startswith("downloader/response_status_count/5")
    )
    # A failed write of the output or the state stops the crawl: counted, and named below.
    errors += int(stats.get(FAILED_STAT, 0))
    return {
        "pages": int(stats.get("response_received_count", 0)),
        "articles": int(stats.get("newscrawler/write/articles", 0)),
        "duplicates": int(stats.get("newscrawler/deduplicate/dropped", 0)),
        "rejects": int(stats.get("newscrawler/rejected", 0)),
        "errors": errors,
    }


_RETRY_AFTER_NOTES = (
    ("newscrawler/retry_after/honoured", "Retry-After honoured"),
    ("newscrawler/retry_after/too_long", "Retry-After too long"),
)


def summarize(stats: dict[str, Any], spider_name: str, output: str | None = None) -> str:
    """The end-of-crawl summary: totals, then each reject reason and error type."""
    counts = _counts(stats)
    elapsed = stats.get("elapsed_time_seconds", 0.0) or 0.0
    lines = [
        f"newscrawler summary for {spider_name} ({stats.get('finish_reason', 'unknown')}, "
        f"{elapsed:.1f}s)",
        f"  pages fetched      {counts['pages']}",
        f"  articles written   {counts['articles']}" + (f"  -> {output}" if output else ""),
        f"  duplicates         {counts['duplicates']}",
        f"  rejected           {counts['rejects']}",
        f"  errors             {counts['errors']}",
    ]
    failure = stats.get(FAILURE_STAT)
    if failure:
        lines.append(f"  WRITE FAILED       {failure}")
    retries = int(stats.get("retry/count", 0))
    gave_up = int(stats.get("retry/max_reached", 0))
    if retries or gave_up:
        # Retried requests and how they ended: what a faulty site cost the crawl.
        notes = [f"gave up {gave_up}"] + [
            f"{name} {int(stats[key])}" for key, name in _RETRY_AFTER_NOTES if stats.get(key)
        ]
        lines.append(f"  retries            {retries}  ({'; '.join(notes)})")
    # Drift alarms (newscrawler/drift.py): a field that emptied, or pages without articles.
    drift = sorted(k.split("/", 2)[2] for k in stats if k.startswith("newscrawler/drift/"))
    if drift:
        lines.append(f"  DRIFT              {', '.join(drift)}  (fill rate fell: layout changed?)")
    unreachable = int(stats.get("newscrawler/robots/unreachable", 0))
    if unreachable:
        lines.append(f"  robots.txt unreachable on {unreachable} host(s): not crawled (RFC 9309)")
    details = sorted(
        (
            (k, v)
            for k, v in stats.items()
            if (
                k.startswith(("newscrawler/rejected/", "newscrawler/deduplicate/"))
                and k != "newscrawler/deduplicate/dropped"
            )
            or k.startswith("downloader/exception_type_count/")
        ),
        # What became of pages first (reject reasons), then duplicates, then raw error types,
        # so a run with many kinds of failure still shows every reason within the cap.
        key=lambda item: (not item[0].startswith("newscrawler/rejected/"), item[0]),
    )
    for key, value in details[:12]:
        lines.append(f"    {key.split('/', 1)[1]:<40} {value}")
    return "\n".join(lines)


class CrawlProgress:
    def __init__(self, stats: StatsCollector, interval: float, output: str | None = None) -> None:
        self.stats = stats
        self.interval = interval
        self.output = output
        self.spider_name = "crawl"
        self.started = time.monotonic()
        self._task: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        if crawler.stats is None:
            raise NotConfigured("no stats collector")
        try:
            output: str | None = output_target(crawler.settings)[0]
        except OutputConfigError:
            output = None
        extension = cls(
            crawler.stats, get_float(crawler.settings, "NEWSCRAWLER_PROGRESS_INTERVAL"), output
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        # After Scrapy's own stats dump, so the summary is the last thing on the screen.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.spider_name = spider.name
        if self.interval > 0:
            self._task = task.LoopingCall(self.log_progress, spider)
            self._task.start(self.interval, now=False)

    def log_progress(self, spider: Spider) -> None:
        counts = _counts(self.stats.get_stats())
        minutes = max((time.monotonic() - self.started) / 60, 1e-9)
        logger.info(
            "%s: pages %d (%.0f/min), articles %d, duplicates %d, rejects %d, errors %d",
            spider.name,
            counts["pages"],
            counts["pages"] / minutes,
            counts["articles"],
            counts["duplicates"],
            counts["rejects"],
            counts["errors"],
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()

    def engine_stopped(self) -> None:
        stats = dict(self.stats.get_stats())
        stats.setdefault("elapsed_time_seconds", time.monotonic() - self.started)
        logger.info("\n%s", summarize(stats, self.spider_name, self.output))
