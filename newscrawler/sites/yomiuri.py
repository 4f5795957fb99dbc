"""Yomiuri Shimbun (読売新聞, Japanese): site spec and the page rules the generic layers miss."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import ArticlePage
from newscrawler.extraction.text import clean_text
from newscrawler.sites.base import Site

__all__ = ["SITE", "YomiuriPage"]

# The story's paragraphs (class par1, par2...); the "保存しました"/"完了しました" (saved) dialog
# of the clipping button is a sibling block that trafilatura keeps.
XPATH_PARAGRAPHS = "//div[contains(@class, 'p-main-contents')]/p[starts-with(@class, 'par')]"
# Ruby readings (<rt>) and their fallback parentheses (<rp>) of names: shown small above the
# name in a browser, never part of the sentence.
XPATH_READINGS = ".//rt | .//rp"
# The related-tags list ("#北朝鮮"), the page's only topic list.
XPATH_TAGS = (
    "//div[contains(@class, 'p-related-tags')]//ul[contains(@class, 'p-related-tags__list')]//a"
)
# A line break in the source between two Japanese characters, as around every <ruby>: no space
# in Japanese text (CSS Text 3 drops such segment breaks).
_CJK = r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]"
_CJK_BREAK_RE = re.compile(rf"(?<={_CJK})\s*\n\s*|\s*\n\s*(?={_CJK})")
# The dateline names the reporter: "【ソウル＝小池和樹】" (place = reporter).
_DATELINE_REPORTER_RE = re.compile(r"^【[^＝】]+＝([^】]+)】")


class YomiuriPage(ArticlePage):
    SELECTORS: ClassVar[Mapping[str, str]] = {"tags": XPATH_TAGS}

    def site_body(self) -> list[str]:
        # Each name with a ruby reading comes out as " 尹錫悦 " (spaces from the source's line
        # breaks) and the clipping dialog's "完了しました" leads the generic body.
        paragraphs = []
        for original in self.tree.xpath(XPATH_PARAGRAPHS):
            p = copy.deepcopy(original)  # the shared tree stays whole for the other fields
            for reading in p.xpath(XPATH_READINGS):
                reading.drop_tree()
            text = clean_text(_CJK_BREAK_RE.sub("", "".join(p.itertext())))
            if text:
                paragraphs.append(text)
        return paragraphs

    def site_authors(self) -> list[str]:
        # No byline element and no JSON-LD author: the reporter is only in the dateline.
        body, _ = self.body()
        match = _DATELINE_REPORTER_RE.match(body[0]) if body else None
        return [match.group(1)] if match else []


SITE = Site(
    id="yomiuri",
    name="読売新聞オンライン",
    domains=("yomiuri.co.jp",),
    discovery=("https://www.yomiuri.co.jp/robots.txt",),
    # https://www.yomiuri.co.jp/world/20241203-OYT1T50218/
    article_urls=(
        r"^https://www\.yomiuri\.co\.jp/(?:[a-z0-9_-]+/){1,3}\d{8}-OYT\d[A-Z]\d{5}/?(?:[?#].*)?$",
    ),
    page_class=YomiuriPage,
    language="ja",
    other_names=("読売新聞", "Yomiuri Shimbun", "The Yomiuri Shimbun"),
)
