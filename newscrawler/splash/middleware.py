"""scrapy-splash's middlewares in the crawl, switched on only when `SPLASH_URL` is set.

The Splash add-on (newscrawler/splash/addon.py) lists both when `SPLASH_URL` is set; each still
raises `NotConfigured` without a Splash server, so a project that lists them itself runs them
only with one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy import Request
from scrapy.exceptions import NotConfigured

# Python runs newscrawler/splash/__init__.py (the compat fixes) before this module's body, so
# these scrapy-splash imports already see the fixed Scrapy.
from scrapy_splash.middleware import SplashDeduplicateArgsMiddleware, SplashMiddleware
from scrapy_splash.utils import scrapy_headers_to_unicode_dict

from newscrawler.splash.config import splash_url

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["SplashArgsMiddleware", "SplashRenderMiddleware", "page_proxy"]

# Headers the browser inside Splash must set itself: it only decodes the encodings it asked
# for (Scrapy's `Accept-Encoding: gzip, deflate, br, zstd` made a gzip-serving site render as an
# empty page), and it manages its own connections.
_BROWSER_OWN_HEADERS = frozenset({"accept-encoding", "connection", "content-length"})


def page_proxy(request: Request, use_environment: bool = True) -> str | None:
    """The proxy Scrapy's HttpProxyMiddleware would use for this request's URL: `meta["proxy"]`
    when set (None: no proxy), else the environment's, honouring `no_proxy`."""
    if "proxy" in request.meta:
        proxy: str | None = request.meta["proxy"]
        return proxy
    if not use_environment:
        return None
    parts = urlsplit(request.url)
    proxies = getproxies()
    if parts.scheme in proxies and not (parts.hostname and proxy_bypass(parts.hostname)):
        return proxies[parts.scheme]
    return None


def _require_splash(crawler: Crawler) -> None:
    if splash_url(crawler.settings) is None:
        raise NotConfigured  # no message: off by default, not misconfigured


class SplashRenderMiddleware(SplashMiddleware):
    """Downloader middleware: sends a `SplashRequest` to Splash and turns Splash's answer into
    the page's response (scrapy-splash's `SplashMiddleware`)."""

    environment_proxies = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SplashRenderMiddleware:
        _require_splash(crawler)
        middleware: SplashRenderMiddleware = super().from_crawler(crawler)
        # Like HttpProxyMiddleware: the environment's proxies only while it is enabled.
        middleware.environment_proxies = crawler.settings.getbool("HTTPPROXY_ENABLED", True)
        return middleware

    def process_request(self, request: Request, spider: Spider | None = None) -> Request | None:
        options = request.meta.get("splash")
        if options is not None and not request.meta.get("_splash_processed"):
            args = options.setdefault("args", {})
            if not options.get("dont_send_headers"):
                headers = scrapy_headers_to_unicode_dict(request.headers)
                args.setdefault(
                    "headers",
                    {k: v for k, v in headers.items() if k.lower() not in _BROWSER_OWN_HEADERS},
                )
            # The page is fetched by Splash, so Splash gets the proxy the crawl would have used
            # for it (request meta, else http_proxy/https_proxy/no_proxy)...
            proxy = page_proxy(request, self.environment_proxies)
            if proxy:
                args.setdefault("proxy", proxy)
        to_splash: Request | None = super().process_request(request, self.crawler.spider)
        if to_splash is not None:
            # ...and Splash itself, a service of this crawl, is reached directly.
            to_splash.meta["proxy"] = None
        return to_splash

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Any:
        return super().process_response(request, response, self.crawler.spider)


class SplashArgsMiddleware(SplashDeduplicateArgsMiddleware):
    """Spider middleware: keeps one copy of large Splash arguments (Lua scripts) per crawl
    instead of one per queued request (scrapy-splash's `SplashDeduplicateArgsMiddleware`)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SplashArgsMiddleware:
        _require_splash(crawler)
        middleware: SplashArgsMiddleware = super().from_crawler(crawler)
        return middleware
