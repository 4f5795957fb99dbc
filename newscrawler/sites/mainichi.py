"""Mainichi Shimbun (毎日新聞, Japanese): site spec and the page rules the generic layers miss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import ArticlePage
from newscrawler.sites.base import Site

__all__ = ["SITE", "MainichiPage"]

# The reporter links under the headline; JSON-LD names only the organization as author.
XPATH_AUTHORS = (
    "//div[@id='articledetail-title']//a[contains(concat(' ', @class, ' '), ' articletag-author ')]"
)
# Category labels that mark how a story was filed, not what it is about (速報 = breaking news).
NON_TOPIC_LABELS = frozenset({"速報"})


class MainichiPage(ArticlePage):
    SELECTORS: ClassVar[Mapping[str, str]] = {"authors": XPATH_AUTHORS}

    def site_tags(self) -> list[str]:
        # The keyword list appends the reporter's name and the 速報 label to the topics.
        people = {name.casefold() for name in self.selected("authors")}
        return [
            tag
            for tag in self.keywords()
            if tag not in NON_TOPIC_LABELS and tag.casefold() not in people
        ]


SITE = Site(
    id="mainichi",
    name="毎日新聞",
    domains=("mainichi.jp",),
    # The news sitemap (via robots.txt) and the breaking-news RSS feed overlap; the scheduler's
    # duplicate filter fetches each article once.
    discovery=("https://mainichi.jp/robots.txt", "https://mainichi.jp/rss/etc/mainichi-flash.rss"),
    # https://mainichi.jp/articles/20250114/k00/00m/030/335000c (also under /premier/<desk>/)
    article_urls=(
        r"^https://mainichi\.jp/(?:premier/[a-z]+/)?articles/\d{8}/(?:[a-z0-9]+/){3}\d+[a-z]/?"
        r"(?:[?#].*)?$",
    ),
    page_class=MainichiPage,
    language="ja",
    other_names=("Mainichi Shimbun", "The Mainichi Shimbun", "毎日新聞社", "mainichi.jp"),
)
