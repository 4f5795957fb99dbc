"""NHK News Web Easy (やさしい日本語, Japanese): site spec and the rules the generic layers miss."""

from __future__ import annotations

import re

from newscrawler.extraction.page import EMPTY, ArticlePage, Empty
from newscrawler.sites.base import Site

__all__ = ["SITE", "NhkEasyPage"]

# The page's own id holds its date: <body id="news20190624_k10011959621000">.
XPATH_BODY_ID = "//body/@id"
# The visible date line: "[06月24日 11時30分]" (no year).
XPATH_DATE_LINE = "//p[@id='js-article-date']"
_BODY_ID_RE = re.compile(r"^news(\d{4})(\d{2})(\d{2})_k\d+$")
_DATE_LINE_RE = re.compile(r"(\d{1,2})月(\d{1,2})日\s*(\d{1,2})時(\d{1,2})分")


class NhkEasyPage(ArticlePage):
    def site_published_at(self) -> str | None:
        # The generic layer takes the day of the link to the regular NHK story (2019-06-19, a
        # different article). The page shows month, day and time; its body id gives the year
        # (and the same month and day). NHK states times in Japan time (JST, +09:00).
        ids = [_BODY_ID_RE.match(v) for v in self.texts(XPATH_BODY_ID)]
        lines = [_DATE_LINE_RE.search(v) for v in self.texts(XPATH_DATE_LINE)]
        day, shown = next((m for m in ids if m), None), next((m for m in lines if m), None)
        if not day or not shown or (int(day[2]), int(day[3])) != (int(shown[1]), int(shown[2])):
            return None
        return f"{day[1]}-{day[2]}-{day[3]}T{int(shown[3]):02d}:{int(shown[4]):02d}:00+09:00"

    def site_image_url(self) -> Empty:
        # og:image is the service's logo card (og-image.png) on every page; stories have no
        # lead photo of their own in the saved layout.
        return EMPTY


SITE = Site(
    id="nhk",
    name="NEWS WEB EASY",
    domains=("www3.nhk.or.jp",),
    discovery=("https://www3.nhk.or.jp/robots.txt",),
    # https://www3.nhk.or.jp/news/easy/k10011959621000/k10011959621000.html
    article_urls=(r"^https://www3\.nhk\.or\.jp/news/easy/(k\d{14})/\1\.html(?:[?#].*)?$",),
    page_class=NhkEasyPage,
    language="ja",
    other_names=("NHK NEWS WEB EASY", "NHK"),
)
