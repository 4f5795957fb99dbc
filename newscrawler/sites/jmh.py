"""Site registry entry: Japan Media Highlights, the U.S. Embassy Tokyo's WordPress press digest.

Each post republishes one Japanese press story in English (`/YYYYMMDD<post id>/`); posts are
listed by the WordPress REST API and the WordPress core sitemap (through robots.txt).
"""

from __future__ import annotations

import re

from newscrawler.extraction.page import ArticlePage
from newscrawler.extraction.wire import find_wire_source
from newscrawler.sites.base import Site

__all__ = ["SITE", "JmhPage"]

# The republished outlet is named only in the entry meta ("Source: Kyodo News"), never in the
# body, so the generic dateline/credit search over the body finds nothing.
XPATH_SOURCE = "//article//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-source ')]"
_SOURCE_LABEL_RE = re.compile(r"^\s*source\s*:\s*", re.I)


class JmhPage(ArticlePage):
    def site_source(self) -> str | None:
        # Wire services get their canonical name ("Kyodo News" -> "Kyodo"); other outlets
        # (Yomiuri, Asahi, ...) keep the name the page states.
        for line in self.texts(XPATH_SOURCE):
            name = _SOURCE_LABEL_RE.sub("", line).strip()
            if name:
                return find_wire_source([line]) or name
        return None


SITE = Site(
    id="jmh",
    name="Japan Media Highlights",
    domains=("jmh.usembassy.gov",),
    discovery=(
        "https://jmh.usembassy.gov/robots.txt",
        "https://jmh.usembassy.gov/wp-json/wp/v2/posts?page=1&per_page=100"
        "&_fields=id,link,date,date_gmt,modified,modified_gmt,title",
    ),
    article_urls=(r"^https://jmh\.usembassy\.gov/\d{13}/$",),
    language="en",
    page_class=JmhPage,
)
