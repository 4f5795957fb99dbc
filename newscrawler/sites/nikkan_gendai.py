"""Nikkan Gendai (日刊ゲンダイ, Japanese): site spec and the rules the generic layers miss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import EMPTY, ArticlePage, Empty
from newscrawler.sites._blocks import break_paragraphs
from newscrawler.sites.base import Site

__all__ = ["SITE", "NikkanGendaiPage"]

# The whole story is one <p class="full-text">, paragraphs separated by <br><br>.
XPATH_FULL_TEXT = "//div[contains(@class, 'article-detail-box')]/p[contains(@class, 'full-text')]"
# The deck under the headline: an <h2> at the top of the article box.
XPATH_DECK = "//div[contains(@class, 'article-detail-box')]/h2"
# The article's own keyword list ("キーワード") below the story.
XPATH_KEYWORDS = "//div[contains(@class, 'm-keyword-list2')]//a"


class NikkanGendaiPage(ArticlePage):
    SELECTORS: ClassVar[Mapping[str, str]] = {
        # The deck is no JSON-LD field; trafilatura puts it first in the body instead.
        "subtitle": XPATH_DECK,
        # The keywords meta is the same site-wide list on every page ("政治,社会,芸能...").
        "tags": XPATH_KEYWORDS,
    }

    def site_body(self) -> list[str] | Empty:
        # trafilatura joins pairs of <br><br>-separated paragraphs into one; split the single
        # <p> at its breaks instead (the inline keyword links stay part of the text).
        for element in self.tree.xpath(XPATH_FULL_TEXT):
            return break_paragraphs(element) or EMPTY
        return []


SITE = Site(
    id="nikkan_gendai",
    name="日刊ゲンダイDIGITAL",
    domains=("nikkan-gendai.com",),
    discovery=("https://www.nikkan-gendai.com/robots.txt",),
    # https://www.nikkan-gendai.com/articles/view/sports/367061
    article_urls=(r"^https://www\.nikkan-gendai\.com/articles/view/[a-z_]+/\d+/?(?:[?#].*)?$",),
    page_class=NikkanGendaiPage,
    language="ja",
    other_names=("日刊ゲンダイ", "Nikkan Gendai"),
)
