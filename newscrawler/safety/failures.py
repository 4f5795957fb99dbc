"""Why a request failed, as a reject reason and detail a person can read (the spider's errback).

Reasons: `http-<status>` (after retries), `timeout`, `connection-refused`, `dns-error`,
`connection-lost` (reset, stalled or cut-short responses, a wrong Content-Length),
`too-large` (DOWNLOAD_MAXSIZE, before or after decompression), `redirect-loop`, `offsite`,
`private-address` (loopback, private or link-local, not the site's own), `robots-forbidden`,
`robots-unreachable`, `ignored`, `download-error` (anything else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from newscrawler.rejects import rejects_for_crawler
from newscrawler.safety.boundary import OffsiteRequestError, PrivateAddressError
from newscrawler.safety.redact import redact
from newscrawler.safety.retry import GAVE_UP_META
from newscrawler.safety.robots import RobotsUnreachableError

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

__all__ = ["RedirectLoopRecorder", "describe_failure"]

_TIMEOUT = (DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError)
_REFUSED = (DownloadConnectionRefusedError, net_error.ConnectionRefusedError)
_DNS = (CannotResolveHostError, net_error.DNSLookupError)
_LOST = (
    ResponseDataLossError,
    DownloadFailedError,
    net_error.ConnectionLost,
    net_error.ConnectionDone,
    net_error.ConnectError,
    ResponseFailed,
    ResponseNeverReceived,
)
# IgnoreRequest carries no type for these; Scrapy's messages are the only mark.
_IGNORED_BY_MESSAGE = (
    ("Filtered offsite request", "offsite"),
    ("Forbidden by robots.txt", "robots-forbidden"),
    ("DOWNLOAD_MAXSIZE", "too-large"),
    ("max redirections reached", "redirect-loop"),
)
MAX_DETAIL_CHARS = 300


def describe_failure(exc: BaseException | None, request: Request | None = None) -> tuple[str, str]:
    """(reason, detail) of a request that ended in `exc`; the detail is redacted."""
    reason, detail = _describe(exc) if exc is not None else ("download-error", "unknown failure")
    meta = request.meta if request is not None else {}
    retries = meta.get("retry_times", 0)
    if retries:
        detail += f" (after {retries} {'retry' if retries == 1 else 'retries'})"
    refused = meta.get(GAVE_UP_META)
    if refused is not None:
        detail += f"; Retry-After {refused:.0f} s exceeds NEWSCRAWLER_RETRY_AFTER_MAX"
    return reason, redact(detail)[:MAX_DETAIL_CHARS]


def _describe(exc: BaseException) -> tuple[str, str]:
    text = str(exc) or type(exc).__name__
    # "ResponseDataLossError: <message>", or the bare name when there is no message.
    named = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, HttpError):
        return f"http-{exc.response.status}", f"HTTP {exc.response.status}"
    if isinstance(exc, OffsiteRequestError):
        return "offsite", text
    if isinstance(exc, PrivateAddressError):
        return "private-address", text
    if isinstance(exc, RobotsUnreachableError):
        return "robots-unreachable", text
    if isinstance(exc, IgnoreRequest):
        for mark, reason in _IGNORED_BY_MESSAGE:
            if mark in text:
                return reason, text
        return "ignored", text
    if isinstance(exc, DownloadCancelledError):
        # Scrapy's download handlers cancel a download only when the body passes
        # DOWNLOAD_MAXSIZE; a streamed (chunked) body ends with an empty message.
        detail = text if text != type(exc).__name__ else "cancelled at DOWNLOAD_MAXSIZE"
        return "too-large", detail
    if isinstance(exc, _TIMEOUT):
        return "timeout", text
    if isinstance(exc, _REFUSED):
        return "connection-refused", text
    if isinstance(exc, _DNS):
        return "dns-error", text
    if isinstance(exc, _LOST):
        return "connection-lost", named
    return "download-error", named


class RedirectLoopRecorder:
    """Extension: a redirect back to a URL of its own chain (A -> A, A -> B -> A) is dropped by
    the duplicate filter without reaching any errback; record it as a `redirect-loop` reject.
    (Start URLs are exempt from the filter; their loops end at REDIRECT_MAX_TIMES, in the
    errback.)"""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopRecorder:
        recorder = cls(crawler)
        crawler.signals.connect(recorder.request_dropped, signal=signals.request_dropped)
        return recorder

    def request_dropped(self, request: Request, spider: Spider) -> None:
        chain = [*request.meta.get("redirect_urls", [])]
        if request.url not in chain:
            return  # a redirect to a page fetched before is a duplicate, not a loop
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newscrawler/redirect/loop")
        site = getattr(getattr(spider, "site", None), "id", None) or spider.name
        detail = redact(" -> ".join([*chain, request.url]))[:MAX_DETAIL_CHARS]
        rejects_for_crawler(self.crawler).add(chain[0], "redirect-loop", detail, site=site)
