"""Discovery from syndication feeds: article URLs from RSS 2.0, RSS 1.0 (RDF), Atom, JSON Feed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from newscrawler.discovery.detect import (
    TRUNCATED,
    content_head,
    decompressed,
    local_name,
    namespace_prefix,
    parse_xml,
)
from newscrawler.discovery.links import (
    DiscoveredLink,
    absolute_url,
    as_text,
    clean_text,
    unique_keywords,
)
from newscrawler.extraction.dates import parse_datetime

__all__ = ["FeedResult", "parse_feed"]

# A feed is a few hundred kilobytes; the sitemap limit leaves room and still bounds a gzip bomb.
MAX_FEED_BYTES = 50 * 1024 * 1024
RSS_ROOT = "rss"
RDF_ROOT = "RDF"  # RSS 1.0
ATOM_ROOT = "feed"
# RSS 2.0 names are un-namespaced; RSS 1.0 puts the same names in its own namespace, taken from
# <channel>, so namespaced look-alikes (itunes:title, atom:link, media:category) never match.
RSS_CHANNEL = "channel"
RDF_CHANNEL = "{*}channel"
ITEM = "item"
TITLE = "title"
LINK = "link"
GUID = "guid"
PUB_DATE = "pubDate"
CATEGORY = "category"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
DC_SUBJECT = "{http://purl.org/dc/elements/1.1/}subject"
# Atom 1.0 (http://www.w3.org/2005/Atom) and the 0.3 draft (http://purl.org/atom/ns#) that many
# older Japanese blogs still serve share these names under the root's namespace.
ENTRY = "entry"
ATOM_PUBLISHED = ("published", "issued")  # 1.0, 0.3
ATOM_UPDATED = ("updated", "modified")
ALTERNATE = "alternate"
JSON_FEED_VERSION = "https://jsonfeed.org/version/"


@dataclass(frozen=True)
class FeedResult:
    """Article links of one feed, its title, and why it was refused or had to be repaired."""

    links: list[DiscoveredLink]
    title: str | None = None
    error: str | None = None


def parse_feed(body: bytes, url: str) -> FeedResult:
    """Parse an RSS, RDF, Atom or JSON feed, plain or gzip; the encoding is the XML declaration's.

    Items without a usable http(s) link are skipped; unparseable dates become None. A
    malformed document returns what was salvaged with `error` set (see detect.parse_xml).
    Never raises.
    """
    try:
        body = decompressed(body, MAX_FEED_BYTES)
    except ValueError as exc:
        return FeedResult([], error=str(exc))
    head = content_head(body)
    if not head:
        return FeedResult([], error="empty document")
    if head.startswith(b"{"):
        return _parse_json_feed(body, url)
    root, error = parse_xml(body, url)
    if root is None:
        return FeedResult([], error=error)
    kind = local_name(root)
    parse = _XML_FEEDS.get(kind)
    if parse is None:
        return FeedResult([], error=f"not a feed: root element <{kind}>")
    title, links = parse(root, url)
    return FeedResult(links[:-1] if error == TRUNCATED else links, title, error)


def _text(element: etree._Element | None) -> str | None:
    return clean_text("".join(element.itertext())) if element is not None else None


def _parse_rss(root: etree._Element, url: str) -> tuple[str | None, list[DiscoveredLink]]:
    channel = root.find(RSS_CHANNEL)
    items = channel.iterfind(ITEM) if channel is not None else iter(())
    return _text(root.find(f"{RSS_CHANNEL}/{TITLE}")), _rss_links(items, "", url)


def _parse_rdf(root: etree._Element, url: str) -> tuple[str | None, list[DiscoveredLink]]:
    ns = namespace_prefix(root.find(RDF_CHANNEL))
    title = _text(root.find(f"{ns}{RSS_CHANNEL}/{ns}{TITLE}"))
    return title, _rss_links(root.iterfind(ns + ITEM), ns, url)


def _rss_links(items: Iterable[etree._Element], ns: str, base: str) -> list[DiscoveredLink]:
    links = []
    for item in items:
        guid = item.find(GUID)
        # An RSS 2.0 guid is the permalink unless it says isPermaLink="false".
        permalink = guid.text if guid is not None and guid.get("isPermaLink") != "false" else None
        url = absolute_url(item.findtext(ns + LINK), base) or absolute_url(permalink, base)
        if url is None:
            continue
        categories = [*item.findall(CATEGORY), *item.findall(DC_SUBJECT)]
        links.append(
            DiscoveredLink(
                url,
                "feed",
                published_at=_first_date(item, (PUB_DATE, DC_DATE)),
                title=_text(item.find(ns + TITLE)),
                keywords=unique_keywords(c.text for c in categories),
            )
        )
    return links


def _parse_atom(root: etree._Element, url: str) -> tuple[str | None, list[DiscoveredLink]]:
    ns = namespace_prefix(root)
    links = []
    for entry in root.iterfind(ns + ENTRY):
        link = _atom_link(entry, ns, url)
        if link is None:
            continue
        terms = [c.get("term") for c in entry.iterfind(ns + CATEGORY)]
        links.append(
            DiscoveredLink(
                link,
                "feed",
                lastmod=_first_date(entry, [ns + name for name in ATOM_UPDATED]),
                published_at=_first_date(entry, [ns + name for name in ATOM_PUBLISHED]),
                title=_text(entry.find(ns + TITLE)),
                keywords=unique_keywords([*terms, *(s.text for s in entry.iterfind(DC_SUBJECT))]),
            )
        )
    return _text(root.find(ns + TITLE)), links


def _first_date(element: etree._Element, tags: Iterable[str]) -> str | None:
    """The first of the `tags` children that holds a valid date."""
    return next(filter(None, (parse_datetime(element.findtext(tag)) for tag in tags)), None)


def _atom_link(entry: etree._Element, ns: str, base: str) -> str | None:
    # The article is the rel="alternate" link (the default rel); "self", "edit", "enclosure"
    # and the like point elsewhere. Relative hrefs resolve against xml:base, then the feed URL.
    for link in entry.iterfind(ns + LINK):
        if link.get("rel", ALTERNATE) == ALTERNATE:
            url = absolute_url(link.get("href"), link.base or base)
            if url:
                return url
    return None


def _parse_json_feed(body: bytes, url: str) -> FeedResult:
    try:
        feed = json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        return FeedResult([], error=f"unparseable JSON: {exc}")
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(JSON_FEED_VERSION):
        return FeedResult([], error="not a JSON Feed: no jsonfeed.org version")
    items = feed.get("items")
    links = []
    for item in items if isinstance(items, list) else []:
        link = absolute_url(as_text(item.get("url")), url) if isinstance(item, dict) else None
        if link is None:
            continue
        tags = item.get("tags")
        links.append(
            DiscoveredLink(
                link,
                "feed",
                lastmod=parse_datetime(as_text(item.get("date_modified"))),
                published_at=parse_datetime(as_text(item.get("date_published"))),
                title=clean_text(as_text(item.get("title"))),
                keywords=unique_keywords(map(as_text, tags) if isinstance(tags, list) else ()),
            )
        )
    return FeedResult(links, clean_text(as_text(feed.get("title"))))


_XML_FEEDS: dict[str, Callable[[etree._Element, str], tuple[str | None, list[DiscoveredLink]]]] = {
    RSS_ROOT: _parse_rss,
    RDF_ROOT: _parse_rdf,
    ATOM_ROOT: _parse_atom,
}
