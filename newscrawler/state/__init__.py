"""Persistent crawl state, one store per crawler, shared by the deduplicate and write pipelines."""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from scrapy import signals

from newscrawler.state.sqlite import SqliteArticleState

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["SqliteArticleState", "state_for_crawler"]

_STATES: WeakKeyDictionary[Crawler, SqliteArticleState] = WeakKeyDictionary()


def state_for_crawler(crawler: Crawler) -> SqliteArticleState:
    """The crawler's state store, opened on first use from NEWSCRAWLER_STATE_PATH and closed
    when the spider closes."""
    state = _STATES.get(crawler)
    if state is None:
        state = SqliteArticleState(crawler.settings.get("NEWSCRAWLER_STATE_PATH"))
        _STATES[crawler] = state
        crawler.signals.connect(state.close, signal=signals.engine_stopped)
    return state
