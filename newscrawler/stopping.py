"""Ctrl-C and SIGTERM for `newscrawler crawl`: the first stops the crawl within a short grace, the
second at once; either way the output holds only whole lines.

Scrapy's own first-signal stop waits for every page in flight, each up to DOWNLOAD_TIMEOUT, so a
crawl kept fetching long after Ctrl-C. Here the graceful stop gets NEWSCRAWLER_STOP_GRACE seconds
to close the sites (pipelines, files, run records); then the reactor stops, as after a second
signal. Stopping the reactor never cuts a line short: each line is written in one call between
two reactor callbacks (newscrawler/pipelines/write.py), and the state learns of an article only
after its line is written, so a forced stop can at worst leave one article to be written again.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from scrapy.crawler import CrawlerProcess

logger = logging.getLogger(__name__)

__all__ = ["CrawlStopper"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _reactor() -> Any:
    """The running Twisted reactor (installed by the CrawlerProcess), untyped: Twisted's stubs
    type the module-level `reactor` as one interface at a time."""
    from twisted.internet import reactor

    return cast(Any, reactor)


class CrawlStopper:
    """Installs itself on SIGINT and SIGTERM once the reactor runs (instead of Scrapy's handlers:
    start the process with `install_signal_handlers=False`)."""

    def __init__(self, process: CrawlerProcess, grace: float) -> None:
        self.process = process
        self.grace = grace
        self.interrupted = False
        self.forced = False
        # Called in the reactor when the first signal arrives (the progress display says so).
        self.on_interrupt: Callable[[], None] | None = None

    def install(self) -> None:
        _reactor().callWhenRunning(self._install_handlers)

    def _install_handlers(self) -> None:
        for signum in SIGNALS:
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # A signal handler must not log or touch the reactor's state: hand over to the reactor.
        reactor = _reactor()
        if not self.interrupted:
            self.interrupted = True
            reactor.callFromThread(self._stop_gracefully, signum)
        else:
            for other in SIGNALS:
                signal.signal(other, signal.SIG_IGN)
            reactor.callFromThread(self._stop_now, "second signal")

    def _stop_gracefully(self, signum: int) -> None:
        logger.info(
            "%s received: stopping (in-flight pages get %.0f s; send it again to stop at once)",
            signal.Signals(signum).name,
            self.grace,
        )
        if self.on_interrupt is not None:
            self.on_interrupt()
        stopped = self.process.stop()
        stopped.addBoth(self._reactor_stop)
        _reactor().callLater(self.grace, self._stop_now, "grace over")

    def _stop_now(self, why: str) -> None:
        if _reactor().running:
            self.forced = True
            logger.info("stopping at once (%s)", why)
            self._reactor_stop(None)

    @staticmethod
    def _reactor_stop(result: Any) -> Any:
        with contextlib.suppress(RuntimeError):  # already stopping
            _reactor().stop()
        return result
