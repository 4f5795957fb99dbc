"""The Japan News by The Yomiuri Shimbun (English): site spec and the rules generic layers miss."""

from __future__ import annotations

import re

from newscrawler.extraction.page import EMPTY, ArticlePage, Empty
from newscrawler.sites.base import Site

__all__ = ["SITE", "JapanNewsPage"]

# "By Takeo Maeda and Tatsuya Tanoue / Yomiuri Shimbun Staff Writers": the visible byline.
XPATH_BYLINE = "//div[@id='p-article-block']/p[contains(@class, 'byline')]"
# WordPress tags used as paywall switches, e.g. "(1) 無料記事" (free article), not topics.
_PAYWALL_FLAG_RE = re.compile(r"^\(\d+\)|無料記事|有料記事|会員限定")


class JapanNewsPage(ArticlePage):
    def site_authors(self) -> list[str] | Empty:
        # Names are only in the visible byline (the role after " / " is cut by the generic
        # author splitter). JSON-LD `author` is the WordPress account that posted the story
        # (e.g. "新間"), not its writer: no byline means no authors.
        return self.texts(XPATH_BYLINE) or EMPTY

    def site_tags(self) -> list[str] | Empty:
        # JSON-LD `keywords` carries paywall flags ("(1) 無料記事") among any real tags, and the
        # page shows no tags: keep what is left after dropping the flags, possibly nothing.
        kept = [t for t in self.ld_keywords() if not _PAYWALL_FLAG_RE.search(t)]
        return kept or EMPTY


SITE = Site(
    id="japannews",
    name="The Japan News",
    domains=("japannews.yomiuri.co.jp",),
    discovery=("https://japannews.yomiuri.co.jp/robots.txt",),
    # https://japannews.yomiuri.co.jp/politics/politics-government/20241013-216478/
    article_urls=(
        r"^https://japannews\.yomiuri\.co\.jp/(?:[a-z0-9-]+/){1,3}\d{8}-\d+/?(?:[?#].*)?$",
    ),
    page_class=JapanNewsPage,
    language="en",
    other_names=("The Japan News by The Yomiuri Shimbun", "The Yomiuri Shimbun", "Yomiuri Shimbun"),
)
