"""Pipeline 4: link a syndicated copy (a near-duplicate body, any site, any run) to the earliest
copy through `duplicate_of`, or drop it with NEWSCRAWLER_NEARDUP_DROP; see incremental/neardup.py.

Stats: `newscrawler/neardup/linked`, `newscrawler/neardup/dropped`, `newscrawler/neardup/indexed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawler.defaults import get_bool, get_float
from newscrawler.incremental.neardup import NearDuplicateIndex
from newscrawler.items import Article
from newscrawler.pipelines.deduplicate import DuplicateArticleDropped
from newscrawler.safety.writes import stop_after_write_failure
from newscrawler.signatures import body_minhash
from newscrawler.state import StateError, state_for_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

__all__ = ["LinkNearDuplicatesPipeline", "NearDupSettings"]


@dataclass(frozen=True)
class NearDupSettings:
    """What near-duplicate linking runs with; defaults in newscrawler/settings.py. The
    threshold's range is checked at start-up (newscrawler/safety/config.py)."""

    enabled: bool  # NEWSCRAWLER_NEARDUP_ENABLED
    threshold: float  # NEWSCRAWLER_NEARDUP_THRESHOLD
    across_runs: bool  # NEWSCRAWLER_DEDUP_ACROSS_RUNS: against the state's signatures too
    drop_copies: bool  # NEWSCRAWLER_NEARDUP_DROP

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> NearDupSettings:
        return cls(
            enabled=get_bool(settings, "NEWSCRAWLER_NEARDUP_ENABLED"),
            threshold=get_float(settings, "NEWSCRAWLER_NEARDUP_THRESHOLD"),
            across_runs=get_bool(settings, "NEWSCRAWLER_DEDUP_ACROSS_RUNS"),
            drop_copies=get_bool(settings, "NEWSCRAWLER_NEARDUP_DROP"),
        )


class LinkNearDuplicatesPipeline:
    def __init__(
        self,
        index: NearDuplicateIndex,
        stats: StatsCollector | None = None,
        drop_copies: bool = False,
    ) -> None:
        self.index = index
        self.stats = stats
        self.drop_copies = drop_copies
        self.crawler: Crawler | None = None
        """Stopped when the state cannot be written (set by from_crawler)."""
        # The item each pending signature came from: another item with the same id dropped
        # earlier in the pipelines (a known URL listed twice) must not discard it.
        self._items: dict[str, Article] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkNearDuplicatesPipeline:
        config = NearDupSettings.from_settings(crawler.settings)
        if not config.enabled:
            raise NotConfigured("NEWSCRAWLER_NEARDUP_ENABLED is off")
        # Without the state, this run's signatures go to a temporary file of their own.
        state = state_for_crawler(crawler) if config.across_runs else None
        index = NearDuplicateIndex(state, config.threshold)
        pipeline = cls(index, crawler.stats, config.drop_copies)
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(pipeline.item_not_written, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_not_written, signal=signals.item_error)
        return pipeline

    def close_spider(self) -> None:
        self.index.close()

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawler/neardup/{key}")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        minhash = body_minhash(item.body)
        if item.duplicate_of is None:  # an exact copy was linked already, by its content hash
            original = self.index.earliest_copy(minhash, exclude=(item.id,))
            if original is not None:
                if self.drop_copies:
                    self._inc("dropped")
                    raise DuplicateArticleDropped(
                        f"near-duplicate of {original}: {item.canonical_url}", log_level="DEBUG"
                    )
                item.duplicate_of = original
                self._inc("linked")
        # Indexed now (in memory until its line is written), so a copy later in this same run
        # is linked too.
        self.index.add(item.id, minhash, item.duplicate_of)
        self._items[item.id] = item
        return item

    def item_scraped(self, item: Any, **_: Any) -> None:
        """The line is written: the signature goes to the state, for later runs and workers."""
        if not isinstance(item, Article):
            return
        self._items.pop(item.id, None)
        try:
            stored = self.index.store(item.id, item.site)
        except StateError as exc:
            # The line and its article record stand; a later copy may go unlinked.
            stop_after_write_failure(self.crawler, exc)
            return
        if stored:
            self._inc("indexed")

    def item_not_written(self, item: Any, **_: Any) -> None:
        """Dropped or failed after this pipeline: not written, so not indexed."""
        if isinstance(item, Article) and self._items.get(item.id) is item:
            del self._items[item.id]
            self.index.discard(item.id)
