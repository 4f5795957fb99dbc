"""The generic body layer: main text from the DOM with trafilatura, kept as paragraphs."""

from __future__ import annotations

import logging
import re

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import use_config

from newscrawler.extraction.text import clean_text, latin_length

logger = logging.getLogger(__name__)

__all__ = ["extract_paragraphs"]

# trafilatura's fast mode skips its comparison with readability and jusText and is ~3x faster;
# measured on the benchmark corpora it only fails by finding (almost) nothing, so a short fast
# result is retried with the full comparison (benchmarks/extraction.py), except when
# - it is not short once Han, kana and Hangul are weighed as such (400 Japanese characters are a
#   short story, not a miss);
# - it holds most of the article text the page itself declares (JSON-LD articleBody);
# - the page has little more visible text than was found (a short post is the whole page): of
#   185 retries on the corpora, none found more with less than 6 times the text on the page.
# A result far below the declared text is always retried.
RETRY_BELOW_CHARS = 1000
ALWAYS_RETRY_BELOW_CHARS = 300
RETRY_TEXT_RATIO = 6
DECLARED_FOUND_SHARE = 0.8
RETRY_BELOW_SHARE = 0.5
# trafilatura's balanced mode, not favor_precision: on wide-web pages precision drops whole
# sections of articles, sometimes everything, and on the news corpora balanced reads as well or
# better, bar newspaper4k's few pages, where it keeps a comment thread and a member prompt
# (figures in docs/benchmarks.md).
FAVOR_PRECISION = False
# Balanced mode replaces a result under MIN_EXTRACTED_SIZE characters (250 by default) with its
# baseline, all the page's text in one paragraph (a short article's headline and date line
# glued to its paragraphs); only a result shorter than this is worth that rescue.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
# Visible text: what a reader sees, not scripts, styles or noscript fallbacks.
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
)

# Elements of trafilatura's output tree that hold one paragraph each.
_BLOCK_TAGS = frozenset({"p", "head", "item", "quote", "code"})
# A table row is one paragraph when it holds no paragraphs of its own (old layouts put the
# whole article in table cells; trafilatura then nests <p> inside <cell>).
_ROW_TAG = "row"
_SENTENCE_END_RE = re.compile(r"[.!?。！？…][\"'”’」』)）]?$")
_MIN_BROKEN_PARAGRAPH = 60


def _text_with_breaks(element: etree._Element) -> str:
    """The element's text with each <lb/> (a <br> in the page) as a newline: tostring's text
    method would glue the words on either side together."""
    for lb in element.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    return str(etree.tostring(element, method="text", encoding="unicode", with_tail=False))


def _split_at_breaks(raw: str) -> list[str]:
    """Lines of one block joined into paragraphs: a line break after a finished sentence of some
    length is a paragraph break (pages write paragraphs as <br><br>, which trafilatura keeps as
    one break); other breaks (addresses, signatures, verse) become spaces."""
    paragraphs: list[str] = []
    current = ""
    for line in (clean_text(x) for x in raw.split("\n")):
        if not line:
            continue
        if current and len(current) >= _MIN_BROKEN_PARAGRAPH and _SENTENCE_END_RE.search(current):
            paragraphs.append(current)
            current = line
        else:
            current = f"{current} {line}" if current else line
    if current:
        paragraphs.append(current)
    return paragraphs


def extract_paragraphs(
    html: str | HtmlElement, url: str | None = None, expected_chars: int = 0
) -> list[str]:
    """Paragraphs of the main text in reading order (subheadings and list items as their own
    entries); [] when trafilatura finds no main text (see FAVOR_PRECISION). A parsed tree is
    accepted (trafilatura copies it before pruning), which saves a second parse.
    `expected_chars`: the article length the page declares elsewhere (JSON-LD articleBody), to
    tell a fast result that missed the text."""
    # trafilatura reads the <body> alone: it drops <head> anyway, but only after its
    # whole-tree pruning XPaths and its copies of the tree, which then have 7% fewer elements to
    # go through (the same paragraphs on all 1,274 corpus pages, 7-9% less time in trafilatura).
    # The one thing it reads in <head>, a DiscussionForumPosting JSON-LD that keeps a forum's
    # posts as content, does not concern news articles.
    body = html.find("body") if isinstance(html, HtmlElement) else None
    read = html if body is None else body
    paragraphs = _paragraphs(read, url, fast=True)
    found = sum(len(p) for p in paragraphs)
    if found < expected_chars * RETRY_BELOW_SHARE or _may_have_missed(
        html, paragraphs, found, expected_chars
    ):
        slow = _paragraphs(read, url, fast=False)
        if sum(len(p) for p in slow) > found:
            return slow
    return paragraphs


def _may_have_missed(
    html: str | HtmlElement, paragraphs: list[str], found: int, expected_chars: int
) -> bool:
    """Whether a short fast result may have missed the article (see RETRY_BELOW_CHARS)."""
    if found >= RETRY_BELOW_CHARS or latin_length(paragraphs) >= RETRY_BELOW_CHARS:
        return False
    if expected_chars and found >= expected_chars * DECLARED_FOUND_SHARE:
        return False
    if found < ALWAYS_RETRY_BELOW_CHARS or not isinstance(html, HtmlElement):
        return True
    visible = len(" ".join(" ".join(_VISIBLE_TEXT(html)).split()))
    return visible >= found * RETRY_TEXT_RATIO


def _paragraphs(html: str | HtmlElement, url: str | None, fast: bool) -> list[str]:
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_precision=FAVOR_PRECISION,
            fast=fast,
            config=_TRAFILATURA_CONFIG,
            deduplicate=False,
        )
    except Exception:  # trafilatura is third-party; a page must never crash the crawl
        logger.warning("generic body extraction failed for %s", url, exc_info=True)
        return []
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return []
    paragraphs: list[str] = []
    for element in body.iter(*_BLOCK_TAGS, _ROW_TAG):
        # A <p> inside a list item or quote is read with its parent, not twice.
        if any(a.tag in _BLOCK_TAGS for a in element.iterancestors()):
            continue
        if element.tag == _ROW_TAG and next(element.iter(*_BLOCK_TAGS), None) is not None:
            continue
        parts = element.iter("cell") if element.tag == _ROW_TAG else [element]
        raw = " ".join(_text_with_breaks(part) for part in parts)
        paragraphs.extend(_split_at_breaks(raw))
    return paragraphs
