"""scrapy-splash 0.11.1 on Scrapy 2.19: the fixes it needs, applied before it is imported.

scrapy-splash's last release (0.11.1) predates Scrapy 2.14-2.16 and breaks on them in three
places; upstream has not released a fix (scrapy-plugins/scrapy-splash#332 and others):

1. it imports `canonicalize_url` from `scrapy.utils.url`, a re-export of w3lib's function that
   Scrapy 2.16 removed, so `import scrapy_splash` fails;
2. `SplashDeduplicateArgsMiddleware` only has a synchronous `process_spider_output` (Scrapy 2.19
   refuses such a spider middleware) and prepares its state in `process_start_requests`, which
   Scrapy no longer calls (it calls `process_start`);
3. `SplashMiddleware` picks the download slot with `Downloader._get_slot_key`, removed in Scrapy
   2.14 (the public `get_slot_key(request)` exists since 2.13).

A fourth breakage showed up in this project's tests: Scrapy's offsite filter is a downloader
middleware since 2.11.2 and also runs on requests a downloader middleware reschedules, so every
request `SplashMiddleware` sends to a Splash host outside the spider's `allowed_domains` was
dropped silently (stats `offsite/filtered`). The page's own URL has passed that filter already,
so the request to Splash is marked `allow_offsite`.

`apply()` fixes exactly these, each only when it is still needed, so a future scrapy-splash
release that fixes one turns that patch into a no-op. `newscrawler.splash` calls it before
importing scrapy-splash; nothing else in the project imports `scrapy_splash` directly.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["applied", "apply"]

_applied: list[str] = []


def applied() -> tuple[str, ...]:
    """Names of the patches `apply()` had to make in this process (for tests and the log)."""
    return tuple(_applied)


def apply() -> None:
    """Make scrapy-splash importable and working on this Scrapy. Idempotent."""
    _restore_canonicalize_url()
    # Imported only now: this import is what fix 1 makes possible.
    import scrapy_splash.middleware as middleware

    _add_async_deduplicate_args(middleware.SplashDeduplicateArgsMiddleware)
    _use_public_slot_key(middleware.SplashMiddleware)
    _allow_offsite_splash_requests(middleware.SplashMiddleware)


def _restore_canonicalize_url() -> None:
    import scrapy.utils.url
    from w3lib.url import canonicalize_url

    if "scrapy_splash" in sys.modules or hasattr(scrapy.utils.url, "canonicalize_url"):
        return
    # The very function Scrapy used to re-export, so fingerprints match older Scrapy's.
    scrapy.utils.url.canonicalize_url = canonicalize_url  # type: ignore[attr-defined]
    _applied.append("canonicalize_url")


def _add_async_deduplicate_args(cls: type[Any]) -> None:
    if "process_start" in vars(cls):
        return

    def ensure_state(spider: Any) -> None:
        if not hasattr(spider, "state"):
            spider.state = {}
        spider.state.setdefault(cls.local_values_key, {})

    async def process_start(self: Any, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # What process_start_requests did, for the start() Scrapy calls now.
        spider = self._crawler_spider
        ensure_state(spider)
        async for item in start:
            yield self._process_request(item, spider) if _is_request(item) else item

    async def process_spider_output_async(
        self: Any, response: Any, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        spider = spider or self._crawler_spider
        async for item in result:
            yield self._process_request(item, spider) if _is_request(item) else item

    def from_crawler(klass: type[Any], crawler: Any) -> Any:
        instance = klass()
        instance._crawler = crawler
        return instance

    def crawler_spider(self: Any) -> Any:
        crawler = getattr(self, "_crawler", None)
        if crawler is None or crawler.spider is None:
            raise RuntimeError(f"{type(self).__name__} must be built with from_crawler()")
        return crawler.spider

    original_process_request = cls._process_request

    def process_request(self: Any, request: Any, spider: Any) -> Any:
        # A request yielded before start() ran (none in practice) still finds the state.
        ensure_state(spider)
        return original_process_request(self, request, spider)

    cls.process_start = process_start
    cls.process_spider_output_async = process_spider_output_async
    if "from_crawler" not in vars(cls):
        cls.from_crawler = classmethod(from_crawler)
    cls._crawler_spider = property(crawler_spider)
    cls._process_request = process_request
    _applied.append("deduplicate_args_async")


def _use_public_slot_key(cls: type[Any]) -> None:
    from scrapy.core.downloader import Downloader

    if hasattr(Downloader, "_get_slot_key") or getattr(cls._get_slot_key, "_newscrawler", False):
        return

    def _get_slot_key(self: Any, request: Any) -> str:
        key: str = self.crawler.engine.downloader.get_slot_key(request)
        return key

    _get_slot_key._newscrawler = True  # type: ignore[attr-defined]
    cls._get_slot_key = _get_slot_key
    _applied.append("public_slot_key")


def _allow_offsite_splash_requests(cls: type[Any]) -> None:
    original = cls.process_request
    if getattr(original, "_newscrawler", False):
        return

    def process_request(self: Any, request: Any, spider: Any = None) -> Any:
        to_splash = original(self, request, spider)
        if _is_request(to_splash):
            to_splash.meta["allow_offsite"] = True
        return to_splash

    process_request._newscrawler = True  # type: ignore[attr-defined]
    cls.process_request = process_request
    _applied.append("allow_offsite")


def _is_request(value: object) -> bool:
    from scrapy import Request

    return isinstance(value, Request)
