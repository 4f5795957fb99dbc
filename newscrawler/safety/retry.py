"""Retries that honour `Retry-After` (429, 503), within a cap, for the whole site, not one URL.

Scrapy's RetryMiddleware retries a 503 or 429 at once, whatever the server asked. This subclass
reads `Retry-After` (seconds or an HTTP date): when the wait is within
`NEWSCRAWLER_RETRY_AFTER_MAX`, every request to that host waits it out and the request is
retried; when the server asks for longer, the host still pauses for the cap but the request is
given up (sending it earlier than asked would not be polite), and it reaches the spider as the
error it is. Retries stay bounded by `RETRY_TIMES` either way.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import call_later, sleep

from newscrawler.defaults import get_float

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = ["RETRY_AFTER_STATUSES", "RetryAfterMiddleware", "parse_retry_after"]

# RFC 9110 gives Retry-After a meaning on 503 and 429 (and on redirects, which are not retried).
RETRY_AFTER_STATUSES = frozenset({429, 503})
STATS_PREFIX = "newscrawler/retry_after/"
# Set on a response given up because the server asked for a longer wait than the cap.
GAVE_UP_META = "newscrawler_retry_after_refused"


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or an HTTP date), or None when
    the value is missing or unreadable. A date in the past means no wait (0)."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT; parsedate gives naive "-0000" dates
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, plus Retry-After: a per-host pause and a bounded wait."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = get_float(settings, "NEWSCRAWLER_RETRY_AFTER_MAX")
        # Host (downloader slot) -> monotonic time before which nothing is sent to it.
        self.resume_at: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(STATS_PREFIX + key, count)

    def _slot(self, request: Request) -> str:
        engine = self.crawler.engine
        if engine is None:
            return ""
        return engine.downloader.get_slot_key(request)

    def _pause(self, key: str, seconds: float) -> None:
        """Send nothing to the host `key` for `seconds`, whatever is already queued for it."""
        resume = time.monotonic() + seconds
        if resume <= self.resume_at.get(key, 0.0):
            return
        self.resume_at[key] = resume
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(key) if engine is not None else None
        if slot is None:
            return
        # Requests already waiting in the downloader slot are past process_request(): hold the
        # slot itself. A pending `latercall` is how Scrapy's own download delay blocks a slot
        # (Downloader._process_queue returns while it is set; _latercall clears it and goes on).
        downloader = engine.downloader
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = call_later(seconds, downloader._latercall, slot)

    async def process_request(self, request: Request) -> None:
        # A request that reaches the downloader while its host is paused waits here; it may
        # find no slot to queue in, since Scrapy drops the slots of idle hosts.
        wait = self.resume_at.get(self._slot(request), 0.0) - time.monotonic()
        if wait > 0:
            self._inc("delayed_requests")
            await sleep(wait)

    # Without the deprecated `spider` argument, as Scrapy >= 2.14 calls middlewares.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = (
            parse_retry_after(response.headers.get(b"Retry-After"))
            if response.status in RETRY_AFTER_STATUSES
            else None
        )
        if wait is None:
            return super().process_response(request, response)
        slot = self._slot(request)
        pause = min(wait, self.max_wait)
        self._pause(slot, pause)
        if wait > self.max_wait:
            self._inc("too_long")
            logger.warning(
                "%s asked to wait %.0f s (Retry-After) before retrying %s, more than "
                "NEWSCRAWLER_RETRY_AFTER_MAX (%.0f s): pausing the site %.0f s, not retrying",
                slot,
                wait,
                request.url,
                self.max_wait,
                pause,
            )
            request.meta[GAVE_UP_META] = wait  # the spider's errback says why it gave up
            return response
        self._inc("honoured")
        logger.info("%s asked to wait %.1f s (Retry-After): pausing the site", slot, pause)
        return super().process_response(request, response)
