"""Taipei Times (Taiwan, English): site spec and the page rules the generic layers miss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import EMPTY, ArticlePage, Empty
from newscrawler.extraction.wire import wire_name
from newscrawler.sites.base import Site

__all__ = ["SITE", "TaipeiTimesPage"]

# The story's own paragraphs: direct <p> children of the archive box.
XPATH_BODY = "//div[@class='archives']/p[normalize-space()]"
# The deck ("CHINESE AGGRESSION: Manila accused ...") under the headline.
XPATH_DECK = "//div[@class='archives']/h2"
# The byline box: a writer ("By Lin Chia-nan / Staff reporter") or a wire and the dateline
# ("AFP, MANILA"); never in meta or JSON-LD.
XPATH_BYLINE = "//div[@class='archives']/ul[contains(@class, 'boxText')]//div[@class='name']"
# Photo boxes inside the story ("Photo: AFP" credit and caption).
XPATH_PHOTO_BOXES = "//div[@class='archives']//div[contains(@class, 'imgbox')]"


class TaipeiTimesPage(ArticlePage):
    # Photo credits and captions are not paragraphs.
    REMOVE: ClassVar[tuple[str, ...]] = (XPATH_PHOTO_BOXES,)
    SELECTORS: ClassVar[Mapping[str, str]] = {
        # trafilatura also keeps the teasers of related stories ("RISK REMAINS: ...").
        "body": XPATH_BODY,
        # No JSON-LD alternativeHeadline: the deck is only on the page.
        "subtitle": XPATH_DECK,
    }

    def _byline(self) -> str:
        return next(iter(self.texts(XPATH_BYLINE)), "")

    def site_authors(self) -> list[str] | Empty:
        # "AFP, MANILA" names a wire and a place, no person: the generic splitter would keep
        # "MANILA" as a name.
        byline = self._byline()
        if not byline or wire_name(byline.split(",")[0]):
            return EMPTY
        return [byline]

    def site_source(self) -> str | None:
        return wire_name(self._byline().split(",")[0]) if self._byline() else None

    def site_tags(self) -> Empty:
        # The keywords meta holds only the paper's names ("台北時報, The Taipei Times").
        return EMPTY


SITE = Site(
    id="taipeitimes",
    name="Taipei Times",
    domains=("taipeitimes.com",),
    discovery=("https://www.taipeitimes.com/robots.txt",),
    # https://www.taipeitimes.com/News/front/archives/2024/10/16/2003825372
    article_urls=(
        r"^https://www\.taipeitimes\.com/News/[a-z]+/archives/\d{4}/\d{2}/\d{2}/\d+/?(?:[?#].*)?$",
    ),
    page_class=TaipeiTimesPage,
    language="en",
    other_names=("The Taipei Times", "台北時報"),
)
