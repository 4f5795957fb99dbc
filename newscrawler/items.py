"""The JSON Lines contract: one `Article` per line, the end product of every spider and pipeline.

`newscrawler/schema/article.schema.json` is the same contract as a JSON Schema file for consumers;
a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ARTICLE_FIELDS", "LAYERS", "Article"]

# Names of the extraction layers, in the order they are tried.
LAYERS = ("site", "json-ld", "meta", "generic", "derived")


@dataclass
class Article:
    """One news article as the crawler writes it."""

    id: str = ""
    """Stable identifier: the first 32 lowercase hex digits of SHA-256 of `canonical_url`."""

    url: str = ""
    """The URL fetched, after redirects (absolute, as the server answered it)."""

    canonical_url: str = ""
    """The page's canonical URL (rel=canonical, og:url, JSON-LD or else `url`), normalized:
    lowercase scheme and host, default port removed, fragment removed, tracking parameters
    (`utm_*`, `fbclid`, `gclid`, ...) removed, remaining query parameters sorted."""

    site: str = ""
    """The site id from the registry (also the spider name), e.g. `jmh`."""

    source: str | None = None
    """The original outlet when the page republishes another outlet's story (e.g. `Kyodo`),
    else null."""

    title: str = ""
    """The visible headline, without a trailing " | Site name" or " - Site name"."""

    subtitle: str | None = None
    """Standfirst or deck, or null."""

    body: list[str] = field(default_factory=list)
    """Paragraphs in reading order; subheadings are their own entries; no page chrome."""

    tags: list[str] = field(default_factory=list)
    """The article's own tags, keywords or topics, split and de-duplicated (first spelling kept)."""

    section: str | None = None
    """The article's section or category, or null."""

    authors: list[str] = field(default_factory=list)
    """Person names, de-duplicated, in page order; no "By", no e-mail addresses."""

    published_at: str | None = None
    """ISO 8601: `2017-03-15T10:04:00+09:00` (with the page's own offset) when the page states a
    time and zone, `2017-03-15` when only the day is known, null when unknown."""

    modified_at: str | None = None
    """Last modification, in the same format as `published_at`; null when the page states none."""

    language: str | None = None
    """BCP 47 language tag of the article text (`en`, `ja`, `pt-BR`), or null."""

    image_url: str | None = None
    """Absolute URL of the article's lead image, or null."""

    paywalled: bool = False
    """True when the page declares the article is for subscribers (JSON-LD
    `isAccessibleForFree: false`, or a locked content tier): `body` then holds only what the
    page shows without a subscription."""

    word_count: int = 0
    """Words in `body`: whitespace-separated tokens, with each Han, kana or Hangul character
    counted as one word (those scripts do not separate words with spaces)."""

    content_hash: str = ""
    """`sha256:` + hex SHA-256 of the normalized title and body (NFC, collapsed whitespace,
    casefolded, paragraphs joined by newlines): equal text gives an equal hash."""

    fetched_at: str = ""
    """UTC time of the fetch, ISO 8601 with `Z` and second precision: `2026-11-25T19:53:07Z`."""

    revision: int = 1
    """Revision of this article's content: 1 on first sighting."""

    duplicate_of: str | None = None
    """`id` of the earliest copy when this article is a copy of another (syndication); null."""

    extraction: dict[str, str] = field(default_factory=dict)
    """For each filled field, the layer that produced it: `site`, `json-ld`, `meta`, `generic`
    or `derived` (computed from other fields, e.g. `word_count`)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready mapping, fields in schema order; lists and the dict are copies.

        Every field is a string, a number, None, or a flat list or dict of strings, so one level
        of copying is a deep copy: `dataclasses.asdict` gives the same mapping, recursing into
        every string at about 14x the cost (benchmarks/item_path.py)."""
        values: dict[str, Any] = {}
        for name in ARTICLE_FIELDS:
            value = getattr(self, name)
            values[name] = value.copy() if isinstance(value, list | dict) else value
        return values


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Article))

# The fields a page's extraction layers fill; the others are stamped by the spider (`url`,
# `site`, `fetched_at`) or derived by the pipelines (ids, hashes, counts, revisions).
EXTRACTED_FIELDS: tuple[str, ...] = (
    "canonical_url",
    "title",
    "subtitle",
    "body",
    "tags",
    "section",
    "authors",
    "published_at",
    "modified_at",
    "language",
    "image_url",
    "source",
    "paywalled",
)
