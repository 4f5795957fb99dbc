"""Pipeline 4: link a syndicated copy (a near-duplicate body, any site, any run) to the earliest
copy through `duplicate_of`, or drop it with NEWSCRAWLER_NEARDUP_DROP; see incremental/neardup.py.

Stats: `newscrawler/neardup/linked`, `newscrawler/neardup/dropped`, `newscrawler/neardup/indexed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datasketch import MinHash
from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawler.incremental.neardup import DEFAULT_THRESHOLD, NearDuplicateIndex, body_minhash
from newscrawler.items import Article
from newscrawler.pipelines.deduplicate import DuplicateArticleDropped
from newscrawler.state import ArticleState, state_for_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["LinkNearDuplicatesPipeline"]


class LinkNearDuplicatesPipeline:
    def __init__(
        self,
        index: NearDuplicateIndex,
        state: ArticleState | None = None,
        stats: StatsCollector | None = None,
        drop_copies: bool = False,
    ) -> None:
        self.index = index
        self.state = state
        self.stats = stats
        self.drop_copies = drop_copies
        # Signatures of articles on their way to the writer, stored once their line is written.
        self.pending: dict[str, MinHash] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkNearDuplicatesPipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWLER_NEARDUP_ENABLED", True):
            raise NotConfigured("NEWSCRAWLER_NEARDUP_ENABLED is off")
        threshold = settings.getfloat("NEWSCRAWLER_NEARDUP_THRESHOLD", DEFAULT_THRESHOLD)
        across_runs = settings.getbool("NEWSCRAWLER_DEDUP_ACROSS_RUNS", True)
        state = state_for_crawler(crawler) if across_runs else None
        index = (
            NearDuplicateIndex.load(state, threshold) if state else NearDuplicateIndex(threshold)
        )
        pipeline = cls(index, state, crawler.stats, settings.getbool("NEWSCRAWLER_NEARDUP_DROP"))
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

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
        # Indexed now, so a copy later in this same run is linked too.
        self.index.add(item.id, minhash, item.duplicate_of)
        self.pending[item.id] = minhash
        return item

    def item_scraped(self, item: Any, **_: Any) -> None:
        if not isinstance(item, Article):
            return
        minhash = self.pending.pop(item.id, None)
        if minhash is not None and self.state is not None:
            self.state.record_signature(
                item.id, item.site, minhash.hashvalues.tobytes(), item.duplicate_of
            )
            self._inc("indexed")
