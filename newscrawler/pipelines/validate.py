"""Pipeline 2: validate an article against the schema; drop and record what fails."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema
from scrapy.exceptions import DropItem

from newscrawler.items import Article
from newscrawler.rejects import RejectsLog, rejects_for_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ValidateArticlePipeline", "article_schema", "validation_problem"]


@lru_cache(maxsize=1)
def article_schema() -> dict[str, Any]:
    text = resources.files("newscrawler").joinpath("schema/article.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(article_schema())
    return cls(article_schema(), format_checker=cls.FORMAT_CHECKER)


def validation_problem(article: Article, min_body_chars: int = 1) -> tuple[str, str] | None:
    """(reason, detail) when the article must not be written, else None."""
    if not article.url:
        return "missing-url", "the page has no URL"
    if not article.title:
        return "missing-title", "no layer found a headline"
    if not article.body or sum(len(p) for p in article.body) < min_body_chars:
        return "empty-body", "no layer found article text"
    error = next(iter(_validator().iter_errors(article.to_dict())), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(article)"
        return "schema", f"{where}: {error.message}"
    return None


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
