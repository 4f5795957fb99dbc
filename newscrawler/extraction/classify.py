"""Is this page an article? Home pages, tag and section lists, live-blog hubs, video pages and
paywall stubs are recognized from what the page declares about itself and from its shape, so
they are skipped with a reason instead of becoming junk articles.

Signals are conservative: a page that declares an article type in JSON-LD is an article unless
it declares itself a live blog. A paywalled article is an article: what it shows is written,
marked `paywalled`; only one that shows no text at all is a paywall stub.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from newscrawler.extraction.structured import ARTICLE_TYPES, JsonLd, Metadata

__all__ = [
    "NOT_ARTICLE_KINDS",
    "declared_paywall",
    "ld_paywall",
    "meta_paywall",
    "not_article_kind",
]

NOT_ARTICLE_KINDS = ("home", "list", "live-blog", "video", "paywall-stub")

_LISTING_TYPES = {"CollectionPage", "SearchResultsPage", "ProfilePage"}
# ItemList and WebSite are declared by listicles, guides and product pages as often as by lists
# (and WebSite by every page of many themes): evidence of a list only without a WebPage beside
# them, on a page that does not read as an article.
# A page of one item: a recipe, a forum thread, a review, a how-to, an FAQ. Not an article
# type, but no list either: weak list evidence does not outweigh it.
_SINGLE_ITEM_TYPES = {"Recipe", "DiscussionForumPosting", "Review", "HowTo", "FAQPage"}
_VIDEO_TYPES = {"VideoObject", "VideoGallery"}
# Paths of listings: tag, topic, category, section and author pages, archives, pagination; not
# an archive's article, named by a long number ("/archive/63076").
_LIST_PATH_RE = re.compile(
    r"/(?:tags?|topics?|themen|category|categories|section|sections|author|authors|archive|"
    r"archives|search)(?:/(?!\d{5,}/?$)[^/]+)?/?$|/page/\d+/?$",
    re.I,
)
# A dated path ending in a slug of words ("/2026/01/06/just-coup-it-le-survetement"): with
# og:type article, the page names itself one story, whatever types its JSON-LD lists.
_DATED_SLUG_RE = re.compile(r"/(?:19|20)\d\d/\d{1,2}/(?:\d{1,2}/)?[^/]*[^\W\d_][^/]*-[^/]+/?$")
# A query naming one item of the site: a post, a page, an article id.
_ITEM_QUERY_RE = re.compile(r"(?:^|&)(?:p|page_id|id|article|artikel|story|post|news)=[^&]", re.I)
# Below this much text, a page that declares itself a website is a list or a landing page.
_STUB_CHARS = 400
# A body this long, most of it in paragraphs this long, reads as an article: a list path or a
# weak listing type does not outweigh it (teasers are a line or two each).
_ARTICLE_CHARS = 2500
_PROSE_PARAGRAPH_CHARS = 200
_PROSE_SHARE = 0.5
# Content tiers that mean "for subscribers" (Piano's `article:content_tier`, `content_tier`).
_LOCKED_TIERS = frozenset({"locked", "premium", "paid", "subscriber", "subscribers"})
_VIDEO_TEXT_CHARS = 300


def not_article_kind(
    url: str,
    json_ld: JsonLd,
    meta: Metadata,
    body: Sequence[str],
) -> str | None:
    """One of NOT_ARTICLE_KINDS when the page is not an article, else None."""
    types = set(json_ld.types)
    article_types = types & ARTICLE_TYPES
    text_chars = sum(len(p) for p in body)
    # A live blog's updates are its article (a news consumer reads them, and a later visit
    # writes the grown page as a new revision); only a hub that shows none is skipped.
    if "LiveBlogPosting" in types and text_chars < _STUB_CHARS:
        return "live-blog"
    if text_chars == 0 and declared_paywall(json_ld, meta):
        return "paywall-stub"
    if article_types:
        return None
    parts = urlsplit(url)
    path = parts.path
    og_type = (meta.first("og:type") or "").lower()
    # The root with a query is a page of the site, not its home: WordPress's "/?p=3289".
    if not _ITEM_QUERY_RE.search(parts.query) and (
        path in ("", "/") or re.fullmatch(r"/(?:index\.\w+|[a-z]{2}(?:-[a-z]{2})?/?)", path, re.I)
    ):
        return "home"
    if (types & _VIDEO_TYPES or og_type.startswith("video")) and text_chars < _VIDEO_TEXT_CHARS:
        return "video"
    if types & _LISTING_TYPES and "WebPage" not in types:
        return "list"
    # Weak list evidence: an ItemList beside no WebPage; a WebSite beside no WebPage on a page
    # that does not declare itself one article (og:type article) or one item.
    weak_types = "WebPage" not in types and (
        "ItemList" in types
        or ("WebSite" in types and og_type != "article" and not types & _SINGLE_ITEM_TYPES)
    )
    if (
        (weak_types or _LIST_PATH_RE.search(path))
        and not _reads_as_article(body)
        and not (og_type == "article" and _DATED_SLUG_RE.search(path))
    ):
        return "list"
    if og_type == "website" and text_chars < _STUB_CHARS:
        return "list"
    return None


def _reads_as_article(body: Sequence[str]) -> bool:
    """Long text, mostly in paragraphs of some length: an article's, not a list of teasers."""
    chars = sum(len(p) for p in body)
    prose = sum(len(p) for p in body if len(p) >= _PROSE_PARAGRAPH_CHARS)
    return chars >= _ARTICLE_CHARS and prose >= chars * _PROSE_SHARE


def declared_paywall(json_ld: JsonLd, meta: Metadata) -> bool:
    """Whether the page says its article is for subscribers (`ld_paywall` or `meta_paywall`)."""
    return ld_paywall(json_ld) or meta_paywall(meta)


def ld_paywall(json_ld: JsonLd) -> bool:
    """JSON-LD `isAccessibleForFree` false on the article or on a part of it (Google's
    paywalled-content markup)."""
    article = json_ld.article or {}
    parts = article.get("hasPart")
    parts = parts if isinstance(parts, list) else [parts]
    for holder in (article, *(p for p in parts if isinstance(p, dict))):
        if str(holder.get("isAccessibleForFree", "")).strip().lower() in ("false", "no", "0"):
            return True
    return False


def meta_paywall(meta: Metadata) -> bool:
    """A locked content tier in the meta tags."""
    tier = meta.first("article:content_tier", "content_tier") or ""
    return tier.strip().lower() in _LOCKED_TIERS
