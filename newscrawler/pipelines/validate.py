"""Pipeline 2: validate an article against the schema (newscrawler/validation.py); drop and
record what fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from newscrawler.items import Article
from newscrawler.rejects import RejectsLog, rejects_for_crawler
from newscrawler.validation import validation_problem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ValidateArticlePipeline"]


class ValidateArticlePipeline:
    def __init__(self, rejects: RejectsLog, min_body_chars: int = 1) -> None:
        self.rejects = rejects
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(
            rejects_for_crawler(crawler),
            crawler.settings.getint("NEWSCRAWLER_VALIDATE_MIN_BODY_CHARS", 1),
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
