"""Chunichi Shimbun (中日新聞Web, Japanese): the Chunichi group's layout, and a free lead kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import ArticlePage
from newscrawler.sites.base import Site

__all__ = ["SITE", "ChunichiPage"]

# trafilatura keeps the date line and page chrome; the story is the div.block paragraphs of
# #entry (the same group layout as Tokyo Shimbun); "◇" scene-break lines are ornaments.
# The related-keyword box is another div.block in #entry, so blocks holding it are left out.
XPATH_BODY = (
    "//div[@id='entry']/div[@class='block'][not(.//div[contains(@class, 'cmp-lst003')])]"
    "[normalize-space(translate(., '◇　', '')) != '']"
)
# The article's own keywords: the "関連キーワード" box under the story; no keywords meta.
XPATH_TAGS = "//div[contains(@class, 'cmp-lst003')]//li//a"
# Photo captions sit inside the story's div.block paragraphs.
XPATH_CAPTIONS = "//div[@id='entry']//p[@class='caption']"


class ChunichiPage(ArticlePage):
    SELECTORS: ClassVar[Mapping[str, str]] = {"body": XPATH_BODY, "tags": XPATH_TAGS}
    REMOVE: ClassVar[tuple[str, ...]] = (XPATH_CAPTIONS,)


SITE = Site(
    id="chunichi",
    name="中日新聞Web",
    domains=("chunichi.co.jp",),
    discovery=("https://www.chunichi.co.jp/robots.txt",),
    # https://www.chunichi.co.jp/article/1011185
    article_urls=(r"^https://www\.chunichi\.co\.jp/article/\d+/?(?:[?#].*)?$",),
    page_class=ChunichiPage,
    language="ja",
    other_names=("中日新聞", "Chunichi Shimbun"),
    download_delay=2.0,
)
