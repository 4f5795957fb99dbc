"""Asahi Shimbun (朝日新聞, Japanese): site spec and the page rules the generic layers miss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import ArticlePage
from newscrawler.sites.base import Site

__all__ = ["SITE", "AsahiPage"]

# The story's paragraphs: direct <p> children of the article column in <main id="main">; class
# names there are build hashes (e.g. "nfyQp") that change with every deploy, so none is used.
XPATH_BODY = "//*[@id='main']/div/p[normalize-space()]"
# Words of the `keywords` meta that name the outlet or the medium, not the story's topics.
NOT_TOPICS = frozenset({"朝日新聞デジタル", "朝日新聞", "ニュース", "新聞"})


class AsahiPage(ArticlePage):
    SELECTORS: ClassVar[Mapping[str, str]] = {
        # trafilatura drops the one-line lists of places ("宮崎県：高鍋町、新富町、宮崎市") of
        # earthquake and election reports as boilerplate.
        "body": XPATH_BODY,
    }

    def site_tags(self) -> list[str]:
        # The keywords meta starts with the outlet's names and ends with generic words.
        return [tag for tag in self.keywords() if tag not in NOT_TOPICS]


SITE = Site(
    id="asahi",
    name="朝日新聞デジタル",
    domains=("asahi.com",),
    discovery=("https://www.asahi.com/robots.txt",),
    # https://www.asahi.com/articles/AST1F4445T1FUTIL02SM.html
    article_urls=(r"^https://www\.asahi\.com/articles/[A-Z0-9]{10,}\.html(?:[?#].*)?$",),
    page_class=AsahiPage,
    language="ja",
    other_names=("朝日新聞", "Asahi Shimbun", "The Asahi Shimbun"),
)
