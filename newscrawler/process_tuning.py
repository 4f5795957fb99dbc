"""Two per-process costs of a long crawl that buy nothing, removed by one extension.

1. Garbage collection. Python's cyclic collector re-examines every tracked object at each full
   collection: the modules, Scrapy's components and what the first extraction loads (date parser
   tables, language model, trafilatura's settings), ~150,000 objects, frozen out of its view
   (`gc.freeze()`) once the first article is written. And a page's extraction leaves about 1,000
   more container objects made than freed (4,485 young collections in 3,000 pages at Python's
   default trigger of 700), so the young generation is collected every 10,000 instead. Frozen
   objects are still freed by reference counting; only a reference cycle already garbage at that
   moment stays. The time spent in collections is in the stats either way
   (`newscrawler/gc/seconds`, `newscrawler/gc/collections`); benchmarks/crawl_throughput.py
   prints it for a crawl with and without this tuning.
2. Log records below the log level. Scrapy configures the `scrapy` logger at DEBUG and the root
   logger at NOTSET and filters in its handler, so each page's "Crawled (200)" and "Scraped from"
   DEBUG records are built (and passed through the redaction record factory) only to be thrown
   away. When every root handler has a level, the loggers are raised to the lowest of them: the
   same lines are logged, the others are not made. A handler added after the spider opens gets
   records from that level up.

NEWSCRAWLER_PROCESS_TUNING=False keeps Python's and Scrapy's defaults (the GC stats stay).
"""

from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals

from newscrawler.defaults import get_bool

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["ProcessTuning", "raise_logger_levels"]

# Allocations (minus deallocations) of container objects between two young collections.
GC_YOUNG_THRESHOLD = 10_000
# Loggers that logging configuration sets below the handlers' level: the root and Scrapy's own.
_LOGGERS = ("", "scrapy")


def raise_logger_levels(root: logging.Logger | None = None) -> int | None:
    """Raise the root and `scrapy` loggers to the lowest level of the root's handlers, when
    each of them has one; the level set, or None when nothing was changed."""
    root = root or logging.getLogger()
    levels = [handler.level for handler in root.handlers]
    if not levels or min(levels) == logging.NOTSET:
        return None  # a handler takes every record: every record must be made
    lowest = min(levels)
    for name in _LOGGERS:
        logger = root if not name else root.manager.getLogger(name)
        if logger.level < lowest:
            logger.setLevel(lowest)
    return lowest


class ProcessTuning:
    def __init__(self, stats: StatsCollector, tune: bool = True) -> None:
        self.stats = stats
        self.tune = tune
        self.frozen = False
        self.gc_seconds = 0.0
        self.collections = 0
        self._started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProcessTuning:
        assert crawler.stats is not None
        tune = get_bool(crawler.settings, "NEWSCRAWLER_PROCESS_TUNING")
        extension = cls(crawler.stats, tune)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        if tune:
            crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def _timed(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._started
            self.collections += 1

    def spider_opened(self, **_: Any) -> None:
        gc.callbacks.append(self._timed)
        if not self.tune:
            return
        # Scrapy installs its root handler while the crawler is set up, before this signal.
        raise_logger_levels()
        young, *older = gc.get_threshold()
        if 0 < young < GC_YOUNG_THRESHOLD:  # 0: collection is off, and stays so
            gc.set_threshold(GC_YOUNG_THRESHOLD, *older)

    def item_scraped(self, **_: Any) -> None:
        """After the first article: everything loaded to extract it is loaded for good."""
        if self.frozen:
            return
        self.frozen = True
        gc.collect()  # garbage made so far is freed, not frozen
        gc.freeze()
        self.stats.set_value("newscrawler/gc/frozen_objects", gc.get_freeze_count())

    def spider_closed(self, **_: Any) -> None:
        if self._timed in gc.callbacks:
            gc.callbacks.remove(self._timed)
        self.stats.set_value("newscrawler/gc/collections", self.collections)
        self.stats.set_value("newscrawler/gc/seconds", round(self.gc_seconds, 3))
