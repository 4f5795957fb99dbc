"""robots.txt as RFC 9309 says: a site whose robots.txt cannot be read is not crawled.

Scrapy treats a robots.txt that times out, resets or answers 5xx as "no rules" and crawls the
whole site. RFC 9309 (section 2.3.1.4) says the opposite: when robots.txt is unreachable
because of server or network errors, the crawler MUST assume complete disallow. So does this
middleware, for the rest of the run: every request to that host is dropped as
`robots-unreachable`, once robots.txt itself was retried (RETRY_TIMES). A 429 counts as
unreachable too (the server is refusing load), and 4xx answers mean "no rules", as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
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

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, _Unreachable):
            self._stats.inc_value(STATS_PREFIX + "forbidden")
            raise RobotsUnreachableError(
                f"robots.txt unreachable ({rp.why}): RFC 9309 says assume complete disallow"
            )
        super().process_request_2(rp, request)
