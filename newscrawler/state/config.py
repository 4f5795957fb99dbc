"""Where the crawl state lives (a SQLite file, or Redis for a distributed crawl), from the
settings; defaults in newscrawler/settings.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from newscrawler.defaults import get_str, setting_default

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["StateSettings", "redis_prefix"]


def redis_prefix(settings: BaseSettings) -> str:
    """NEWSCRAWLER_REDIS_PREFIX; set empty, the default's: keys without a prefix would mix with
    whatever else the Redis database holds."""
    return get_str(settings, "NEWSCRAWLER_REDIS_PREFIX") or setting_default(
        "NEWSCRAWLER_REDIS_PREFIX"
    )


@dataclass(frozen=True)
class StateSettings:
    path: str  # NEWSCRAWLER_STATE_PATH: the SQLite file, when there is no Redis
    redis_url: str  # NEWSCRAWLER_REDIS_URL; "": no Redis
    redis_prefix: str  # NEWSCRAWLER_REDIS_PREFIX

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> StateSettings:
        return cls(
            path=get_str(settings, "NEWSCRAWLER_STATE_PATH"),
            redis_url=get_str(settings, "NEWSCRAWLER_REDIS_URL"),
            redis_prefix=redis_prefix(settings),
        )
