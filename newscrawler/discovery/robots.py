"""Discovery from robots.txt: its "Sitemap:" lines, the usual entry point of a site's sitemaps."""

from __future__ import annotations

from newscrawler.discovery.links import DiscoveredLink, absolute_url

__all__ = ["sitemaps_from_robots"]

SITEMAP_FIELD = "sitemap"
COMMENT = "#"


def sitemaps_from_robots(body: bytes | str, robots_url: str) -> list[DiscoveredLink]:
    """Every "Sitemap:" URL (field name in any case), resolved and deduplicated in file order.

    Sitemap lines are independent of user-agent groups (RFC 9309, section 2.2.4), so all count.
    """
    text = body.decode("utf-8-sig", "replace") if isinstance(body, bytes) else body
    urls = []
    for line in text.removeprefix("\ufeff").splitlines():
        field, colon, value = line.partition(":")
        if colon and field.strip().lower() == SITEMAP_FIELD:
            urls.append(absolute_url(value.partition(COMMENT)[0], robots_url))
    return [DiscoveredLink(url, "robots", is_sitemap=True) for url in dict.fromkeys(urls) if url]
