"""Discovery from sitemaps: page URLs with their Google News hints, and child sitemaps to fetch.

Scrapy's own sitemap parser keeps only <loc> and <lastmod>; this one keeps the news:news block
(publication, language, date, title, keywords), which is why it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from newscrawler.discovery.detect import (
    TRUNCATED,
    content_head,
    decompressed,
    local_name,
    parse_xml,
)
from newscrawler.discovery.links import DiscoveredLink, absolute_url, clean_text, unique_keywords
from newscrawler.extraction.dates import parse_datetime

__all__ = ["MAX_SITEMAP_BYTES", "SitemapResult", "parse_sitemap"]

# The sitemaps.org limit, applied after decompression.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

# Matched by local name ("{*}"): sitemaps without the sitemaps.org namespace, or with an old
# Google one, are common and otherwise fine.
URLSET = "urlset"
SITEMAPINDEX = "sitemapindex"
SITEMAP_ENTRY = "sitemap"
ENTRY_TAGS = ("{*}url", "{*}sitemap")
LOC = "{*}loc"
LASTMOD = "{*}lastmod"
NEWS = "{*}news"  # Google News: http://www.google.com/schemas/sitemap-news/0.9
NEWS_NAME = "{*}publication/{*}name"
NEWS_LANGUAGE = "{*}publication/{*}language"
NEWS_DATE = "{*}publication_date"
NEWS_TITLE = "{*}title"
NEWS_KEYWORDS = "{*}keywords"
TEXT_URL_PREFIXES = ("http://", "https://")


@dataclass(frozen=True)
class SitemapResult:
    """Links found in one sitemap; `error` says why it was refused or had to be repaired."""

    links: list[DiscoveredLink]
    error: str | None = None


def parse_sitemap(body: bytes, url: str) -> SitemapResult:
    """Parse an XML (<urlset> or <sitemapindex>), gzip or plain-text sitemap. Never raises.

    Entries are typed by their own tag: <url> gives a page ("sitemap", or "news-sitemap" when
    it carries a news:news block), <sitemap> a child sitemap ("sitemap-index", is_sitemap=True),
    even when a <sitemap> sits in a <urlset>. An index that lists itself returns that entry
    too: the spider's request dedup stops the loop. xhtml:link hreflang alternates are ignored,
    since the protocol requires every language version to have its own <url> entry. A
    malformed document returns what was salvaged with `error` set (see detect.parse_xml).
    """
    try:
        body = decompressed(body, MAX_SITEMAP_BYTES)
    except ValueError as exc:
        return SitemapResult([], str(exc))
    head = content_head(body)
    if not head:
        return SitemapResult([], "empty document")
    if _is_url_line(head[:16].decode("latin-1")):
        return _parse_text_sitemap(body, url)
    root, error = parse_xml(body, url)
    if root is None:
        return SitemapResult([], error)
    kind = local_name(root)
    if kind not in (URLSET, SITEMAPINDEX):
        return SitemapResult([], f"not a sitemap: root element <{kind}>")
    entries = (_entry(element, url) for element in root.iterchildren(*ENTRY_TAGS))
    links = [link for link in entries if link is not None]
    return SitemapResult(links[:-1] if error == TRUNCATED else links, error)


def _parse_text_sitemap(body: bytes, url: str) -> SitemapResult:
    # sitemaps.org: a text sitemap is UTF-8 with one absolute URL a line and nothing else.
    lines = body.decode("utf-8", "replace").splitlines()
    urls = (absolute_url(line, url) for line in lines if _is_url_line(line))
    return SitemapResult([DiscoveredLink(u, "sitemap") for u in urls if u])


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
