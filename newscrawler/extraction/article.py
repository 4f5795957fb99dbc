"""One page to one article: the single way from fetched bytes to an `Article` or the reason there
is none, shared by the spider, `newscrawler extract`, the fixture tool, the rendering path and
the benchmarks, so they cannot disagree about a page.

    bytes + content type --> not HTML? empty? binary? --> decoded text --> the site's page class
        --> every layer (site, JSON-LD, meta, generic DOM, the shell's embedded JSON)
        --> not an article? --> stamped Article

Pure apart from the clock read for `fetched_at` when none is given; no Scrapy, no settings.
Normalization and validation stay with the pipelines (and `newscrawler extract`, which runs them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from newscrawler.extraction.encoding import decode_html
from newscrawler.extraction.page import ArticlePage
from newscrawler.items import Article
from newscrawler.safety.pages import binary_problem

if TYPE_CHECKING:
    from newscrawler.sites import Site

logger = logging.getLogger(__name__)

__all__ = ["GENERIC_SITE_ID", "HTML_TYPES", "ArticleOrReason", "page_to_article"]

# The site id of a page no registered site owns (read by the generic layers alone).
GENERIC_SITE_ID = "generic"
# Content types of a page worth reading; a missing type is judged by the bytes.
HTML_TYPES = ("text/html", "application/xhtml")


@dataclass(frozen=True)
class ArticleOrReason:
    """The article of one page, or the reason there is none.

    Reasons (the rejects-file vocabulary): `not-html` (a non-HTML content type, or binary data
    served as HTML), `empty-response`, `extraction-error` (a bug met on this page: logged with
    its traceback, never raised) and `not-article/<kind>` (a home, list, live-blog, video or
    paywall-stub page, `extraction/classify.py`)."""

    article: Article | None
    """The stamped article (`site`, `fetched_at` set), before the pipelines; None with a reason."""
    reason: str | None = None
    detail: str = ""
    """What a person reads in the rejects file: the content type, what the bytes are, the error,
    or what kind of page it is."""
    page: ArticlePage | None = None
    """The page that was read, when it was (every reason but the first three): the rendering
    path asks it whether its text is still missing, the benchmarks score a not-article's text."""


def page_to_article(
    site: Site | None,
    url: str,
    body: bytes,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
) -> ArticleOrReason:
    """The article `site`'s page class reads from `body` (fetched from `url`, served as
    `content_type`), stamped with the site id (`generic` without a site) and `fetched_at` (now,
    UTC, when not given); or why there is none. Bytes become text by the page's own evidence
    (BOM, valid UTF-8, then the declared labels), not a header-first rule: servers mislabel
    UTF-8 pages."""
    declared = (content_type or "").lower()
    if declared and not declared.startswith(HTML_TYPES):
        return ArticleOrReason(None, "not-html", declared)
    if not body.strip():
        return ArticleOrReason(None, "empty-response")
    binary = binary_problem(body)
    if binary:
        return ArticleOrReason(None, "not-html", binary)
    site_id = site.id if site is not None else GENERIC_SITE_ID
    try:
        html = decode_html(body, declared or None).text
        page = (site.page_class if site is not None else ArticlePage)(url, html)
        # One text node over the parser's limit: what it read is not the page.
        too_large = page.too_large
        if too_large:
            return ArticleOrReason(None, "too-large", too_large)
        article = page.extract()
        # Judged on the final text, which a shell's embedded data may have supplied.
        kind = page.not_article_kind(article.body)
    except Exception as exc:  # a broken page must never stop a crawl or a batch
        logger.exception("extraction failed for %s", url)
        return ArticleOrReason(None, "extraction-error", repr(exc))
    if kind:
        return ArticleOrReason(None, f"not-article/{kind}", f"a {kind} page, not one article", page)
    article.site = site_id
    article.fetched_at = (fetched_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ArticleOrReason(article, page=page)
