"""Requests of discovery documents handed to the engine as the crawl needs them, not all at once.

A callback's requests all go to the scheduler before the next response is read: a sitemap of a
million URLs was a million requests queued (and as many duplicate-filter lookups) before its
first article was fetched, and a crawl told to stop (CLOSESPIDER_PAGECOUNT, SIGTERM) waited for
that to end. Here each document (robots.txt, a sitemap) is an iterator of requests, parsed as it
is read (discovery.SitemapStream); the feed takes a batch from it whenever the scheduler runs
dry (`scheduler_empty`, `spider_idle`), and nothing once the crawl is closing.

Documents are read depth first, one child document requested at a time: a sitemap index of
1,000 sitemaps holds one of them in memory at a time, not 1,000.

Off with JOBDIR or a shared Redis queue: there the queue outlives the process (a resumed or
distributed crawl), so every request must be in it, and callbacks queue them at once as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import call_later

from newscrawler.defaults import get_bool, get_int, get_str

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = ["DOCUMENT_META", "FeedSettings", "RequestFeed", "feed_enabled"]

# Marks a request for a discovery document the feed issued, until its response or failure.
DOCUMENT_META = "newscrawler_feed_document"
STATS_PREFIX = "newscrawler/feed/"

# An iterator gives None for a link that made no request (known, not an article...): the feed
# counts it as work done, so a document of a million known links is read a slice at a time.
Step = Request | None


@dataclass
class _Document:
    steps: Iterator[Step]
    held: Request | None = None  # a child document waiting for its turn


@dataclass(frozen=True)
class FeedSettings:
    """What the request feed runs with; defaults in newscrawler/settings.py."""

    enabled: bool  # NEWSCRAWLER_FEED_ENABLED, and neither JOBDIR nor NEWSCRAWLER_REDIS_URL
    batch: int  # NEWSCRAWLER_FEED_BATCH
    steps: int  # NEWSCRAWLER_FEED_STEPS

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> FeedSettings:
        return cls(
            enabled=get_bool(settings, "NEWSCRAWLER_FEED_ENABLED")
            and not settings.get("JOBDIR")
            and not get_str(settings, "NEWSCRAWLER_REDIS_URL"),
            batch=get_int(settings, "NEWSCRAWLER_FEED_BATCH"),
            steps=get_int(settings, "NEWSCRAWLER_FEED_STEPS"),
        )


def feed_enabled(crawler: Crawler) -> bool:
    return FeedSettings.from_settings(crawler.settings).enabled


class RequestFeed:
    """Pending discovery documents, newest first, and the engine they feed."""

    def __init__(self, crawler: Crawler, batch: int, steps: int) -> None:
        self.crawler = crawler
        self.batch = batch
        self.steps = steps
        self._documents: list[_Document] = []
        self._outstanding = 0  # child documents requested, not yet answered
        self._continuing = False
        crawler.signals.connect(self._top_up, signal=signals.scheduler_empty)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._on_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestFeed:
        config = FeedSettings.from_settings(crawler.settings)
        return cls(crawler, batch=config.batch, steps=config.steps)

    @property
    def pending(self) -> int:
        """Documents not read to the end."""
        return len(self._documents)

    def add(self, steps: Iterator[Step]) -> None:
        """Feed this document's requests from now on; a first batch goes to the engine now."""
        self._documents.append(_Document(steps))
        self._top_up()

    def answered(self, request: Request | None) -> None:
        """A child document the feed requested was answered, or failed for good."""
        if request is not None and request.meta.pop(DOCUMENT_META, False):
            self._outstanding = max(0, self._outstanding - 1)

    def _on_dropped(self, request: Request) -> None:
        self.answered(request)  # filtered as a duplicate: no answer will come

    def _on_idle(self) -> None:
        if not self._documents:
            return
        # Idle: nothing is in flight, whatever the count says (a request lost on some path).
        self._outstanding = 0
        if self._top_up() or self._documents:
            raise DontCloseSpider

    def _closing(self) -> bool:
        # Scrapy has no public "closing" flag: a stopped engine (SIGTERM) is not running, and
        # a closing one (CLOSESPIDER_*) has set its slot's `closing`; both are read defensively.
        engine = self.crawler.engine
        if engine is None or not engine.running:
            return True
        slot = getattr(engine, "_slot", None)
        return slot is None or getattr(slot, "closing", None) is not None

    def _top_up(self, **_: Any) -> int:
        """Send up to `batch` requests, reading at most `steps` links; how many were sent."""
        if self._closing():
            return 0
        sent = steps = 0
        while sent < self.batch and steps < self.steps:
            request = self._next()
            if request is None:
                if not self._documents or self._all_waiting():
                    break
                steps += 1
                continue
            steps += 1
            if request.meta.get(DOCUMENT_META):
                self._outstanding += 1
            self.crawler.engine.crawl(request)
            sent += 1
        if steps >= self.steps and sent < self.batch and not self._continuing:
            # Read a slice, sent little (known links): go on at the next turn of the event
            # loop, which stays free for responses and signals in between.
            self._continuing = True
            call_later(0, self._continue)
        if self.crawler.stats is not None and sent:
            self.crawler.stats.inc_value(STATS_PREFIX + "requests", sent)
        return sent

    def _continue(self) -> None:
        self._continuing = False
        self._top_up()

    def _all_waiting(self) -> bool:
        return self._outstanding > 0 and all(d.held is not None for d in self._documents)

    def _next(self) -> Request | None:
        """The next request of the newest document that can give one; None for a step that
        gave none, or when every document waits for a child document.

        Documents are read depth first: only the newest may request a child document, and
        only when no other is on its way, so the documents held in memory are one chain
        (robots.txt, an index, one of its sitemaps), not every sitemap an index lists.
        """
        for document in reversed(self._documents):
            may_open = document is self._documents[-1] and self._outstanding == 0
            if document.held is not None:
                if not may_open:
                    continue
                request, document.held = document.held, None
                return request
            try:
                step = next(document.steps)
            except StopIteration:
                self._documents.remove(document)
                return None
            except Exception:  # a broken document must not stop the feed, nor be retried
                logger.exception("reading a discovery document failed")
                self._documents.remove(document)
                return None
            if step is not None and step.meta.get(DOCUMENT_META) and not may_open:
                document.held = step
                continue
            return step
        return None
