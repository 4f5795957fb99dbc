"""AP News (apnews.com, English): site spec and the page rules the generic layers miss."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from newscrawler.extraction.page import ArticlePage
from newscrawler.sites.base import Site

__all__ = ["SITE", "APNewsPage"]

# The visible headline: the 2024 layout (Brightspot) and the 2023 layout (React cards).
XPATH_HEADLINE = "//h1[contains(@class, 'Page-headline')] | //div[@data-key='card-headline']/h1"
# The story's own paragraphs and subheadings: direct children of the story body only, so that
# inline "Related coverage" lists, infoboxes, embeds and ads (all nested <div>s) stay out, and
# the "___" rule before the contributor line is not a subheading.
XPATH_BODY = (
    "//div[contains(concat(' ', @class, ' '), ' RichTextStoryBody ')]"
    "/*[self::p or self::h2 or self::h3][translate(normalize-space(), '_', '') != '']"
    " | //div[@data-key='article']/*[self::p or self::h2 or self::h3]"
    "[translate(normalize-space(), '_', '') != '']"
)
# The "Related topics" list the 2023 layout shows under the share buttons.
XPATH_RELATED_TOPICS = "//div[contains(@class, 'RelatedTopics')]//a"
# AP's distribution labels mixed into `keywords`: state wires, desks, "AP Top News", and the
# one-letter codes ("p", "n").
_INTERNAL_LABEL_RE = re.compile(
    r"(?i)^(?:.|[A-Z]{2} State Wire|AP Top News|(?:General|Domestic|Washington|U\.S\.|World|"
    r"International|National|Business|Financial|Political|Entertainment|Sports|Health|Science|"
    r"Technology|Lifestyle|Oddities) news)$"
)


class APNewsPage(ArticlePage):
    SELECTORS: ClassVar[Mapping[str, str]] = {
        # JSON-LD `headline` lags behind headline edits ("a sprint" vs the shown "an intense
        # sprint") and loses the typographic apostrophe.
        "title": XPATH_HEADLINE,
        # trafilatura starts with a hidden carousel title and keeps the "What to know" infobox.
        "body": XPATH_BODY,
    }

    def site_tags(self) -> list[str]:
        # Keywords mix topics with wire labels and the URL slug; the shown topic list, if any,
        # is the clean version.
        shown = self.texts(XPATH_RELATED_TOPICS)
        if shown:
            return shown
        slug = self._url_slug()
        return [
            tag
            for tag in self.keywords()
            if not _INTERNAL_LABEL_RE.match(tag) and tag.casefold() != slug
        ]

    def _url_slug(self) -> str:
        # /article/trump-harris-...-labor-day-151f82b5... -> "trump harris ... labor day"
        m = re.search(r"/article/(.+?)(?:-[0-9a-f]{32})?/?(?:[?#]|$)", self.url)
        return m.group(1).replace("-", " ").casefold() if m else ""


SITE = Site(
    id="apnews",
    name="AP News",
    domains=("apnews.com",),
    discovery=("https://apnews.com/robots.txt",),
    # https://apnews.com/article/mexico-economy-growth-3cc842471fb9df42315d658d88c8403a
    article_urls=(r"^https://apnews\.com/article/(?:[a-z0-9-]+-)?[0-9a-f]{32}/?(?:[?#].*)?$",),
    page_class=APNewsPage,
    language="en",
    other_names=("Associated Press", "The Associated Press"),
)
