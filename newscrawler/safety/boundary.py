"""The site boundary: no request leaves the spider's allowed domains, whoever made it.

Scrapy's own OffsiteMiddleware lets through every request marked `dont_filter`, and its
RedirectMiddleware copies that mark onto the redirect: a start URL (robots.txt, a sitemap, a
feed; all `dont_filter`) that redirects to another site is followed there, robots.txt of the
other site included. `AllowedDomainsMiddleware` checks every request, redirects and retries
included, before anything else in the downloader sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from newscrawler.rejects import rejects_for_crawler

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = ["AllowedDomainsMiddleware", "OffsiteRequestError", "host_allowed", "start_url_problem"]

WEB_SCHEMES = frozenset({"http", "https"})
STATS_PREFIX = "newscrawler/boundary/"


class OffsiteRequestError(IgnoreRequest):
    """A request for a host outside the site's allowed domains was dropped before sending."""


def host_allowed(host: str | None, domains: Iterable[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one (case and a final dot aside)."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    for domain in domains:
        domain = domain.lower().rstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def start_url_problem(url: str, domains: Iterable[str]) -> str | None:
    """Why `url` cannot start a crawl of a site with these allowed domains, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"start_url {url!r} is not a URL: {exc}"
    if parts.scheme not in WEB_SCHEMES or not host:
        return f"start_url {url!r} must be an absolute http(s) URL"
    domains = list(domains)
    if domains and not host_allowed(host, domains):
        return (
            f"start_url host {host!r} is outside the site's allowed domains "
            f"({', '.join(domains)}); give a URL of the site itself"
        )
    return None


class AllowedDomainsMiddleware:
    """Downloader middleware: drop any request whose host the spider does not allow.

    Unlike Scrapy's OffsiteMiddleware it ignores `dont_filter` and `allow_offsite`. A request
    through Splash is judged by the page it renders (`meta["splash"]["args"]["url"]`); its own
    URL must then be the configured Splash server. A request dropped when it is scheduled (a
    redirect to another site, as Scrapy's OffsiteMiddleware drops it too) never reaches an
    errback, so it is recorded in the rejects file here; one dropped in the downloader ends in
    the spider's errback, which records it.
    """

    def __init__(self, stats: StatsCollector | None = None, splash_url: str | None = None) -> None:
        self.stats = stats
        self.splash_host = urlsplit(splash_url).hostname if splash_url else None
        self.crawler: Crawler | None = None
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedDomainsMiddleware:
        middleware = cls(crawler.stats, crawler.settings.get("SPLASH_URL") or None)
        middleware.crawler = crawler
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    def _domains(self) -> list[str]:
        spider = self.crawler.spider if self.crawler is not None else None
        return list(getattr(spider, "allowed_domains", None) or [])

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        try:
            self.process_request(request)
        except OffsiteRequestError as exc:
            if self.crawler is not None:
                site = getattr(getattr(spider, "site", None), "id", None) or spider.name
                detail = str(exc)
                chain = request.meta.get("redirect_urls")
                if chain:
                    detail += f"; redirected from {chain[0]}"
                rejects_for_crawler(self.crawler).add(request.url, "offsite", detail, site=site)
            raise  # the engine drops a request whose request_scheduled handler raised this

    def process_request(self, request: Request) -> None:
        domains = self._domains()
        if not domains:
            return  # a spider without allowed domains has no boundary to keep
        target = self._target(request)
        try:
            host = urlsplit(target).hostname
        except ValueError:
            host = None
        if host_allowed(host, domains):
            return
        if self.stats is not None:
            self.stats.inc_value(STATS_PREFIX + "offsite")
        key = host or target
        if key not in self._logged:  # one line per foreign host, not one per request
            self._logged.add(key)
            logger.warning(
                "dropped a request to %s, outside the allowed domains (%s): %s",
                host,
                ", ".join(domains),
                target,
            )
        raise OffsiteRequestError(
            f"host {host!r} is outside the allowed domains ({', '.join(domains)})"
        )

    def _target(self, request: Request) -> str:
        splash: Any = request.meta.get("splash")
        if isinstance(splash, dict):
            page = (splash.get("args") or {}).get("url")
            transport = urlparse_cached(request).hostname
            if isinstance(page, str) and (transport == self.splash_host or not transport):
                return page
        return request.url
