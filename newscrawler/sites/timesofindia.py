"""The Times of India (English): site spec and the page rules the generic layers miss."""

from __future__ import annotations

from newscrawler.extraction.page import EMPTY, ArticlePage, Empty
from newscrawler.sites._blocks import break_paragraphs
from newscrawler.sites.base import Site

__all__ = ["SITE", "TimesOfIndiaPage"]

# The story is one <div> (class "_s30J", the build's hashed name for the article text, stable
# across the 2024 pages) of text, inline topic links, <br> breaks and ad slots.
XPATH_STORY = "//div[contains(concat(' ', normalize-space(@class), ' '), ' _s30J ')]"


class TimesOfIndiaPage(ArticlePage):
    def site_body(self) -> list[str] | Empty:
        # trafilatura drops the text of the inline topic links, leaving sentences that start
        # "'s whole-of-system approach" (the link said "Pakistan").
        for element in self.tree.xpath(XPATH_STORY):
            return break_paragraphs(element) or EMPTY
        return []


SITE = Site(
    id="timesofindia",
    name="The Times of India",
    domains=("timesofindia.indiatimes.com",),
    discovery=("https://timesofindia.indiatimes.com/robots.txt",),
    # https://timesofindia.indiatimes.com/world/pakistan/<slug>/articleshow/112898501.cms
    article_urls=(
        r"^https://timesofindia\.indiatimes\.com/(?:[a-z0-9-]+/)+articleshow/\d+\.cms"
        r"(?:[?#].*)?$",
    ),
    page_class=TimesOfIndiaPage,
    language="en",
    other_names=("Times Of India", "TOI"),
)
