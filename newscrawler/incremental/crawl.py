"""The incremental crawl inside Scrapy: plans article requests from the state, records validators
and discovery dates once an article is written (or found unchanged), counts what happened.

Stats: `newscrawler/incremental/<event>`: `fetch/new`, `fetch/changed`, `fetch/revisit`,
`skipped` (known and unchanged, no request), `not_modified` (304 to a conditional request),
`articles/new` and `articles/updated` (written as revision 1, or a later revision).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import Request, signals

from newscrawler.defaults import get_bool, get_list
from newscrawler.discovery import DiscoveredLink
from newscrawler.incremental.revisit import DEFAULT_REVISIT_HOURS, FetchPlan, plan_fetch
from newscrawler.items import Article
from newscrawler.run_set import run_set
from newscrawler.safety.writes import stop_after_write_failure
from newscrawler.state import ArticleState, StateError, state_for_crawler
from newscrawler.state.records import FetchRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = [
    "FETCH_KEY",
    "IncrementalCrawl",
    "IncrementalSettings",
    "KnownArticleDropped",
    "incremental_for_crawler",
]

# The article URL as discovered, carried through redirects: the key of its `fetches` row.
FETCH_KEY = "newscrawler_fetch_url"
LINK_META = "newscrawler_link"
STATS = "newscrawler/incremental/"
# Prefetched fetch records held at most (a sitemap lists up to 50,000 URLs).
PREFETCH_MAX = 100_000

_CRAWLS: WeakKeyDictionary[Crawler, IncrementalCrawl] = WeakKeyDictionary()


@dataclass(frozen=True)
class IncrementalSettings:
    """What the incremental crawl runs with; defaults in newscrawler/settings.py."""

    enabled: bool  # NEWSCRAWLER_INCREMENTAL
    across_runs: bool  # NEWSCRAWLER_DEDUP_ACROSS_RUNS: off, the state is not consulted
    revisit_hours: tuple[float, ...]  # NEWSCRAWLER_REVISIT_HOURS; set empty: the default's
    run_sets_on_disk: bool  # NEWSCRAWLER_RUN_SETS_ON_DISK

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> IncrementalSettings:
        hours = tuple(float(h) for h in get_list(settings, "NEWSCRAWLER_REVISIT_HOURS"))
        return cls(
            enabled=get_bool(settings, "NEWSCRAWLER_INCREMENTAL"),
            across_runs=get_bool(settings, "NEWSCRAWLER_DEDUP_ACROSS_RUNS"),
            revisit_hours=hours or DEFAULT_REVISIT_HOURS,
            run_sets_on_disk=get_bool(settings, "NEWSCRAWLER_RUN_SETS_ON_DISK"),
        )


class KnownArticleDropped(Exception):
    """Marker mixed into drops of an article the state already holds (unchanged, or a copy):
    its URL is recorded as checked, so the next run skips it."""


class IncrementalCrawl:
    def __init__(
        self,
        state: ArticleState | None,
        stats: StatsCollector | None = None,
        enabled: bool = True,
        revisit_hours: tuple[float, ...] = DEFAULT_REVISIT_HOURS,
        run_sets_on_disk: bool = True,
    ) -> None:
        self.state = state
        self.stats = stats
        self.enabled = enabled and state is not None
        self.revisit_hours = revisit_hours
        self.crawler: Crawler | None = None
        """Stopped when the state cannot be written (set by from_crawler)."""
        # Article URLs requested, and skipped, in this run: each is counted once. On disk
        # (newscrawler/run_set.py), as they grow with every article URL discovered; unused,
        # so in memory, when nothing is planned.
        on_disk = run_sets_on_disk and self.enabled
        self._requested = run_set(on_disk)
        self._skipped = run_set(on_disk)
        # What the state knows of links about to be planned (None: nothing), read in one batch
        # by `prefetch`; each is used once by `plan`, then forgotten.
        self._prefetched: dict[str, FetchRecord | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalCrawl:
        config = IncrementalSettings.from_settings(crawler.settings)
        crawl = cls(
            state_for_crawler(crawler) if config.across_runs else None,
            crawler.stats,
            config.enabled,
            config.revisit_hours,
            config.run_sets_on_disk,
        )
        crawl.crawler = crawler
        crawler.signals.connect(crawl.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(crawl.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(crawl.close, signal=signals.spider_closed)
        return crawl

    def close(self) -> None:
        """Forget this run's URLs (and delete their files): the spider is closed."""
        self._requested.close()
        self._skipped.close()
        self._prefetched.clear()

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(STATS + key)

    def prefetch(self, links: Iterable[DiscoveredLink]) -> None:
        """Read what the state knows of many links at once (one query per 500 URLs in SQLite,
        one round trip per 1,000 in Redis), so that `plan` for each of them asks nothing more:
        call it with a discovery document's article links before planning them."""
        if not self.enabled or self.state is None:
            return
        urls = [link.url for link in links if link.url not in self._requested]
        if len(self._prefetched) + len(urls) > PREFETCH_MAX:
            self._prefetched.clear()  # links prefetched but never planned
        known = self.state.fetches(urls)
        self._prefetched.update({url: known.get(url) for url in urls[:PREFETCH_MAX]})

    def plan(self, link: DiscoveredLink, now: datetime | None = None) -> FetchPlan:
        if not self.enabled or self.state is None:
            return FetchPlan("new")
        if link.url in self._requested:
            # Listed again by another discovery document: already requested in this run (and
            # Scrapy's duplicate filter would drop it); not counted twice.
            return FetchPlan("skip")
        if link.url in self._prefetched:
            record = self._prefetched.pop(link.url)
        else:
            record = self.state.fetch(link.url)
        plan = plan_fetch(link, record, now or datetime.now(UTC), self.revisit_hours)
        if plan.fetch:
            self._requested.add(link.url)
            self._inc(f"fetch/{plan.action}")
        elif self._skipped.add(link.url):
            self._inc("skipped")
        return plan

    def prepare(self, request: Request, link: DiscoveredLink, plan: FetchPlan) -> Request:
        """Tag the request with its link; make it conditional when the state has validators."""
        request.meta[FETCH_KEY] = link.url
        request.meta[LINK_META] = link
        # Splash fetches through its own browser: validators would not reach the site.
        if plan.headers and "splash" not in request.meta:
            for name, value in plan.headers.items():
                request.headers[name] = value
            # A 304 must reach the spider, not be filtered as an HTTP error.
            request.meta["handle_httpstatus_list"] = [304]
        return request

    def not_modified(self, response: Response) -> None:
        """A conditional request answered 304: nothing to write, the check is recorded."""
        self._inc("not_modified")
        url = response.meta.get(FETCH_KEY)
        if self.state is not None and url:
            try:
                self.state.checked(url)
            except StateError as exc:
                stop_after_write_failure(self.crawler, exc)

    def _record_fetch(self, article: Article, response: Response | None) -> None:
        if self.state is None or response is None:
            return
        url = response.meta.get(FETCH_KEY) or response.url
        link = response.meta.get(LINK_META)
        headers = response.headers
        etag = headers.get(b"ETag")
        modified = headers.get(b"Last-Modified")
        try:
            self.state.record_fetch(
                url,
                article.canonical_url,
                etag=etag.decode("latin-1") if etag else None,
                last_modified=modified.decode("latin-1") if modified else None,
                lastmod=link.lastmod if isinstance(link, DiscoveredLink) else None,
                published_at=link.published_at if isinstance(link, DiscoveredLink) else None,
            )
        except StateError as exc:
            # Without its validators the page is fetched in full next time: nothing is lost.
            stop_after_write_failure(self.crawler, exc)

    # Signals fire after the writer pipeline, so validators are stored only for written lines:
    # a crash before that makes the next run fetch the page in full, never skip it unwritten.
    def item_scraped(self, item: Any, response: Response | None = None, **_: Any) -> None:
        if not isinstance(item, Article):
            return
        self._inc("articles/new" if item.revision == 1 else "articles/updated")
        self._record_fetch(item, response)

    def item_dropped(
        self,
        item: Any,
        response: Response | None = None,
        exception: Exception | None = None,
        **_: Any,
    ) -> None:
        if isinstance(item, Article) and isinstance(exception, KnownArticleDropped):
            if self.state is not None:
                try:
                    self.state.touch(item.canonical_url)
                except StateError as exc:
                    stop_after_write_failure(self.crawler, exc)
                    return
            self._record_fetch(item, response)


def incremental_for_crawler(crawler: Crawler) -> IncrementalCrawl:
    """The crawler's one incremental planner, shared by the spider and the signals."""
    crawl = _CRAWLS.get(crawler)
    if crawl is None:
        crawl = IncrementalCrawl.from_crawler(crawler)
        _CRAWLS[crawler] = crawl
    return crawl


def user_agent(contact_url: str) -> str:
    """`newscrawler/<version> (+<contact URL>)`: who crawls, and where to reach them."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("newscrawler")
    except PackageNotFoundError:
        release = "0"
    return f"newscrawler/{release} (+{contact_url})"
