"""Pipeline 3: decide what an article is against this run and the state: new (revision 1), a
changed page at a known URL (a new revision), unchanged (dropped), or an exact copy of an article
at another URL (linked by `duplicate_of`, or dropped with NEWSCRAWLER_NEARDUP_DROP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from newscrawler.defaults import get_bool
from newscrawler.incremental.crawl import KnownArticleDropped
from newscrawler.items import Article
from newscrawler.run_set import run_map, run_set
from newscrawler.state import ArticleState, state_for_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

__all__ = ["DedupSettings", "DeduplicateArticlesPipeline", "DuplicateArticleDropped"]


@dataclass(frozen=True)
class DedupSettings:
    """What deduplication runs with; defaults in newscrawler/settings.py."""

    across_runs: bool  # NEWSCRAWLER_DEDUP_ACROSS_RUNS: against the state, not only this run
    drop_copies: bool  # NEWSCRAWLER_NEARDUP_DROP: drop an exact copy instead of linking it
    run_sets_on_disk: bool  # NEWSCRAWLER_RUN_SETS_ON_DISK

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DedupSettings:
        return cls(
            across_runs=get_bool(settings, "NEWSCRAWLER_DEDUP_ACROSS_RUNS"),
            drop_copies=get_bool(settings, "NEWSCRAWLER_NEARDUP_DROP"),
            run_sets_on_disk=get_bool(settings, "NEWSCRAWLER_RUN_SETS_ON_DISK"),
        )


class DuplicateArticleDropped(DropItem, KnownArticleDropped):
    """A duplicate: the state already holds this article (or the article it copies)."""


class DeduplicateArticlesPipeline:
    def __init__(
        self,
        state: ArticleState | None,
        stats: StatsCollector | None = None,
        drop_copies: bool = False,
        run_sets_on_disk: bool = True,
    ) -> None:
        self.state = state
        self.stats = stats
        self.drop_copies = drop_copies
        # Articles accepted in this run but perhaps not yet written: the state only learns of
        # an article after its line is on disk. Content hash -> id of the earliest copy. On
        # disk (newscrawler/run_set.py), as they grow with every article.
        self.run_urls = run_set(run_sets_on_disk)
        self.run_hashes = run_map(run_sets_on_disk)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicateArticlesPipeline:
        config = DedupSettings.from_settings(crawler.settings)
        return cls(
            state_for_crawler(crawler) if config.across_runs else None,
            crawler.stats,
            config.drop_copies,
            config.run_sets_on_disk,
        )

    def close_spider(self) -> None:
        self.run_urls.close()
        self.run_hashes.close()

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawler/deduplicate/{key}")

    def _drop(self, item: Article, reason: str) -> None:
        self._inc("dropped")
        self._inc(reason)
        raise DuplicateArticleDropped(
            f"duplicate ({reason}): {item.canonical_url}", log_level="DEBUG"
        )

    def _original(self, article: Article) -> tuple[str, str] | None:
        """(reason, id of the earliest copy) when the same text was seen at another URL."""
        original = self.run_hashes.get(article.content_hash)
        if original is not None and original != article.id:
            return "content-in-run", original
        if self.state is not None:
            url = self.state.url_for_hash(article.content_hash)
            record = self.state.article(url) if url and url != article.canonical_url else None
            if record is not None:
                return "content-seen", record.duplicate_of or record.id
        return None

    def duplicate_reason(self, article: Article) -> str | None:
        """Why the article must not be written (None: write it); sets `revision` and
        `duplicate_of` on the way."""
        if article.canonical_url in self.run_urls:
            return "url-in-run"
        if self.state is not None:
            record = self.state.article(article.canonical_url)
            if record is not None:
                if record.content_hash == article.content_hash:
                    return "url-seen"
                # The page changed since it was written: the same article, one revision later.
                article.revision = record.revision + 1
                self._inc("revised")
        copy = self._original(article)
        if copy is not None:
            reason, original = copy
            if self.drop_copies:
                return reason
            article.duplicate_of = original
            self._inc(f"linked/{reason}")
        return None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        reason = self.duplicate_reason(item)
        if reason is not None:
            self._drop(item, reason)
        self.run_urls.add(item.canonical_url)
        self.run_hashes.setdefault(item.content_hash, item.duplicate_of or item.id)
        return item
