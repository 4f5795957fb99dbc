"""Shared output of discovery: one URL found in robots.txt, a sitemap, a feed or the WP API."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

__all__ = ["DiscoveredLink", "absolute_url", "as_text", "clean_text", "unique_keywords"]

WEB_SCHEMES = frozenset({"http", "https"})
# A tag must start with a letter, "/" or "!", so a title such as "5 < 6 > 4" keeps its text.
_TAG_RE = re.compile(r"<[A-Za-z/!][^>]*>")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class DiscoveredLink:
    """An article URL (or a sitemap to fetch next) with the hints its source states."""

    url: str
    via: str
    is_sitemap: bool = False
    lastmod: str | None = None
    published_at: str | None = None
    title: str | None = None
    keywords: tuple[str, ...] = ()
    language: str | None = None
    publication: str | None = None


def absolute_url(href: str | None, base: str) -> str | None:
    """`href` stripped and resolved against `base`; None unless the result is an http(s) URL."""
    if not href or not href.strip():
        return None
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return None
    return url if parts.scheme in WEB_SCHEMES and parts.netloc else None


def clean_text(text: str | None) -> str | None:
    """One line of plain text from a title that may carry HTML tags and entities, or None."""
    if text is None:
        return None
    plain = html.unescape(_TAG_RE.sub("", text))
    return _SPACE_RE.sub(" ", plain).strip() or None


def unique_keywords(values: Iterable[str | None]) -> tuple[str, ...]:
    """Keywords stripped, empty ones dropped, each kept once in first-seen order."""
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def as_text(value: object) -> str | None:
    """A JSON value as text only if it is a string; feeds and APIs put nulls anywhere."""
    return value if isinstance(value, str) else None
