"""Script-built pages: recognize an article shell, and read the article text it already carries.

A page whose text is inserted by JavaScript usually arrives as an empty app root plus script
bundles ("shell"). Many such pages still ship the article in data the scripts start from: JSON-LD
`articleBody`, Next.js `__NEXT_DATA__`, or a `window.__INITIAL_STATE__ = {...}` store. Reading
that is far cheaper than rendering the page, and usually complete. Pure functions of the HTML,
like the rest of `newscrawler.extraction`; the spider decides what to do with the answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from newscrawler.extraction.structured import read_json_ld
from newscrawler.extraction.text import clean_text

__all__ = [
    "SHELL_MIN_ARTICLE_CHARS",
    "EmbeddedArticle",
    "embedded_article",
    "is_script_shell",
    "visible_text_chars",
]

# Containers single-page-app frameworks mount into (React, Next.js, Nuxt, Gatsby, Vue, Angular).
XPATH_APP_ROOT = (
    "//*[@id='root' or @id='app' or @id='__next' or @id='__nuxt' or @id='___gatsby'"
    " or @id='app-root' or @id='main-app' or @data-reactroot or @ng-version]"
    " | //app-root"
)
XPATH_SCRIPT_BUNDLE = "//script[@src]"
XPATH_INLINE_SCRIPT = "//script[not(@src)]/text()"
# Elements whose text a reader never sees (relative: applied to a copy of one element).
XPATH_INVISIBLE = ".//script | .//style | .//noscript | .//template | .//svg"
XPATH_NEXT_DATA = "//script[@id='__NEXT_DATA__']/text()"
# Paragraph-level elements of an HTML string held in JSON.
XPATH_HTML_BLOCKS = "//p | //h2 | //h3 | //h4 | //li | //blockquote"

# A page with less visible text than this in its <body> cannot be showing an article yet.
SHELL_MAX_VISIBLE_CHARS = 200
# An app root with less text than this was left for the scripts to fill.
EMPTY_ROOT_MAX_CHARS = 40
# Inline code this large builds the page even without a <script src> bundle.
INLINE_BUNDLE_MIN_CHARS = 500
# A shell whose markup shows less article text than this has not shown its article yet: its
# scripts' data is read instead, when that holds at least this much (the default of
# NEWSCRAWLER_RENDER_MIN_BODY_CHARS, the rendering's own test of "the text is there").
SHELL_MIN_ARTICLE_CHARS = 200

# `window.__INITIAL_STATE__ = {...}` and the like (Redux, Vuex, Apollo, Nuxt 2, in-house names).
_STATE_ASSIGN_RE = re.compile(
    r"(?:window|self|globalThis)\s*\.\s*(__[A-Z][A-Z0-9_]*__)\s*=\s*"
    r"|(?:window|self|globalThis)\s*\[\s*[\"'](__[A-Z][A-Z0-9_]*__)[\"']\s*\]\s*=\s*"
)
_JSON_PARSE_RE = re.compile(r"JSON\.parse\(\s*")
_TAG_RE = re.compile(r"<[a-zA-Z/!][^>]*>")
# Keys under which page-state JSON keeps the article text (compared casefolded, no separators).
_BODY_KEYS = frozenset(
    {
        "articlebody",
        "body",
        "bodyhtml",
        "bodytext",
        "content",
        "contenthtml",
        "contenttext",
        "html",
        "text",
        "paragraphs",
        "blocks",
        "storybody",
        "fulltext",
    }
)
_TITLE_KEYS = ("headline", "title", "name")
_PART_TEXT_KEYS = ("text", "content", "value", "html", "body")


@dataclass(frozen=True)
class EmbeddedArticle:
    """Article text found in data the page carries, with where it was found."""

    paragraphs: list[str]
    source: str
    """`json-ld` (articleBody), `next-data` (`__NEXT_DATA__`) or the state variable's name in
    kebab case (`initial-state` for `window.__INITIAL_STATE__`)."""
    title: str | None = None
    """The headline stored next to the text, when there is one."""

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)

    @property
    def layer(self) -> str:
        """The extraction layer it counts as: JSON-LD is its own layer; page-state JSON is read
        by generic, site-agnostic rules."""
        return "json-ld" if self.source == "json-ld" else "generic"


def _parse(html: str) -> lxml_html.HtmlElement | None:
    try:
        return lxml_html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        return None


def visible_text_chars(element: lxml_html.HtmlElement) -> int:
    """Characters of text a reader would see in `element` (scripts, styles and the like left out),
    whitespace squeezed."""
    copy = lxml_html.fromstring(lxml_html.tostring(element, with_tail=False))
    for node in copy.xpath(XPATH_INVISIBLE):
        node.drop_tree()
    return len(" ".join(copy.text_content().split()))


def is_script_shell(html: str) -> bool:
    """True when the page is an article shell built by scripts: it loads script bundles (or
    carries a large inline script) and shows no text yet, either in an empty app root or in the
    whole body."""
    tree = _parse(html)
    if tree is None:
        return False
    inline = sum(len(code) for code in tree.xpath(XPATH_INLINE_SCRIPT))
    if not tree.xpath(XPATH_SCRIPT_BUNDLE) and inline < INLINE_BUNDLE_MIN_CHARS:
        return False
    roots = tree.xpath(XPATH_APP_ROOT)
    if any(visible_text_chars(root) < EMPTY_ROOT_MAX_CHARS for root in roots):
        return True
    body = tree.find("body")
    return visible_text_chars(body if body is not None else tree) < SHELL_MAX_VISIBLE_CHARS


def embedded_article(html: str, min_chars: int = 1) -> EmbeddedArticle | None:
    """The longest article text the page carries in JSON-LD or page-state JSON, if it has at
    least `min_chars` characters; JSON-LD first when it is long enough (it names its field)."""
    tree = _parse(html)
    if tree is None:
        return None
    from_ld = _from_json_ld(tree)
    if from_ld is not None and from_ld.chars >= min_chars:
        return from_ld
    best: EmbeddedArticle | None = None
    for source, data in _page_state(tree):
        found = _longest_text(data, source)
        if found is not None and (best is None or found.chars > best.chars):
            best = found
    return best if best is not None and best.chars >= min_chars else None


def _from_json_ld(tree: lxml_html.HtmlElement) -> EmbeddedArticle | None:
    article = read_json_ld(tree).article or {}
    text = article.get("articleBody")
    if not isinstance(text, str):
        return None
    paragraphs = _paragraphs_of(text)
    if not paragraphs:
        return None
    headline = article.get("headline")
    return EmbeddedArticle(
        paragraphs, "json-ld", clean_text(headline) if isinstance(headline, str) else None
    )


def _page_state(tree: lxml_html.HtmlElement) -> Iterator[tuple[str, Any]]:
    """(source name, parsed JSON) for every page-state object the page carries."""
    for text in tree.xpath(XPATH_NEXT_DATA):
        data = _loads(text)
        if data is not None:
            yield "next-data", data
    for code in tree.xpath(XPATH_INLINE_SCRIPT):
        for match in _STATE_ASSIGN_RE.finditer(code):
            name = match.group(1) or match.group(2)
            data = _value_at(code, match.end())
            if data is not None:
                yield name.strip("_").lower().replace("_", "-"), data


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _value_at(code: str, start: int) -> Any:
    """The JSON value a script assigns at `start`: a literal, or `JSON.parse("...")`."""
    decoder = json.JSONDecoder()
    parse_call = _JSON_PARSE_RE.match(code, start)
    try:
        if parse_call:
            # JSON.parse("...") with a double-quoted JS string: JSON string syntax is a subset.
            literal, _ = decoder.raw_decode(code, parse_call.end())
            return json.loads(literal) if isinstance(literal, str) else None
        value, _ = decoder.raw_decode(code, start)
    except ValueError:
        return None  # JavaScript that is not JSON (functions, single quotes): not readable here
    return value


def _longest_text(data: Any, source: str) -> EmbeddedArticle | None:
    best: EmbeddedArticle | None = None
    for holder, value in _body_candidates(data):
        paragraphs = _paragraphs_of(value)
        chars = sum(len(p) for p in paragraphs)
        if paragraphs and (best is None or chars > best.chars):
            title = next(
                (clean_text(holder[k]) for k in _TITLE_KEYS if isinstance(holder.get(k), str)),
                None,
            )
            best = EmbeddedArticle(paragraphs, source, title or None)
    return best


def _body_candidates(node: Any, depth: int = 0) -> Iterator[tuple[dict[str, Any], Any]]:
    """(the object holding it, value) for every body-like key, depth first; bounded depth so a
    huge or self-similar store cannot make this slow."""
    if depth > 40:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and re.sub(r"[^a-z]", "", key.lower()) in _BODY_KEYS:
                yield node, value
            if isinstance(value, dict | list):
                yield from _body_candidates(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, dict | list):
                yield from _body_candidates(value, depth + 1)


def _paragraphs_of(value: Any) -> list[str]:
    """Paragraphs of a body value: plain text (one per line), an HTML string (one per block
    element), a list of strings, or a list of blocks like `{"type": "paragraph", "text": ...}`."""
    if isinstance(value, str):
        if _TAG_RE.search(value):
            return _html_paragraphs(value)
        return [p for p in (clean_text(line) for line in re.split(r"\r?\n", value)) if p]
    if isinstance(value, list):
        paragraphs: list[str] = []
        for part in value:
            if isinstance(part, dict):
                part = next((part[k] for k in _PART_TEXT_KEYS if isinstance(part.get(k), str)), "")
            if isinstance(part, str):
                paragraphs.extend(_paragraphs_of(part))
        return paragraphs
    return []


def _html_paragraphs(markup: str) -> list[str]:
    tree = _parse(f"<html><body>{markup}</body></html>")
    if tree is None:
        return []
    blocks = [b for b in tree.xpath(XPATH_HTML_BLOCKS) if not b.xpath("ancestor::li | ancestor::p")]
    texts = [clean_text(b.text_content()) for b in blocks] or [clean_text(tree.text_content())]
    return [t for t in texts if t]
