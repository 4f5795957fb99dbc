"""Discovery from the WordPress REST API: paged /wp-json/wp/v2/posts listings of article URLs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from newscrawler.discovery.links import DiscoveredLink, absolute_url, as_text, clean_text
from newscrawler.extraction.dates import parse_datetime

__all__ = ["WP_POSTS_PATH", "WordPressPage", "parse_wordpress_posts", "wordpress_posts_url"]

WP_POSTS_PATH = "/wp-json/wp/v2/posts"
# Only what discovery uses: a full post object carries the whole rendered article.
WP_FIELDS = "id,link,date,date_gmt,modified,modified_gmt,title"
WP_MAX_PER_PAGE = 100  # the API refuses more
WP_DEFAULT_PER_PAGE = 10  # what the API sends when per_page is not given
TOTAL_PAGES_HEADER = "x-wp-totalpages"
UTC_OFFSET = "+00:00"


@dataclass(frozen=True)
class WordPressPage:
    """Links of one page of posts, the URL of the next page, and why the page was refused."""

    links: list[DiscoveredLink]
    next_url: str | None
    error: str | None = None


def wordpress_posts_url(base_url: str, page: int = 1, per_page: int = WP_MAX_PER_PAGE) -> str:
    """The posts listing of the WordPress site at `base_url` (a subdirectory install keeps it).

    E.g. https://jmh.usembassy.gov/wp-json/wp/v2/posts?page=1&per_page=100&_fields=id,link,...
    """
    if page < 1 or not 1 <= per_page <= WP_MAX_PER_PAGE:
        raise ValueError(f"page must be >= 1 and per_page in 1..{WP_MAX_PER_PAGE}")
    parts = urlsplit(base_url)
    query = urlencode({"page": page, "per_page": per_page, "_fields": WP_FIELDS}, safe=",")
    path = parts.path.rstrip("/") + WP_POSTS_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def parse_wordpress_posts(
    body: bytes, url: str, headers: Mapping[str, str] | None = None
) -> WordPressPage:
    """Parse one /wp/v2/posts response; `url` is the request URL, `headers` its response headers.

    WordPress writes `date_gmt`/`modified_gmt` in UTC without a zone, so "+00:00" is added;
    when they are missing, the local `date`/`modified` give the day only. Never raises.
    """
    try:
        posts = json.loads(body)
    except ValueError as exc:
        return WordPressPage([], None, f"unparseable JSON: {exc}")
    if isinstance(posts, dict) and "code" in posts:
        return WordPressPage([], None, f"WordPress error: {posts['code']}")
    if not isinstance(posts, list):
        return WordPressPage([], None, "not a WordPress posts listing: expected a JSON array")
    links = [link for post in posts if (link := _post_link(post, url)) is not None]
    return WordPressPage(links, _next_url(url, len(posts), headers or {}))


def _post_link(post: object, base: str) -> DiscoveredLink | None:
    if not isinstance(post, dict):
        return None
    link = absolute_url(as_text(post.get("link")), base)
    if link is None:
        return None
    title = post.get("title")
    return DiscoveredLink(
        link,
        "wordpress",
        lastmod=_date(post, "modified"),
        published_at=_date(post, "date"),
        title=clean_text(as_text(title.get("rendered")) if isinstance(title, dict) else None),
    )


def _date(post: dict[str, object], field: str) -> str | None:
    gmt = as_text(post.get(f"{field}_gmt"))
    if gmt and (stated := parse_datetime(gmt + UTC_OFFSET)):
        return stated
    return parse_datetime(as_text(post.get(field)))


def _next_url(url: str, count: int, headers: Mapping[str, str]) -> str | None:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    page = _int(query.get("page", ["1"])[0]) or 1
    total = next((_int(v) for k, v in headers.items() if k.lower() == TOTAL_PAGES_HEADER), None)
    if total is not None:
        if page >= total:
            return None
    elif count < (_int(query.get("per_page", [""])[0]) or WP_DEFAULT_PER_PAGE):
        return None
    query["page"] = [str(page + 1)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True, safe=",")))


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
