"""The one spider: crawl a site's discovery documents, fetch its article pages, hand them to the
site's page class. It holds no selectors; every site in the registry becomes a spider name."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from newscrawler.defaults import get_bool, get_str, setting_default
from newscrawler.discovery import (
    DiscoveredLink,
    SitemapStream,
    classify_document,
    parse_feed,
    parse_wordpress_posts,
    sitemaps_from_robots,
)
from newscrawler.distributed import may_seed
from newscrawler.extraction.article import page_to_article
from newscrawler.incremental.crawl import IncrementalCrawl, incremental_for_crawler, user_agent
from newscrawler.items import Article
from newscrawler.rejects import RejectsLog, rejects_for_crawler
from newscrawler.safety.failures import describe_failure
from newscrawler.sites import Site, get_site
from newscrawler.sites.base import UrlPatternTimeoutError
from newscrawler.spiders.feed import DOCUMENT_META, RequestFeed, feed_enabled
from newscrawler.splash.rendering import PageRendering

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

__all__ = ["NewsSpider"]

# URL pattern give-ups tolerated in one discovery document before its other links are dropped.
MAX_PATTERN_TIMEOUTS = 10
# Links of a discovery document planned together: one state query per chunk.
PREFETCH_CHUNK = 500


class NewsSpider(Spider):
    """Crawls one registered site. Subclasses (one per site, made in `newscrawler.spiders.sites`)
    set `site_id`; `-a start_url=URL` replaces the site's discovery URLs for one run."""

    site_id: ClassVar[str] = ""
    site_spec: ClassVar[Site | None] = None
    """The site itself, for a spider made outside the registry (tests, benchmarks)."""

    def __init__(self, *args: Any, start_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = self.site_spec or get_site(self.site_id or self.name)
        self.allowed_domains = list(self.site.domains)
        self.discovery_urls = [start_url] if start_url else list(self.site.discovery)
        self._rejects: RejectsLog | None = None
        self._rendering: PageRendering | None = None
        self._slow_patterns: set[str] = set()
        self.extract: bool = setting_default("NEWSCRAWLER_EXTRACT")  # the crawl's: from_crawler
        # Discovery documents' requests, handed out as the crawl needs them; None: all at once.
        self.feed: RequestFeed | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.extract = get_bool(crawler.settings, "NEWSCRAWLER_EXTRACT")
        if feed_enabled(crawler):
            spider.feed = RequestFeed.from_crawler(crawler)
        return spider

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # The user agent names the crawler and a contact URL, unless USER_AGENT itself was set.
        # It is how this spider introduces itself to sites, not a component to switch on, so it
        # stays here; Splash and the distributed crawl are add-ons (ADDONS in settings.py).
        contact = get_str(settings, "NEWSCRAWLER_CONTACT_URL")
        if contact and settings.getpriority("USER_AGENT") == settings.getpriority("BOT_NAME"):
            settings.set(
                "USER_AGENT",
                user_agent(contact),
                priority=settings.getpriority("NEWSCRAWLER_CONTACT_URL") or "project",
            )

    @property
    def rejects(self) -> RejectsLog:
        if self._rejects is None:
            self._rejects = rejects_for_crawler(self.crawler)
        return self._rejects

    @property
    def rendering(self) -> PageRendering:
        """Splash rendering for this site's article pages (newscrawler/splash/rendering.py)."""
        if self._rendering is None:
            self._rendering = PageRendering.from_crawler(self.crawler, self.site, self.rejects)
        return self._rendering

    @property
    def incremental(self) -> IncrementalCrawl:
        """Skip and revisit decisions from the state (newscrawler/incremental/)."""
        return incremental_for_crawler(self.crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawler/spider/{key}", count)

    async def start(self) -> AsyncIterator[Any]:
        if not may_seed(self.crawler):
            return  # a distributed crawl another worker has seeded
        for url in self.discovery_urls:
            yield Request(
                url, callback=self.parse_discovery, errback=self.fetch_failed, dont_filter=True
            )

    # -- discovery ---------------------------------------------------------------------------

    def parse_discovery(self, response: Response) -> Iterator[Request | Article]:
        if self.feed is not None:
            self.feed.answered(response.request)
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        kind = classify_document(response.body, content_type, response.url)
        self._inc(f"discovery/{kind}")
        links: Iterable[DiscoveredLink] = []
        error: str | None = None
        stream: SitemapStream | None = None
        if kind == "robots":
            links = sitemaps_from_robots(response.body, response.url)
        elif kind == "sitemap":
            # Read as its links are needed (see spiders/feed.py); its error once it is read.
            links = stream = SitemapStream(response.body, response.url)
        elif kind == "feed":
            feed = parse_feed(response.body, response.url)
            links, error = feed.links, feed.error
        elif kind == "wordpress":
            page = parse_wordpress_posts(response.body, response.url, _headers(response))
            links, error = page.links, page.error
            if page.next_url:
                yield Request(
                    page.next_url, callback=self.parse_discovery, errback=self.fetch_failed
                )
        elif self._is_article_url(response.url):
            # A start URL that is itself an article page.
            yield from self.parse_article(response)
            return
        if error:
            self.rejects.add(response.url, f"discovery-{kind}", error, site=self.site.id)
        if response.status >= 400:
            if stream is not None:  # read for its error only
                for _ in self._sitemap_read(stream, iter(())):
                    pass
            return
        steps = self._link_requests(response.url, links)
        if stream is not None:
            steps = self._sitemap_read(stream, steps)
        if self.feed is not None and kind in ("robots", "sitemap"):
            self.feed.add(steps)
            return
        yield from (step for step in steps if step is not None)

    def _sitemap_read(
        self, stream: SitemapStream, steps: Iterator[Request | None]
    ) -> Iterator[Request | None]:
        """`steps`, then the sitemap's error, if any, as a reject (known once it is read)."""
        yield from steps
        for _ in stream:  # what `steps` left unread (none when they read it all)
            pass
        if stream.error:
            self.rejects.add(stream.url, "discovery-sitemap", stream.error, site=self.site.id)

    def _link_requests(self, url: str, links: Iterable[DiscoveredLink]) -> Iterator[Request | None]:
        """A request for each link worth one, None for each other (a step the feed counts).
        Each URL is matched once. After MAX_PATTERN_TIMEOUTS patterns that gave up in this
        document, its other links are dropped unmatched (one counted reject for them all): each
        give-up holds the reactor for PATTERN_TIMEOUT, and a signal is only acted on once the
        reactor runs again."""
        timeouts = skipped = 0
        for chunk in _chunks(iter(links), PREFETCH_CHUNK):
            # True: an article link; False: not one; None: its pattern gave up, or was skipped.
            verdicts: list[bool | None] = []
            for link in chunk:
                if link.is_sitemap:
                    verdicts.append(False)
                elif timeouts >= MAX_PATTERN_TIMEOUTS:
                    skipped += 1
                    verdicts.append(None)
                else:
                    try:
                        verdicts.append(self.site.is_article_url(link.url))
                    except UrlPatternTimeoutError as exc:
                        timeouts += 1
                        self._pattern_gave_up(exc)
                        verdicts.append(None)
            # What the state knows of these article links, read in one batch: a 50,000-URL
            # sitemap is a few queries (or Redis round trips), not 50,000.
            self.incremental.prefetch(
                [link for link, ok in zip(chunk, verdicts, strict=True) if ok]
            )
            for link, verdict in zip(chunk, verdicts, strict=True):
                yield None if verdict is None else self._link_request(link, verdict)
        if skipped:
            self._inc("links/pattern_skipped", skipped)
            detail = (
                f"{skipped} more links not matched: the site's URL patterns gave up "
                f"{timeouts} times in this document"
            )
            self.rejects.add(url, "url-pattern-timeout", detail, site=self.site.id)

    def _link_request(self, link: DiscoveredLink, is_article: bool) -> Request | None:
        if link.is_sitemap:
            meta = {DOCUMENT_META: True} if self.feed is not None else {}
            return Request(
                link.url, callback=self.parse_discovery, errback=self.fetch_failed, meta=meta
            )
        if not is_article:
            self._inc("links/not_article")
            return None
        self._inc("links/article")
        plan = self.incremental.plan(link)
        if not plan.fetch:  # known, unchanged, no revisit due: no request at all
            return None
        try:
            request = self.rendering.request(link.url, self.parse_article, {"link": link})
        except UrlPatternTimeoutError as exc:  # a render pattern gave up on this URL
            self._pattern_gave_up(exc)
            return None
        request.errback = request.errback or self.fetch_failed
        return self.incremental.prepare(request, link, plan)

    def _is_article_url(self, url: str) -> bool:
        """The site's article patterns on `url`; a pattern that gives up drops the URL."""
        try:
            return self.site.is_article_url(url)
        except UrlPatternTimeoutError as exc:
            self._pattern_gave_up(exc)
            return False

    def _pattern_gave_up(self, exc: UrlPatternTimeoutError) -> None:
        self._inc("links/pattern_timeout")
        if exc.pattern not in self._slow_patterns:  # one line per pattern, not per URL
            self._slow_patterns.add(exc.pattern)
            logger.warning("%s: %s", self.site.id, exc)
        self.rejects.add(exc.url, "url-pattern-timeout", str(exc), site=self.site.id)

    # -- articles ----------------------------------------------------------------------------

    def parse_article(
        self, response: Response, link: DiscoveredLink | None = None
    ) -> Iterator[Article | Request]:
        if response.status == 304:  # a conditional revisit: unchanged, nothing to write
            self.incremental.not_modified(response)
            return
        if not self.extract:  # the framework-only baseline of benchmarks/crawl_throughput.py
            self._inc("pages/not_extracted")
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if not isinstance(response, TextResponse):
            # Scrapy judged it not text by its type, file name or first bytes.
            self.rejects.add(response.url, "not-html", content_type.lower(), site=self.site.id)
            return
        # The one way from page to article (extraction/article.py), as `newscrawler extract`.
        result = page_to_article(self.site, response.url, response.body, content_type or None)
        if result.page is None:  # not HTML, empty, binary, or extraction failed on it
            self.rejects.add(response.url, result.reason or "", result.detail, site=self.site.id)
            return
        # A script-built shell still short of text: fetched again through Splash, or rejected.
        decision = self.rendering.review(response, result.page, self.parse_article)
        if isinstance(decision, Request):
            yield decision
            return
        if not decision:
            return
        if result.article is None:  # home and tag pages, video pages, live blogs, teasers
            self.rejects.add(response.url, result.reason or "", result.detail, site=self.site.id)
            return
        self._inc("articles/extracted")
        yield result.article

    def fetch_failed(self, failure: Failure) -> None:
        """Errback of every request: a fetch that failed for good (after retries) becomes a
        counted reject with a reason a person can act on, and the crawl goes on."""
        request = getattr(failure, "request", None)
        if self.feed is not None:
            self.feed.answered(request)
        reason, detail = describe_failure(failure.value, request)
        url = request.url if request is not None else ""
        self.rejects.add(url, reason, detail, site=self.site.id)


def _chunks(items: Iterator[DiscoveredLink], size: int) -> Iterator[list[DiscoveredLink]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }
