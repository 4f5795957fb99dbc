"""robots.txt as RFC 9309 says: a site whose robots.txt cannot be read is not crawled.

Scrapy treats a robots.txt that times out, resets or answers 5xx as "no rules" and crawls the
whole site. RFC 9309 (section 2.3.1.4) says the opposite: when robots.txt is unreachable
because of server or network errors, the crawler MUST assume complete disallow. So does this
middleware, for the rest of the run: every request to that host is dropped as
`robots-unreachable`, once robots.txt itself was retried (RETRY_TIMES). A 429 counts as
unreachable too (the server is refusing load), and 4xx answers mean "no rules", as before.
It also obeys `Crawl-delay`, which Scrapy ignores (up to NEWSCRAWLER_CRAWL_DELAY_MAX).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, cast

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from newscrawler.defaults import get_float

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

__all__ = ["RobotsUnreachableError", "StrictRobotsTxtMiddleware"]

STATS_PREFIX = "newscrawler/robots/"


class RobotsUnreachableError(IgnoreRequest):
    """A request dropped because its site's robots.txt could not be read."""


class _Unreachable:
    """The parser of a host whose robots.txt could not be read: everything is disallowed."""

    def __init__(self, why: str) -> None:
        self.why = why

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Longest robots.txt Crawl-delay obeyed: a site asking for a day between pages is
        # crawled at this pace rather than stalling the run.
        self._crawl_delay_max = get_float(crawler.settings, "NEWSCRAWLER_CRAWL_DELAY_MAX")
        self._crawl_delays: dict[str, float] = {}
        self._next_free: dict[str, float] = {}

    def _unreachable(self, netloc: str, why: str) -> None:
        logger.warning(
            "robots.txt of %s is unreachable (%s): not crawling %s in this run (RFC 9309)",
            netloc,
            why,
            netloc,
        )
        self._stats.inc_value(STATS_PREFIX + "unreachable")
        deferred = self._parsers[netloc]
        # Stands in for a RobotParser: Scrapy only ever calls allowed() on it.
        parser = cast("RobotParser", _Unreachable(why))
        self._parsers[netloc] = parser
        if isinstance(deferred, Deferred):
            deferred.callback(parser)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500 or response.status == 429:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unreachable(netloc, f"HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # e.g. robots.txt over the size cap: as Scrapy does
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}".rstrip(": "))

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        await super().process_request(request)
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith("http"):
            return
        # Scrapy reads robots.txt rules but ignores Crawl-delay: requests to a host that asks
        # for one are spaced at least that far apart, whatever the concurrency or AutoThrottle
        # says. A request passes once its host's next free moment has come, and the moment
        # after it is counted from when it passed: requests that waited together and woke
        # together (a busy event loop runs late timers at once) go one delay apart, not in a
        # burst.
        netloc = urlparse_cached(request).netloc
        delay = self._crawl_delay(netloc, request)
        if not delay:
            return
        delayed = False
        while (wait := self._next_free.get(netloc, 0.0) - time.monotonic()) > 0:
            delayed = True
            await sleep(wait)
        self._next_free[netloc] = time.monotonic() + delay
        if delayed:
            self._stats.inc_value(STATS_PREFIX + "crawl_delay/delayed")

    def _crawl_delay(self, netloc: str, request: Request) -> float:
        if netloc in self._crawl_delays:
            return self._crawl_delays[netloc]
        parser = self._parsers.get(netloc)
        if isinstance(parser, Deferred) or parser is None:
            return 0.0  # robots.txt still on its way, or none: nothing asked
        rules = getattr(parser, "rp", None)  # Protego's parser, behind Scrapy's wrapper
        useragent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        if isinstance(useragent, bytes):
            useragent = useragent.decode("latin-1")
        try:
            asked = rules.crawl_delay(useragent) if rules is not None else None
        except (AttributeError, TypeError, ValueError):
            asked = None
        delay = min(float(asked or 0.0), self._crawl_delay_max)
        self._crawl_delays[netloc] = delay
        if delay:
            self._stats.set_value(STATS_PREFIX + f"crawl_delay/{netloc}", delay)
            logger.info(
                "robots.txt of %s asks for Crawl-delay %s: obeyed (%.1f s)", netloc, asked, delay
            )
        return delay

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, _Unreachable):
            self._stats.inc_value(STATS_PREFIX + "forbidden")
            raise RobotsUnreachableError(
                f"robots.txt unreachable ({rp.why}): RFC 9309 says assume complete disallow"
            )
        super().process_request_2(rp, request)
