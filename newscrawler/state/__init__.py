"""Persistent crawl state, one store per crawler, shared by the deduplicate and write pipelines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from scrapy import signals

from newscrawler.locks import HeldLock, LockHeldError, PidLock, hold
from newscrawler.state.config import StateSettings
from newscrawler.state.errors import StateDamagedError, StateError, StateWriteError
from newscrawler.state.protocol import ArticleState
from newscrawler.state.sqlite import SqliteArticleState

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = [
    "ArticleState",
    "SqliteArticleState",
    "StateDamagedError",
    "StateError",
    "StateLock",
    "StateWriteError",
    "open_locked_state",
    "state_for_crawler",
]

_STATES: WeakKeyDictionary[Crawler, ArticleState] = WeakKeyDictionary()


class StateLock(PidLock):
    """One crawl of a site on a state file at a time: `<state>.<site>.lock`. Crawls of other
    sites may share the file (a scheduler starts several at once); `write_article` keeps their
    writes apart."""

    def __init__(self, state_path: str | Path, site: str) -> None:
        super().__init__(f"{state_path}.{site}.lock")
        self.state_path = Path(state_path)
        self.site = site

    def held_error(self, pid: int | None) -> LockHeldError:
        return LockHeldError(
            self.path,
            pid,
            f"state {self.state_path} is in use by another crawl of {self.site} (pid {pid}): "
            "wait for it to end, or give another --state",
        )


def open_locked_state(path: str | Path, site: str) -> tuple[SqliteArticleState, HeldLock]:
    """The SQLite state at `path`, checked, with this process's hold on its lock for `site`:
    raises LockHeldError (another process crawls the site on it) or StateError."""
    lock = hold(StateLock(path, site))
    try:
        return SqliteArticleState(path), lock
    except BaseException:
        lock.release()
        raise


def state_for_crawler(crawler: Crawler) -> ArticleState:
    """The crawler's state store, opened on first use and closed when the engine stops: in Redis
    with NEWSCRAWLER_REDIS_URL (shared by all workers), else the SQLite file at
    NEWSCRAWLER_STATE_PATH, checked and locked for the crawler's site until then."""
    state = _STATES.get(crawler)
    if state is not None:
        return state
    config = StateSettings.from_settings(crawler.settings)
    lock: HeldLock | None = None
    if config.redis_url:
        # Imported here: the redis client is needed only by a distributed crawl.
        from newscrawler.state.redis_store import RedisArticleState

        state = RedisArticleState(config.redis_url, config.redis_prefix)
    else:
        site = getattr(crawler.spidercls, "name", None) or "crawl"
        state, lock = open_locked_state(config.path, site)
    _STATES[crawler] = state
    crawler.signals.connect(state.close, signal=signals.engine_stopped)
    if lock is not None:
        # Released after the file is closed; held strongly, as nothing else refers to it.
        crawler.signals.connect(lock.release, signal=signals.engine_stopped, weak=False)
    return state
