"""A write that failed (the output or the state: a full disk, an I/O error) stops the crawl: one
line a person can act on, counted, finish reason `write_failed` (`state_damaged` when SQLite
found the state file damaged), which the command turns into its exit status.

Whoever found the failure has taken its write back already (see `pipelines/write.py`), so what
the next run reads is consistent. Failures after the first, while the crawl stops, are counted
but not logged again.

Stats: `newscrawler/write/failed` (failed writes), `newscrawler/write/failure` (the first one's
message, shown by the summary).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from newscrawler.state.errors import StateDamagedError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

__all__ = [
    "FAILED_STAT",
    "FAILURE_STAT",
    "FINISH_STATE_DAMAGED",
    "FINISH_WRITE_FAILED",
    "stop_after_write_failure",
]

FINISH_WRITE_FAILED = "write_failed"
FINISH_STATE_DAMAGED = "state_damaged"
FAILED_STAT = "newscrawler/write/failed"
FAILURE_STAT = "newscrawler/write/failure"


def stop_after_write_failure(crawler: Crawler | None, exc: Exception) -> None:
    """Count the failed write `exc`; the first one is logged and closes the spider."""
    stats = crawler.stats if crawler is not None else None
    if stats is not None:
        stats.inc_value(FAILED_STAT)
        if stats.get_value(FAILURE_STAT):
            return  # the crawl is stopping already
    message = f"{exc}; the crawl stops, the next run writes the rest"
    logger.error("%s", message)
    if stats is not None:
        stats.set_value(FAILURE_STAT, message)
    reason = FINISH_STATE_DAMAGED if isinstance(exc, StateDamagedError) else FINISH_WRITE_FAILED
    if crawler is not None and crawler.engine is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
