"""Replay as a downloader middleware: answer requests from a recorded site instead of the network.

It sits last before the download handler, so redirects, decompression, retries, robots.txt and
the offsite check all run on replayed responses exactly as on live ones.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from newscrawler.defaults import get_bool, get_str
from newscrawler.replay.recording import Recording

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = ["ReplayDownloaderMiddleware"]


class ReplayDownloaderMiddleware:
    def __init__(
        self, recording: Recording, missing_404: bool = True, stats: StatsCollector | None = None
    ) -> None:
        self.recording = recording
        self.missing_404 = missing_404
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayDownloaderMiddleware:
        folder = get_str(crawler.settings, "NEWSCRAWLER_REPLAY_DIR")
        if not folder:
            # No message: a live crawl, the usual case, is not worth a warning per site.
            raise NotConfigured
        recording = Recording.load(folder)
        logger.info("replaying %d recorded responses from %s", len(recording), folder)
        return cls(
            recording,
            get_bool(crawler.settings, "NEWSCRAWLER_REPLAY_MISSING_404"),
            crawler.stats,
        )

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawler/replay/{key}")

    def process_request(self, request: Request) -> Response:
        recorded = self.recording.get(request.url)
        if recorded is None:
            self._inc("miss")
            if not self.missing_404:
                raise IgnoreRequest(f"not in the recording: {request.url}")
            logger.debug("not in the recording, answering 404: %s", request.url)
            return Response(request.url, status=404, request=request, flags=["replay"])
        self._inc("hit")
        headers = Headers(dict(recorded.headers))
        body = recorded.body()
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(
            url=request.url,
            status=recorded.status,
            headers=headers,
            body=body,
            request=request,
            flags=["replay"],
        )
