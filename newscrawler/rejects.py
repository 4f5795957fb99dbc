"""The rejects file: every page or item the crawl drops for bad input, with the reason, one JSON
object per line, so nothing is lost silently and a person can see what to fix."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import signals

from newscrawler.defaults import get_str
from newscrawler.safety.redact import redact

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = ["RejectsLog", "rejects_for_crawler"]


class RejectsLog:
    """Appends `{"time", "site", "url", "reason", "detail"}` lines and counts each reason in
    the stats as `newscrawler/rejected/<reason>`."""

    def __init__(self, path: str | Path | None, stats: StatsCollector | None = None) -> None:
        self.path = Path(path) if path else None
        self.stats = stats
        self._fd: int | None = None
        self._logged: set[str] = set()

    def add(self, url: str, reason: str, detail: str = "", site: str | None = None) -> None:
        # Error texts quote URLs, and URLs can carry credentials (proxy, Splash, Redis).
        url, detail = redact(url), redact(detail)
        record: dict[str, Any] = {
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "site": site,
            "url": url,
            "reason": reason,
            "detail": detail[:500],
        }
        if self.stats is not None:
            self.stats.inc_value(f"newscrawler/rejected/{reason}")
            self.stats.inc_value("newscrawler/rejected")
        # One warning per reason; the rest at debug level, all of them in the file.
        level = logging.DEBUG if reason in self._logged else logging.WARNING
        self._logged.add(reason)
        logger.log(level, "rejected %s: %s %s", url, reason, detail[:200])
        if self.path is None:
            return
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_LOGS: WeakKeyDictionary[Crawler, RejectsLog] = WeakKeyDictionary()


def rejects_for_crawler(crawler: Crawler) -> RejectsLog:
    """The crawler's rejects log (NEWSCRAWLER_REJECTS), shared by the spider and pipelines."""
    log = _LOGS.get(crawler)
    if log is None:
        log = RejectsLog(get_str(crawler.settings, "NEWSCRAWLER_REJECTS") or None, crawler.stats)
        _LOGS[crawler] = log
        crawler.signals.connect(log.close, signal=signals.engine_stopped)
    return log
