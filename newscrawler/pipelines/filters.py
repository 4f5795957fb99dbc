"""Pipeline 2b: the crawl filters a user asks for (`--since`, `--language`): a valid article outside
them is left out, counted under `newscrawler/filter/<filter>`, and not recorded in the state, so a
later run without the filter still finds it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured

from newscrawler.defaults import get_list, get_str
from newscrawler.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = [
    "ArticleFilteredOut",
    "FilterArticlesPipeline",
    "filter_reason",
    "parse_languages",
    "parse_since",
]


class ArticleFilteredOut(DropItem):
    """A valid article outside the crawl's filters."""


def parse_since(value: str) -> date:
    """`--since` as a day: `2024-05-01` (a full ISO timestamp is cut to its day).
    Raises ValueError with a message that says what to give."""
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"--since {value!r} is not a date; give YYYY-MM-DD") from None


def parse_languages(value: str | Iterable[str]) -> tuple[str, ...]:
    """`ja,en` (or a list) as lowercase primary language subtags: ('ja', 'en')."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(str(i).strip().lower().split("-")[0] for i in items if i.strip()))


def filter_reason(article: Article, since: date | None, languages: tuple[str, ...]) -> str | None:
    """Which filter leaves `article` out (`since`, `language`), or None to keep it.

    `since` compares the day the page states (in its own time zone), so an article dated
    `2024-05-01T23:30:00+09:00` is of May 1st. An article without a date is kept: nothing says
    it is older. An article of unknown language is left out when languages are asked for."""
    if since is not None and article.published_at:
        try:
            day = date.fromisoformat(article.published_at[:10])
        except ValueError:
            day = None
        if day is not None and day < since:
            return "since"
    if languages:
        primary = (article.language or "").lower().split("-")[0]
        if primary not in languages:
            return "language"
    return None


class FilterArticlesPipeline:
    def __init__(
        self,
        since: date | None = None,
        languages: tuple[str, ...] = (),
        stats: StatsCollector | None = None,
    ) -> None:
        self.since = since
        self.languages = languages
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FilterArticlesPipeline:
        settings = crawler.settings
        since_text = get_str(settings, "NEWSCRAWLER_SINCE")
        languages = parse_languages(get_list(settings, "NEWSCRAWLER_LANGUAGES"))
        if not since_text and not languages:
            raise NotConfigured  # no filter asked for; silent, as it is the usual case
        return cls(parse_since(since_text) if since_text else None, languages, crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        reason = filter_reason(item, self.since, self.languages)
        if reason is None:
            return item
        if self.stats is not None:
            self.stats.inc_value(f"newscrawler/filter/{reason}")
        raise ArticleFilteredOut(
            f"left out by --{reason}: {item.canonical_url} "
            f"({item.published_at if reason == 'since' else item.language})",
            log_level="DEBUG",
        )
