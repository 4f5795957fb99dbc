"""Persistent crawl state, one store per crawler, shared by the deduplicate and write pipelines."""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from scrapy import signals

from newscrawler.state.protocol import ArticleState
from newscrawler.state.sqlite import SqliteArticleState

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ArticleState", "SqliteArticleState", "state_for_crawler"]

_STATES: WeakKeyDictionary[Crawler, ArticleState] = WeakKeyDictionary()


def state_for_crawler(crawler: Crawler) -> ArticleState:
    """The crawler's state store, opened on first use and closed when the engine stops: in Redis
    with NEWSCRAWLER_REDIS_URL (shared by all workers), else the SQLite file at
    NEWSCRAWLER_STATE_PATH."""
    state = _STATES.get(crawler)
    if state is None:
        redis_url = crawler.settings.get("NEWSCRAWLER_REDIS_URL")
        if redis_url:
            # Imported here: the redis client is needed only by a distributed crawl.
            from newscrawler.state.redis_store import DEFAULT_PREFIX, RedisArticleState

            prefix = crawler.settings.get("NEWSCRAWLER_REDIS_PREFIX") or DEFAULT_PREFIX
            state = RedisArticleState(redis_url, prefix)
        else:
            state = SqliteArticleState(crawler.settings.get("NEWSCRAWLER_STATE_PATH"))
        _STATES[crawler] = state
        crawler.signals.connect(state.close, signal=signals.engine_stopped)
    return state
