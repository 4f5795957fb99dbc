"""Pipeline 1: normalize an extracted article (text, URL, dates, derived fields)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from newscrawler.extraction.dates import parse_datetime
from newscrawler.extraction.language import normalize_language
from newscrawler.extraction.text import clean_text, content_hash, dedupe, word_count
from newscrawler.extraction.urls import absolute_url, article_id, canonicalize_url
from newscrawler.items import Article

__all__ = ["NormalizeArticlePipeline", "is_chrome", "normalize_article"]

# Whole paragraphs that are page furniture whatever the site: buttons, share bars, prompts.
_CHROME_RE = re.compile(
    r"^(?:print|print\s+print|share|share this( article)?|tweet|email|advertisement|"
    r"advertising|ad|read more|related( articles| stories)?|continue reading|"
    r"sign up for (?:our|the) newsletter.*|subscribe( now)?|skip to (?:main )?content|"
    r"back to top|click here to (?:read|subscribe).*|印刷|広告|関連記事|続きを読む|シェア)$",
    re.I,
)


# JSON-LD escapes such as "\ud83d" decode to lone surrogates, which UTF-8 cannot encode: the
# article's line could not be written. Each becomes U+FFFD, as a decoder does with bad bytes.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _without_surrogates(article: Article) -> None:
    for spec in dataclasses.fields(article):
        value = getattr(article, spec.name)
        if isinstance(value, str):
            setattr(article, spec.name, _SURROGATE_RE.sub("\ufffd", value))
        elif isinstance(value, list):
            cleaned = [_SURROGATE_RE.sub("\ufffd", v) if isinstance(v, str) else v for v in value]
            setattr(article, spec.name, cleaned)


def is_chrome(paragraph: str) -> bool:
    return bool(_CHROME_RE.match(paragraph.strip(" .:|>»")))


def normalize_article(article: Article) -> Article:
    """NFC and collapsed whitespace in every text field, empty and chrome paragraphs dropped,
    canonical URL normalized, dates in the schema's ISO form, derived fields computed."""
    _without_surrogates(article)
    article.url = article.url.strip()
    article.canonical_url = canonicalize_url(article.canonical_url or article.url)
    article.id = article_id(article.canonical_url)
    article.title = clean_text(article.title)
    article.subtitle = clean_text(article.subtitle) or None
    article.body = [p for p in (clean_text(p) for p in article.body) if p and not is_chrome(p)]
    article.tags = dedupe(article.tags)
    article.authors = dedupe(article.authors)
    article.section = clean_text(article.section) or None
    article.source = clean_text(article.source) or None
    article.language = normalize_language(article.language)
    article.image_url = absolute_url(article.image_url, article.url)
    # Re-parsing is idempotent for values already in schema form, and converts anything else.
    article.published_at = parse_datetime(article.published_at)
    article.modified_at = parse_datetime(article.modified_at)
    article.word_count = word_count(article.body)
    article.content_hash = content_hash(article.title, article.body)
    for name in ("id", "word_count", "content_hash"):
        article.extraction.setdefault(name, "derived")
    # A field emptied by normalization no longer has a producing layer.
    article.extraction = {
        name: layer
        for name, layer in article.extraction.items()
        if getattr(article, name, None) not in (None, "", [])
    }
    return article


class NormalizeArticlePipeline:
    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            return normalize_article(item)
        return item
