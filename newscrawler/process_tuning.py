"""Two per-process costs of a long crawl that buy nothing, removed by one extension.

1. Garbage collection of objects that live as long as the process. Python's cyclic collector
   re-examines every tracked object at each full collection: the modules, Scrapy's components,
   and what the first extraction loads (date parser tables, language model, trafilatura's
   settings), ~200,000 objects. Measured on a 3,000-page crawl of benchmarks/corpus_site.py: 3.2 s
   of 73 s in full collections; 0.6 s with those objects frozen (`gc.freeze()`), which moves them
   out of the collector's view once the first article is written. Frozen objects are still freed
   by reference counting; only a reference cycle that was already garbage at that moment stays.
2. Log records below the log level. Scrapy configures the `scrapy` logger at DEBUG and the root
   logger at NOTSET and filters in its handler, so each page's "Crawled (200)" and "Scraped from"
   DEBUG records are built (and passed through the redaction record factory) only to be thrown
   away. When every root handler has a level, the loggers are raised to the lowest of them: the
   same lines are logged, the others are not made. A handler added after the spider opens gets
   records from that level up.

NEWSCRAWLER_PROCESS_TUNING=False keeps Python's and Scrapy's defaults.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["ProcessTuning", "raise_logger_levels"]

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
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.frozen = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProcessTuning:
        if not crawler.settings.getbool("NEWSCRAWLER_PROCESS_TUNING", True):
            raise NotConfigured("NEWSCRAWLER_PROCESS_TUNING is off")
        assert crawler.stats is not None
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def spider_opened(self, **_: Any) -> None:
        # Scrapy installs its root handler while the crawler is set up, before this signal.
        raise_logger_levels()

    def item_scraped(self, **_: Any) -> None:
        """After the first article: everything loaded to extract it is loaded for good."""
        if self.frozen:
            return
        self.frozen = True
        gc.collect()  # garbage made so far is freed, not frozen
        gc.freeze()
        self.stats.set_value("newscrawler/gc/frozen_objects", gc.get_freeze_count())
