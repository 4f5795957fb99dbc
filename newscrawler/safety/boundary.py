"""The site boundary: no request leaves the spider's allowed domains, whoever made it, and none
reaches a loopback, private or link-local address the site itself is not on.

Scrapy's own OffsiteMiddleware lets through every request marked `dont_filter`, and its
RedirectMiddleware copies that mark onto the redirect: a start URL (robots.txt, a sitemap, a
feed; all `dont_filter`) that redirects to another site is followed there, robots.txt of the
other site included. `AllowedDomainsMiddleware` checks every request, redirects and retries
included, before anything else in the downloader sees it.

A redirect to `http://169.254.169.254/` (a cloud's metadata service) or to `http://10.0.0.5/`
would fetch a machine's internal pages and write them as articles. Such an address is refused
unless the site's own domains resolve there: the tests' sites are on 127.0.0.1 and name
`127.0.0.1` as their domain, so loopback is theirs. A host name of the site is resolved before
the request goes out (through Scrapy's resolver and its cache, which the connection then uses),
except behind a proxy, which resolves names itself, and in a replay, which connects nowhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from newscrawler.defaults import get_str
from newscrawler.rejects import rejects_for_crawler
from newscrawler.safety.hosts import IPAddress, host_allowed, ip_literal, non_public_kind

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = [
    "AllowedDomainsMiddleware",
    "OffsiteRequestError",
    "PrivateAddressError",
]

STATS_PREFIX = "newscrawler/boundary/"
# Host name -> its address (None: it does not resolve); a plain value so a test can pass one.
Resolver = Callable[[str], Awaitable[str | None]]


class OffsiteRequestError(IgnoreRequest):
    """A request for a host outside the site's allowed domains was dropped before sending."""


class PrivateAddressError(IgnoreRequest):
    """A request for a loopback, private or link-local address that is not the site's own was
    dropped before any connection."""


class AllowedDomainsMiddleware:
    """Downloader middleware: drop any request whose host the spider does not allow, or whose
    address is loopback, private or link-local without being the site's own.

    Unlike Scrapy's OffsiteMiddleware it ignores `dont_filter` and `allow_offsite`. A request
    through Splash is judged by the page it renders (`meta["splash"]["args"]["url"]`); its own
    URL must then be the configured Splash server. A request dropped when it is scheduled (a
    redirect to another site, as Scrapy's OffsiteMiddleware drops it too) never reaches an
    errback, so it is recorded in the rejects file here; one dropped in the downloader ends in
    the spider's errback, which records it.
    """

    def __init__(
        self,
        stats: StatsCollector | None = None,
        splash_url: str | None = None,
        resolve: Resolver | None = None,
        domains: Sequence[str] | None = None,
    ) -> None:
        self.stats = stats
        self.domains = list(domains) if domains is not None else None
        self.splash_host = urlsplit(splash_url).hostname if splash_url else None
        self.resolve = resolve  # None: host names are judged by their domain only
        self.crawler: Crawler | None = None
        self._logged: set[str] = set()
        # Addresses of each allowed domain, resolved the first time a non-public one shows up.
        self._own: dict[str, IPAddress | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedDomainsMiddleware:
        # No lookup where the crawler connects to no site: a replay answers from disk, and
        # behind a proxy the proxy resolves names (often there is no DNS for them here, and
        # each failed lookup would wait for its timeout). Addresses in URLs are still checked.
        replay = bool(get_str(crawler.settings, "NEWSCRAWLER_REPLAY_DIR"))
        resolve = None if replay or _proxied(crawler) else _reactor_resolve
        middleware = cls(crawler.stats, crawler.settings.get("SPLASH_URL") or None, resolve)
        middleware.crawler = crawler
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    def _domains(self) -> list[str]:
        """The given domains, else those of the crawl's spider."""
        if self.domains is not None:
            return self.domains
        spider = self.crawler.spider if self.crawler is not None else None
        return list(getattr(spider, "allowed_domains", None) or [])

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        try:
            self.check(request)
        except (OffsiteRequestError, PrivateAddressError) as exc:
            if self.crawler is not None:
                site = getattr(getattr(spider, "site", None), "id", None) or spider.name
                detail = str(exc)
                chain = request.meta.get("redirect_urls")
                if chain:
                    detail += f"; redirected from {chain[0]}"
                reason = "offsite" if isinstance(exc, OffsiteRequestError) else "private-address"
                rejects_for_crawler(self.crawler).add(request.url, reason, detail, site=site)
            raise  # the engine drops a request whose request_scheduled handler raised this

    async def process_request(self, request: Request) -> None:
        host = self.check(request)
        if host is None or self.resolve is None or request.meta.get("proxy"):
            return
        # A host name of the site: where it points decides (a subdomain set to 10.0.0.5).
        address = ip_literal(host)
        if address is None:
            address = ip_literal(await self.resolve(host))
        if address is None or non_public_kind(address) is None:
            return
        if host not in self._logged:
            self._logged.add(host)
            logger.debug("boundary: %s resolves to the non-public address %s", host, address)
        if address not in self._own_known():
            await self._resolve_own()
        self._refuse_address(host, address, self._target(request))

    def check(self, request: Request) -> str | None:
        """The request's host once it passed the checks that need no lookup (its domain, the
        address it spells); None when the spider keeps no boundary."""
        domains = self._domains()
        target = self._target(request)
        try:
            host = urlsplit(target).hostname
        except ValueError:
            host = None
        literal = ip_literal(host)
        if literal is not None:
            # Only an address among the domains is the site's: refused before the domain
            # check so that the reason says what was at stake.
            self._refuse_address(host or "", literal, target)
        if not domains:
            return None  # a spider without allowed domains (not a site's) has no other limit
        if host_allowed(host, domains):
            return host
        self._inc("offsite")
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

    def _own_known(self) -> set[IPAddress]:
        """The addresses of the allowed domains known without a lookup now."""
        own = {ip_literal(d) for d in self._domains()}
        own |= {self._own.get(d.lower().rstrip(".")) for d in self._domains()}
        return {address for address in own if address is not None}

    async def _resolve_own(self) -> None:
        if self.resolve is None:
            return
        for domain in self._domains():
            name = domain.lower().rstrip(".")
            if ip_literal(name) is None and name not in self._own:
                self._own[name] = ip_literal(await self.resolve(name))

    def _refuse_address(self, host: str, address: IPAddress, target: str) -> None:
        """Raise PrivateAddressError for a non-public address that is not the site's own."""
        kind = non_public_kind(address)
        if kind is None or address in self._own_known():
            return
        self._inc("private_address")
        spelled = "" if str(address) == host else f" ({host})"
        if str(address) not in self._logged:  # one line per address
            self._logged.add(str(address))
            logger.warning(
                "dropped a request to the %s address %s%s, not the site's own: %s",
                kind,
                address,
                spelled,
                target,
            )
        raise PrivateAddressError(
            f"address {address}{spelled} is {kind}, not the site's own; a site on such a "
            "network must list that host or address among its domains"
        )

    def _inc(self, event: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(STATS_PREFIX + event)

    def _target(self, request: Request) -> str:
        splash: Any = request.meta.get("splash")
        if isinstance(splash, dict):
            page = (splash.get("args") or {}).get("url")
            transport = urlparse_cached(request).hostname
            if isinstance(page, str) and (transport == self.splash_host or not transport):
                return page
        return request.url


def _proxied(crawler: Crawler) -> bool:
    """True when Scrapy's HttpProxyMiddleware sends requests through a proxy of the
    environment (http_proxy, https_proxy)."""
    if not crawler.settings.getbool("HTTPPROXY_ENABLED", True):
        return False
    return any(scheme in getproxies() for scheme in ("http", "https"))


async def _reactor_resolve(host: str) -> str | None:
    """The address the download will connect to: Scrapy's installed resolver, whose cache the
    connection reads next."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor

    try:
        # Twisted's interface stub omits `self`, so mypy reads `name` as the timeout.
        address = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
    except Exception:  # does not resolve here (or only through a proxy): the download says so
        return None
    return str(address)
