"""Discovery from sitemaps: page URLs with their Google News hints, and child sitemaps to fetch.

Scrapy's own sitemap parser keeps only <loc> and <lastmod>; this one keeps the news:news block
(publication, language, date, title, keywords), which is why it exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from newscrawler.discovery.detect import (
    ENTITIES_REFUSED,
    TRUNCATED,
    content_head,
    declares_entities,
    decompressed,
    is_truncated,
    iterparse_xml,
    local_name,
    recovered_tree,
    xml_input,
)
from newscrawler.discovery.links import DiscoveredLink, absolute_url, clean_text, unique_keywords
from newscrawler.extraction.dates import parse_datetime

__all__ = ["MAX_SITEMAP_BYTES", "SitemapResult", "SitemapStream", "parse_sitemap"]

# The sitemaps.org limit, applied after decompression.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

# Matched by local name ("{*}"): sitemaps without the sitemaps.org namespace, or with an old
# Google one, are common and otherwise fine.
URLSET = "urlset"
SITEMAPINDEX = "sitemapindex"
SITEMAP_ENTRY = "sitemap"
ENTRY_NAMES = frozenset({"url", SITEMAP_ENTRY})
LOC = "{*}loc"
LASTMOD = "{*}lastmod"
NEWS = "{*}news"  # Google News: http://www.google.com/schemas/sitemap-news/0.9
NEWS_NAME = "{*}publication/{*}name"
NEWS_LANGUAGE = "{*}publication/{*}language"
NEWS_DATE = "{*}publication_date"
NEWS_TITLE = "{*}title"
NEWS_KEYWORDS = "{*}keywords"
TEXT_URL_PREFIXES = ("http://", "https://")
# A malformed sitemap up to this size is recovered from one parse of the whole document.
WHOLE_RECOVERY_BYTES = 5 * 1024 * 1024
# The line breaks of str.splitlines(), which a text sitemap was read with.
_LINE_RE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True)
class SitemapResult:
    """Links found in one sitemap; `error` says why it was refused or had to be repaired."""

    links: list[DiscoveredLink]
    error: str | None = None


def parse_sitemap(body: bytes, url: str) -> SitemapResult:
    """All the links of a sitemap at once (see SitemapStream, which reads them one by one)."""
    stream = SitemapStream(body, url)
    links = list(stream)
    return SitemapResult(links, stream.error)


class SitemapStream:
    """The links of an XML (<urlset> or <sitemapindex>), gzip or plain-text sitemap, parsed as
    they are read: a sitemap of a million URLs is never a tree, nor a list, in memory. Never
    raises; once read to the end, `error` says why the document was refused or repaired.

    Entries are typed by their own tag: <url> gives a page ("sitemap", or "news-sitemap" when
    it carries a news:news block), <sitemap> a child sitemap ("sitemap-index", is_sitemap=True),
    even when a <sitemap> sits in a <urlset>. An index that lists itself gives that entry
    too: the spider's request dedup stops the loop. xhtml:link hreflang alternates are ignored,
    since the protocol requires every language version to have its own <url> entry. A
    malformed document gives what can be salvaged, with `error` set (see detect.parse_xml):
    the entries read before the first error, then those libxml2's recovery finds after it;
    the last entry of a truncated document is dropped, which is why one entry is held back.
    """

    def __init__(self, body: bytes, url: str) -> None:
        self.url = url
        self.error: str | None = None
        self._body: bytes | None = body

    def __iter__(self) -> Iterator[DiscoveredLink]:
        body, self._body = self._body, None  # read once; the bytes go with the reading
        if body is None:
            return
        try:
            body = decompressed(body, MAX_SITEMAP_BYTES)
        except ValueError as exc:
            self.error = str(exc)
            return
        head = content_head(body)
        if not head:
            self.error = "empty document"
        elif _is_url_line(head[:16].decode("latin-1")):
            yield from _text_links(body, self.url)
        else:
            yield from self._xml_links(*xml_input(body))

    def _xml_links(self, data: bytes, encoding: str | None) -> Iterator[DiscoveredLink]:
        held: DiscoveredLink | None = None
        strict_error: str | None = None
        given = 0  # entries the strict pass gave, before its error
        root: etree._Element | None = None
        for recover in (False, True):
            root, seen = None, 0
            try:
                for element in _entry_elements(data, self.url, encoding, recover):
                    if root is None:
                        root = element
                        self.error = _root_problem(root)
                        if self.error:
                            return
                        continue
                    seen += 1
                    link = _entry(element, self.url) if seen > given else None
                    if link is not None:
                        if held is not None:
                            yield held
                        held = link
            except etree.XMLSyntaxError as exc:
                if not recover:
                    strict_error, given = str(exc), seen
                    continue
            break
        if root is None:
            self.error = f"unparseable XML: {strict_error}"
        elif strict_error is not None and is_truncated(data, local_name(root)):
            self.error = TRUNCATED
            return  # the held entry may be cut short
        elif strict_error is not None:
            self.error = f"malformed XML, recovered: {strict_error}"
        if held is not None:
            yield held


def _entry_elements(
    data: bytes, url: str, encoding: str | None, recover: bool
) -> Iterator[etree._Element]:
    """The root element, then each <url> and <sitemap> child of it once it has ended. Read
    incrementally, each child freed once read, so the tree stays one entry deep; except that
    a malformed document of up to WHOLE_RECOVERY_BYTES is recovered from one whole parse, as
    libxml2's incremental parser recovers some errors differently (it loses more)."""
    if recover and len(data) <= WHOLE_RECOVERY_BYTES:
        whole = recovered_tree(data, url, encoding)
        if whole is not None:
            yield whole
            yield from (child for child in whole if local_name(child) in ENTRY_NAMES)
        return
    root: etree._Element | None = None
    for element in iterparse_xml(data, url, encoding, recover):
        if root is None:
            root = element.getroottree().getroot()
            yield root
        if element.getparent() is root:
            if local_name(element) in ENTRY_NAMES:
                yield element
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del root[0]


def _root_problem(root: etree._Element) -> str | None:
    if declares_entities(root):
        return ENTITIES_REFUSED
    kind = local_name(root)
    if kind not in (URLSET, SITEMAPINDEX):
        return f"not a sitemap: root element <{kind}>"
    return None


def _text_links(body: bytes, url: str) -> Iterator[DiscoveredLink]:
    # sitemaps.org: a text sitemap is UTF-8 with one absolute URL a line and nothing else.
    for match in _LINE_RE.finditer(body.decode("utf-8", "replace")):
        line = match[0]
        if _is_url_line(line):
            link = absolute_url(line, url)
            if link:
                yield DiscoveredLink(link, "sitemap")


def _is_url_line(line: str) -> bool:
    return line.strip().lower().startswith(TEXT_URL_PREFIXES)


def _entry(element: etree._Element, base: str) -> DiscoveredLink | None:
    loc = absolute_url(element.findtext(LOC), base)
    if loc is None:
        return None
    lastmod = parse_datetime(element.findtext(LASTMOD))
    if local_name(element) == SITEMAP_ENTRY:
        return DiscoveredLink(loc, "sitemap-index", is_sitemap=True, lastmod=lastmod)
    news = element.find(NEWS)
    if news is None:
        return DiscoveredLink(loc, "sitemap", lastmod=lastmod)
    return DiscoveredLink(
        loc,
        "news-sitemap",
        lastmod=lastmod,
        published_at=parse_datetime(news.findtext(NEWS_DATE)),
        title=clean_text(news.findtext(NEWS_TITLE)),
        keywords=unique_keywords((news.findtext(NEWS_KEYWORDS) or "").split(",")),
        language=(news.findtext(NEWS_LANGUAGE) or "").strip() or None,
        publication=clean_text(news.findtext(NEWS_NAME)),
    )
