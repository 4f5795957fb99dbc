"""Pipeline 3: drop articles already written, by canonical URL or by content hash, within this
run and across runs (the state store)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from newscrawler.items import Article
from newscrawler.state import SqliteArticleState, state_for_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["DeduplicateArticlesPipeline"]


class DeduplicateArticlesPipeline:
    def __init__(
        self,
        state: SqliteArticleState | None,
        stats: StatsCollector | None = None,
    ) -> None:
        self.state = state
        self.stats = stats
        # Articles accepted in this run but perhaps not yet written: the state only learns of
        # an article after its line is on disk.
        self.run_urls: set[str] = set()
        self.run_hashes: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicateArticlesPipeline:
        across_runs = crawler.settings.getbool("NEWSCRAWLER_DEDUP_ACROSS_RUNS", True)
        return cls(state_for_crawler(crawler) if across_runs else None, crawler.stats)

    def duplicate_reason(self, article: Article) -> str | None:
        if article.canonical_url in self.run_urls:
            return "url-in-run"
        if article.content_hash in self.run_hashes:
            return "content-in-run"
        if self.state is not None:
            if self.state.has_url(article.canonical_url):
                return "url-seen"
            if self.state.url_for_hash(article.content_hash):
                return "content-seen"
        return None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        reason = self.duplicate_reason(item)
        if reason is not None:
            if self.stats is not None:
                self.stats.inc_value("newscrawler/deduplicate/dropped")
                self.stats.inc_value(f"newscrawler/deduplicate/{reason}")
            raise DropItem(f"duplicate ({reason}): {item.canonical_url}", log_level="DEBUG")
        self.run_urls.add(item.canonical_url)
        self.run_hashes.add(item.content_hash)
        return item
