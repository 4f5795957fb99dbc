"""The structured-data layer: JSON-LD, OpenGraph / article:* / Dublin Core / name meta, <time>.

Everything here reads what the page declares about itself; nothing is guessed from layout.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from newscrawler.extraction.text import clean_text
from newscrawler.extraction.urls import canonicalize_url

logger = logging.getLogger(__name__)

__all__ = [
    "ARTICLE_TYPES",
    "XPATH_VISIBLE_TEXT",
    "ElementIndex",
    "JsonLd",
    "Metadata",
    "cleaned_texts",
    "index_elements",
    "read_json_ld",
    "read_metadata",
    "visible_text",
]

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
        "SocialMediaPosting",
    }
)

XPATH_HTML_LANG = "/html/@lang | /html/@xml:lang"
# Microdata properties the layers read (dates); a narrow XPath, since reading every itemprop
# of a large page costs more than the rest of the metadata together.
XPATH_ITEMPROP = "//*[@itemprop='datePublished' or @itemprop='dateModified']"

# The tags the metadata and title layers read, collected in one walk of the tree: each `//tag`
# XPath walks the whole document (~0.25 ms on a news page), and they were eight.
INDEXED_TAGS = ("meta", "link", "time", "title", "h1", "script")
_JSON_LD_TYPES = frozenset({"application/ld+json", "application/json+ld"})


class ElementIndex(dict[str, list[lxml_html.HtmlElement]]):
    """Elements of INDEXED_TAGS by tag, in document order."""

    def of(self, tag: str) -> list[lxml_html.HtmlElement]:
        return self.get(tag, [])


def index_elements(tree: lxml_html.HtmlElement) -> ElementIndex:
    index = ElementIndex()
    for element in tree.iter(*INDEXED_TAGS):
        index.setdefault(element.tag, []).append(element)
    return index


_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class JsonLd:
    """The article object a page declares in JSON-LD, and the objects around it."""

    article: dict[str, Any] | None = None
    breadcrumb: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    # Names of the Person objects by their @id: an article's author is often only a reference
    # ({"@id": ".../#/schema/person/1"}) to a Person elsewhere in the @graph.
    people: dict[str, str] = field(default_factory=dict)


@dataclass
class Metadata:
    """Values from <meta>, <link rel=canonical>, <html lang> and <time>, by lowercased key."""

    values: dict[str, list[str]] = field(default_factory=dict)
    canonical: str | None = None
    html_lang: str | None = None
    times: list[str] = field(default_factory=list)
    itemprops: dict[str, list[str]] = field(default_factory=dict)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.values.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *keys: str) -> list[str]:
        return [v for key in keys for v in self.values.get(key, ()) if v.strip()]


def _loads_tolerant(text: str) -> Any:
    """json.loads, then again after removing what breaks real pages' JSON-LD: control characters
    inside strings, trailing commas, HTML comments wrapped around the data, several objects
    concatenated."""
    text = text.strip()
    if text.startswith("<!--"):
        text = text.removeprefix("<!--").removesuffix("-->").strip()
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    repaired = _TRAILING_COMMA_RE.sub(r"\1", _CONTROL_RE.sub(" ", text))
    try:
        return json.loads(repaired, strict=False)
    except (ValueError, RecursionError):
        pass
    # Several top-level objects one after another: decode them one by one.
    decoder = json.JSONDecoder(strict=False)
    items: list[Any] = []
    index = 0
    while index < len(repaired):
        while index < len(repaired) and repaired[index] in " \t\r\n;,":
            index += 1
        if index >= len(repaired):
            break
        try:
            obj, index = decoder.raw_decode(repaired, index)
        except (ValueError, RecursionError):
            break
        items.append(obj)
    return items or None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD document: top-level lists, @graph and nested values."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                yield from _walk(node[key])


def types_of(obj: dict[str, Any]) -> list[str]:
    value = obj.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return [v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)]


def read_json_ld(
    tree: lxml_html.HtmlElement, url: str | None = None, index: ElementIndex | None = None
) -> JsonLd:
    """Find the page's article object. With several articles in one page (a @graph of related
    stories): the one whose `url`, `@id` or `mainEntityOfPage` is the page's URL, else the one
    with the longest `articleBody`, else the first with a headline."""
    result = JsonLd()
    candidates: list[dict[str, Any]] = []
    scripts = (index if index is not None else index_elements(tree)).of("script")
    for script in scripts:
        if (script.get("type") or "").strip().lower() not in _JSON_LD_TYPES:
            continue
        data = _loads_tolerant(script.text or "")
        if data is None:
            logger.debug("unparseable JSON-LD block skipped")
            continue
        for obj in _walk(data):
            obj_types = types_of(obj)
            result.types.extend(obj_types)
            if ARTICLE_TYPES.intersection(obj_types):
                candidates.append(obj)
            elif "BreadcrumbList" in obj_types and not result.breadcrumb:
                result.breadcrumb = _breadcrumb_names(obj)
            elif "Person" in obj_types:
                ref, name = obj.get("@id"), obj.get("name")
                if isinstance(ref, str) and isinstance(name, str):
                    result.people[ref] = name
    own = [c for c in candidates if url and _names_url(c, url)] if len(candidates) > 1 else []
    if own:
        result.article = own[0]
    elif candidates:
        with_body = [c for c in candidates if isinstance(c.get("articleBody"), str)]
        if with_body:
            result.article = max(with_body, key=lambda c: len(c["articleBody"]))
        else:
            with_headline = [c for c in candidates if c.get("headline")]
            result.article = (with_headline or candidates)[0]
    return result


def _breadcrumb_names(obj: dict[str, Any]) -> list[str]:
    items = obj.get("itemListElement") or []
    names: list[tuple[int, str]] = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        name = item.get("name")
        inner = item.get("item")
        if not name and isinstance(inner, dict):
            name = inner.get("name")
        position = item.get("position", i)
        if isinstance(name, str):
            names.append((int(position) if str(position).isdigit() else i, name))
    return [n for _, n in sorted(names)]


def _names_url(obj: dict[str, Any], url: str) -> bool:
    """Whether a JSON-LD object says it is the page at `url` (compared canonically)."""
    target = canonicalize_url(url)
    values = [obj.get("url"), obj.get("@id"), obj.get("mainEntityOfPage")]
    for value in values:
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        # "@id" is often the page URL plus a fragment ("#article"); canonical form drops it.
        if (
            isinstance(value, str)
            and value.startswith("http")
            and canonicalize_url(value) == target
        ):
            return True
    return False


def read_metadata(
    tree: lxml_html.HtmlElement, index: ElementIndex | None = None, html: str | None = None
) -> Metadata:
    """`html`, the page's text when at hand, lets a page without microdata dates skip their
    XPath (it tests every element)."""
    index = index if index is not None else index_elements(tree)
    meta = Metadata()
    for element in index.of("meta"):
        content = element.get("content")
        key = element.get("property") or element.get("name") or element.get("itemprop")
        if content is None or not key:
            continue
        meta.values.setdefault(key.strip().lower(), []).append(content)
    canonical = [
        href
        for link in index.of("link")
        if (link.get("rel") or "").strip().lower() == "canonical"
        and (href := link.get("href")) is not None
    ]
    meta.canonical = canonical[0].strip() if canonical else None
    lang = tree.xpath(XPATH_HTML_LANG)
    meta.html_lang = str(lang[0]).strip() if lang else None
    meta.times = [
        value
        for time in _article_times(tree, index)
        if (value := time.get("datetime")) is not None and not _elsewhere(time)
    ]
    if html is not None and "datePublished" not in html and "dateModified" not in html:
        return meta
    for element in tree.xpath(XPATH_ITEMPROP):
        prop = element.get("itemprop", "").strip()
        value = element.get("content") or element.get("datetime")
        if value is None and element.tag not in ("div", "article", "section", "body", "main"):
            value = element.text_content()
        if prop and value:
            meta.itemprops.setdefault(prop, []).append(value.strip())
    return meta


def _article_times(tree: lxml_html.HtmlElement, index: ElementIndex) -> list[lxml_html.HtmlElement]:
    """<time> elements that date the article: marked up (itemprop) or inside an <article>;
    on a page with neither, those after its first <h1> (a date line under the headline; one
    above it is more often a header's today)."""
    times = index.of("time")
    if not times:
        return []
    inside = [t for t in times if t.get("itemprop") is not None or _inside(t, "article")]
    if inside or not index.of("h1"):
        return inside
    after: list[lxml_html.HtmlElement] = []
    seen_h1 = False
    for element in tree.iter("h1", "time"):
        if element.tag == "h1":
            seen_h1 = True
        elif seen_h1:
            after.append(element)
    return after


def _inside(element: lxml_html.HtmlElement, tag: str) -> bool:
    return any(a.tag == tag for a in element.iterancestors())


# Places whose <time> dates another text: a related post's teaser (themes mark each one an
# <article> too), a comment, a widget. Matched on the start of a class or id token:
# "comment-metadata", "related-posts", but not a layout's "has-sidebar" or "comments-open"
# on the article itself. A <footer> inside the article is its own ("entry-footer").
_ELSEWHERE_TAGS = frozenset({"nav", "aside"})
_ELSEWHERE_MARKS = ("related", "comment-", "comments-list", "commentlist", "widget", "recommend")


def _elsewhere(element: lxml_html.HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in _ELSEWHERE_TAGS:
            return True
        if ancestor.tag in ("body", "html"):
            continue
        tokens = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".lower().split()
        if any(token.startswith(_ELSEWHERE_MARKS) for token in tokens):
            return True
    return False


# Text a reader sees: no code, and no ruby readings (<rt>/<rp>) over Japanese kanji.
XPATH_VISIBLE_TEXT = (
    ".//text()[not(ancestor::script or ancestor::style or ancestor::template"
    " or ancestor::rt or ancestor::rp)]"
)


def visible_text(element: etree._Element) -> str:
    """An element's text without the code of <script>, <style> and <template> inside it."""
    return "".join(element.xpath(XPATH_VISIBLE_TEXT))


def cleaned_texts(nodes: Iterable[Any]) -> list[str]:
    """Cleaned, non-empty text of nodes: elements (their visible text), attributes, strings."""
    values: list[str] = []
    for node in nodes:
        raw = visible_text(node) if isinstance(node, etree._Element) else str(node)
        if text := clean_text(raw):
            values.append(text)
    return values
