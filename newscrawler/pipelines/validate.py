"""Pipeline 2: validate an article against the schema (newscrawler/validation.py); drop and
record what fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from newscrawler.defaults import get_int, setting_default
from newscrawler.items import Article
from newscrawler.rejects import RejectsLog, rejects_for_crawler
from newscrawler.validation import validation_problem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ValidateArticlePipeline"]


class ValidateArticlePipeline:
    def __init__(
        self,
        rejects: RejectsLog,
        min_body_chars: int = setting_default("NEWSCRAWLER_VALIDATE_MIN_BODY_CHARS"),
    ) -> None:
        self.rejects = rejects
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(
            rejects_for_crawler(crawler),
            get_int(crawler.settings, "NEWSCRAWLER_VALIDATE_MIN_BODY_CHARS"),
        )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        problem = validation_problem(item, self.min_body_chars)
        if problem is not None:
            reason, detail = problem
            self.rejects.add(item.url, reason, detail, site=item.site)
            raise DropItem(f"{reason}: {detail}", log_level="DEBUG")
        return item
