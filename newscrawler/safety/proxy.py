"""A fetch that failed at the proxy is blamed on the proxy: the error names the proxy (credentials
redacted), not the site, whose host the crawler never reached.

Scrapy's own messages ("Gave up retrying <GET https://site/...>: Connection was refused") name
the target, which sends a person to debug a site that is fine. Through a proxy, a connection
error is the proxy's: the crawler connects to the proxy, never to the site.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from twisted.internet.error import ConnectError

from newscrawler.outcome import PROXY_ERROR_STAT
from newscrawler.safety.redact import redact

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = ["ProxyErrorMiddleware", "proxy_error_message"]

# Connection-level failures: refused, DNS lookup of the proxy, connect timeout, no CONNECT tunnel
# (Scrapy >= 2.19 wraps the first two in its own exceptions). Not a response timeout: that may be
# the site being slow behind a working proxy.
_PROXY_FAILURES = (
    ConnectError,
    TunnelError,
    DownloadConnectionRefusedError,
    CannotResolveHostError,
)


def proxy_error_message(proxy: str, exception: BaseException) -> str:
    """`proxy http://***@127.0.0.1:9 failed: Connection refused; ...` (credentials redacted)."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    shown = redact(proxy if "://" in proxy else f"http://{proxy}")
    reason = type(exception).__name__
    detail = str(exception).strip()
    if detail:
        reason = detail.splitlines()[0][:200]
    return redact(
        f"proxy {shown} failed: {reason}; check that the proxy at {parts.hostname}:"
        f"{parts.port or '-'} is up (http_proxy / https_proxy; no_proxy lists hosts that "
        "bypass it)"
    )


class ProxyErrorMiddleware:
    """Downloader middleware, between HttpProxyMiddleware and the download handler, so it sees
    each failure before the retry middleware retries it."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyErrorMiddleware:
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: BaseException) -> Any:
        proxy = request.meta.get("proxy")
        if not proxy or not isinstance(exception, _PROXY_FAILURES):
            return None
        message = proxy_error_message(str(proxy), exception)
        if self.stats is not None:
            self.stats.inc_value("newscrawler/proxy/errors")
            self.stats.set_value(PROXY_ERROR_STAT, message)
        if message not in self._logged:  # once per proxy and reason, not once per request
            self._logged.add(message)
            logger.error("%s", message)
        return None
