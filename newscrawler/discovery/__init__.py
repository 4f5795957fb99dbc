"""Discovery: turn robots.txt, sitemaps, feeds and WordPress API answers into article URLs.

Every function is pure over (body bytes, URL[, headers]): no network, never raises on bad input.
"""

from newscrawler.discovery.detect import classify_document
from newscrawler.discovery.feeds import FeedResult, parse_feed
from newscrawler.discovery.links import DiscoveredLink
from newscrawler.discovery.robots import sitemaps_from_robots
from newscrawler.discovery.sitemaps import (
    MAX_SITEMAP_BYTES,
    SitemapResult,
    SitemapStream,
    parse_sitemap,
)
from newscrawler.discovery.wordpress import (
    WP_POSTS_PATH,
    WordPressPage,
    parse_wordpress_posts,
    wordpress_posts_url,
)

__all__ = [
    "MAX_SITEMAP_BYTES",
    "WP_POSTS_PATH",
    "DiscoveredLink",
    "FeedResult",
    "SitemapResult",
    "SitemapStream",
    "WordPressPage",
    "classify_document",
    "parse_feed",
    "parse_sitemap",
    "parse_wordpress_posts",
    "sitemaps_from_robots",
    "wordpress_posts_url",
]
