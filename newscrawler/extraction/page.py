"""Layered article extraction: a pure function of (url, html) that fills an `Article`.

Each field is tried layer by layer: the site's own rules (`SELECTORS` and `site_*` hooks of a
subclass), then structured data (JSON-LD), then meta tags, then the generic DOM layer. The first
layer that gives a value wins and is recorded in `Article.extraction`. No layer invents a value.
Body is the one exception to the order: JSON-LD `articleBody` has lost its paragraph breaks on
most sites, so it comes after the generic DOM layer, as a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, ClassVar

from lxml import etree
from lxml import html as lxml_html

from newscrawler.extraction.authors import (
    authors_from_author_links,
    authors_from_byline_text,
    authors_from_bylines,
    authors_from_json_ld,
    is_host_of,
    split_authors,
    surname_last,
)
from newscrawler.extraction.body import extract_paragraphs
from newscrawler.extraction.classify import ld_paywall, meta_paywall, not_article_kind
from newscrawler.extraction.dates import PageStamps, find_page_date, in_local_offset, parse_datetime
from newscrawler.extraction.embedded import (
    SHELL_MIN_ARTICLE_CHARS,
    EmbeddedArticle,
    embedded_article,
    is_script_shell,
)
from newscrawler.extraction.language import detect_language, normalize_language
from newscrawler.extraction.structured import (
    ElementIndex,
    JsonLd,
    Metadata,
    cleaned_texts,
    index_elements,
    read_json_ld,
    read_metadata,
    types_of,
)
from newscrawler.extraction.text import (
    clean_text,
    clean_title,
    dedupe,
    split_list,
    without_dateline,
)
from newscrawler.extraction.titles import (
    completed_title,
    headline_of,
    home_link_names,
    host_label,
    is_confirmed,
    loose,
    refined_headline,
    without_bar_tail,
    without_home_name,
)
from newscrawler.extraction.urls import absolute_url
from newscrawler.extraction.wire import find_wire_source, wire_name
from newscrawler.items import EXTRACTED_FIELDS, Article

__all__ = ["EMPTY", "ArticlePage", "Empty"]

# Generic-layer XPaths (markup conventions, never a particular site).
# Elements that credit a story: "credit", "byline", "source" in their class. Read through the
# class attributes, not every element: the same elements on the 1,275 corpus pages, 0.29 instead
# of 0.44 ms a page.
XPATH_CREDIT = (
    "//@class[contains(., 'credit') or contains(., 'byline') or contains(., 'source')]"
    "/parent::*[not(*[3])]"
)
_MAX_CREDIT_CHARS = 60
# Matched at the start only (re.match): as a "^" pattern given to re.sub, the case-insensitive
# one was tried at every position of the page, 9.7 ms on a 2.6 MB page.
_XML_DECLARATION_RE = re.compile(r"\s*<\?xml[^>]*\?>")
_LEADING_DOCTYPE_RE = re.compile(r"\s*<!DOCTYPE[^>]*>", re.I)
# Control characters XML forbids: libxml2 silently drops everything after one. Deleted from the
# UTF-8 bytes with bytes.translate, ~3x faster than a regex over the text.
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
_NONCHARACTERS = ("\ufffe", "\uffff")
# Elements no field reads and every layer drops (their tails stay): an icon's <title> is not
# headline text, and without them trafilatura, htmldate and our XPaths have fewer elements to
# go through (5.5% less time on trafilatura-eval, 9.8% on newspaper4k, in one process; the same
# output on 1,272 of the 1,275 corpus pages, a better body on one, a date on two unlabelled ones).
_INERT_TAGS = ("svg", "style", "template")
# The text is decoded already (encoding.py); lxml reads it back as UTF-8 bytes, which it
# parses faster than a str, and an encoding named here overrides any <meta charset> in the page.
_PARSER = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=False)
# Without huge_tree, libxml2 drops a text node over 10,000,000 bytes (and a deeper DOM than 256
# levels, which is the page's fault, not its size): such a page is too large, not empty.
_DEPTH_LIMIT_MESSAGE = "Excessive depth"
# rel="tag" links are the post's tags; WordPress marks category links rel="category tag" too,
# and a category is the section, not a tag.
XPATH_REL_TAG = (
    "//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]"
    "[not(contains(concat(' ', normalize-space(@rel), ' '), ' category '))]"
)
# Author meta tags, a group at a time: the first group that names someone is the answer (an
# outlet in `author` and the writer in `sailthru.author` must not both be taken as people).
# Words of an outlet's name, which no person's site is named with.
_OUTLET_WORD_RE = re.compile(
    r"\b(?:zeitung|zeitschrift|nachrichten|news|times|journal|magazine?|tribune|herald|gazette"
    r"|daily|radio|tv|media|verlag|rundschau|anzeiger|kurier|presse|press|online|today)\b",
    re.I,
)
_TWITTER_LABEL_PAIRS = 4
_AUTHOR_LABELS = frozenset({"written by", "author", "authors", "by", "autor", "verfasst von"})
_META_AUTHOR_KEYS = (
    ("author", "article:author", "dc.creator", "dcterms.creator", "byl"),
    ("parsely-author", "sailthru.author", "cxenseparse:author", "shareaholic:article_author_name"),
    ("citation_author",),
)

Value = Any
Layer = str


class Empty:
    """The type of `EMPTY`."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = Empty()
"""Returned by a `site_<field>()` hook: this page has no such value, so no later layer may fill
it (e.g. a site whose JSON-LD keywords are paywall flags, not tags)."""


class _FieldIsEmpty(Exception):
    """Raised through the layer wrappers when a site hook returned EMPTY."""


class ArticlePage:
    """The generic page. A site subclasses it to override what the generic layers get wrong:

    - `SITE_NAMES`: names stripped from headlines (" | Name"), besides og:site_name;
    - `SELECTORS`: field -> XPath for the site layer (text of every match; `body` gives one
      paragraph per match, `tags`/`authors` one value per match, other fields the first match);
    - `REMOVE`: XPaths of page chrome removed before any layer reads the page;
    - `site_<field>()` methods for anything an XPath cannot say.
    """

    SITE_NAMES: ClassVar[tuple[str, ...]] = ()
    SELECTORS: ClassVar[Mapping[str, str]] = {}
    REMOVE: ClassVar[tuple[str, ...]] = ()

    def __init__(self, url: str, html: str) -> None:
        self.url = url
        self.html = html
        self._stamps = PageStamps(html)
        self._too_large: str | None = None

    # -- parsed views, each computed once --------------------------------------------------

    @cached_property
    def tree(self) -> lxml_html.HtmlElement:
        try:
            tree = lxml_html.document_fromstring(_parser_input(self.html), parser=_PARSER)
        except (etree.ParserError, ValueError):
            self._too_large = _size_limit_error(_PARSER.error_log)
            tree = lxml_html.document_fromstring("<html></html>")
        else:
            self._too_large = _size_limit_error(_PARSER.error_log)
        for xpath in self.REMOVE:
            for element in tree.xpath(xpath):
                element.drop_tree()
        etree.strip_elements(tree, *_INERT_TAGS, with_tail=False)
        return tree

    @property
    def too_large(self) -> str | None:
        """Why the HTML parser could not read the whole page (a text node over its size limit),
        or None. Such a page is `too-large`: what was parsed is not the page."""
        _ = self.tree
        return self._too_large

    @cached_property
    def elements(self) -> ElementIndex:
        """<meta>, <link>, <time>, <title>, <h1> and <script> elements, found in one walk."""
        return index_elements(self.tree)

    @cached_property
    def json_ld(self) -> JsonLd:
        return read_json_ld(self.tree, self.url, self.elements)

    @cached_property
    def meta(self) -> Metadata:
        return read_metadata(self.tree, self.elements, self.html)

    @property
    def ld(self) -> dict[str, Any]:
        return self.json_ld.article or {}

    def texts(self, xpath: str) -> list[str]:
        """Cleaned text of every node an XPath selects (elements, attributes or strings)."""
        return cleaned_texts(self.tree.xpath(xpath))

    def selected(self, field: str) -> list[str]:
        xpath = self.SELECTORS.get(field)
        return self.texts(xpath) if xpath else []

    def not_article_kind(self, body: Sequence[str] | None = None) -> str | None:
        """Why this page is not an article (home, list, live-blog, video, paywall-stub), judged
        on `body` (default: this page's extracted body). A site may override it."""
        if body is None:
            paragraphs, _ = self.body()
            body = paragraphs or []
        return not_article_kind(self.url, self.json_ld, self.meta, body)

    # -- the layered fields ------------------------------------------------------------------

    def extract(self) -> Article:
        """The article this page holds, with `extraction` naming each field's layer.
        `site`, `fetched_at`, `id`, hashes and counts are left to the spider and pipelines."""
        article = Article(url=self.url)
        record: dict[str, str] = {}
        # The contract's list of extracted fields (items.py), each filled by its namesake method.
        for name in EXTRACTED_FIELDS:
            method: Callable[[], tuple[Value, Layer | None]] = getattr(self, name)
            value, layer = method()
            if value and layer:
                setattr(article, name, value)
                record[name] = layer
        if not article.canonical_url:
            article.canonical_url = self.url
        article.extraction = record
        return article

    @staticmethod
    def _first(*candidates: tuple[Layer, Callable[[], Value]]) -> tuple[Value, Layer | None]:
        for layer, get in candidates:
            try:
                value = get()
            except _FieldIsEmpty:
                return None, None
            if value:
                return value, layer
        return None, None

    def _site_hook(self, field: str) -> Callable[[], Value]:
        hook = getattr(self, f"site_{field}", None)
        if not callable(hook):
            return lambda: None

        def call() -> Value:
            value = hook()
            if value is EMPTY:
                raise _FieldIsEmpty(field)
            return value

        return call

    def _site_one(self, field: str) -> Callable[[], Value]:
        def get() -> Value:
            hooked = self._site_hook(field)()
            if hooked:
                return hooked
            values = self.selected(field)
            return values[0] if values else None

        return get

    def _site_many(self, field: str) -> Callable[[], Value]:
        def get() -> Value:
            return self._site_hook(field)() or self.selected(field)

        return get

    def _ld_text(self, key: str) -> str | None:
        value = self.ld.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        if isinstance(value, dict):
            value = value.get("name") or value.get("@id") or value.get("url")
        return clean_text(value) if isinstance(value, str) else None

    @cached_property
    def site_names(self) -> tuple[str, ...]:
        names = list(self.SITE_NAMES)
        og = self.meta.first("og:site_name", "application-name")
        if og:
            names.append(og)
        publisher = self.ld.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
        label = host_label(self.url)
        if label:
            names.append(label)
        return tuple(names)

    def canonical_url(self) -> tuple[Value, Layer | None]:
        def ld_url() -> str | None:
            value = self.ld.get("mainEntityOfPage")
            if isinstance(value, dict):
                value = value.get("@id")
            return absolute_url(value if isinstance(value, str) else self._ld_text("url"), self.url)

        return self._first(
            ("site", self._site_one("canonical_url")),
            ("meta", lambda: absolute_url(self.meta.canonical, self.url)),
            ("meta", lambda: absolute_url(self.meta.first("og:url"), self.url)),
            ("json-ld", ld_url),
        )

    def title(self) -> tuple[Value, Layer | None]:
        return self._title

    @cached_property
    def _title(self) -> tuple[Value, Layer | None]:
        # The visible headline (the page's <h1>) is the title: the declared ones (JSON-LD,
        # og:title, <title>) are often an SEO variant of it (a kicker prepended, other words, a
        # site suffix). A short <h1> unlike every declared title may be a section name, so
        # then the declared titles come first; one of four words or more reads as a headline.
        def clean(get: Callable[[], str | None], visible: bool = False) -> Callable[[], str]:
            return lambda: clean_title(get(), self.site_names, exact_prefix=visible)

        headline = self.visible_headline()
        confirmed = headline if headline and is_confirmed(headline, self.declared_titles) else None
        if confirmed:
            # Compared with the visible headline word for word: cut as exactly as it is.
            declared = [
                clean_title(d, self.site_names, exact_prefix=True) for d in self.declared_titles
            ]
            confirmed = refined_headline(confirmed, [d for d in declared if d])

        def stated(get: Callable[[], str | None]) -> Callable[[], str]:
            return lambda: self._completed(clean_title(get(), self.site_names))

        def html_title() -> str:
            return self._without_home_name(self._cleaned_html_title)

        value, layer = self._first(
            ("site", clean(self._site_one("title"))),
            ("generic", clean(lambda: confirmed, visible=True)),
            ("json-ld", stated(lambda: self._ld_text("headline") or self._ld_text("name"))),
            ("meta", stated(lambda: self.meta.first("og:title", "twitter:title", "dc.title"))),
            ("generic", clean(lambda: headline, visible=True)),
            ("generic", html_title),
            ("json-ld", lambda: self._page_data_title("json-ld")),
            ("generic", lambda: self._page_data_title("generic")),
        )
        if isinstance(value, str) and layer != "site":
            value = without_bar_tail(value)
            if value[:1].isdigit():
                value = without_dateline(value, self.published_at()[0])
        return value, layer

    def _completed(self, title: str) -> str:
        return completed_title(title, self._cleaned_html_title)

    @cached_property
    def _cleaned_html_title(self) -> str:
        # Read by both declared layers (to complete a cut title) and by the last layer.
        return clean_title(self._html_title(), self.site_names)

    def _without_home_name(self, title: str) -> str:
        return without_home_name(title, home_link_names(self.tree, self.url))

    def _first_h1(self) -> list[str]:
        """Cleaned text of the page's <h1> elements, in document order."""
        return cleaned_texts(self.elements.of("h1"))

    def _html_title(self) -> str | None:
        return next(iter(cleaned_texts(self.elements.of("title"))), None)

    @cached_property
    def declared_titles(self) -> list[str]:
        """The titles the page declares: JSON-LD headline, og:/twitter:title, <title>."""
        found = (
            self._ld_text("headline"),
            self.meta.first("og:title", "twitter:title"),
            self._html_title(),
        )
        return [t for t in found if t]

    def visible_headline(self) -> str | None:
        """The page's <h1> that is the article's headline (titles.py:headline_of)."""
        return headline_of(self.elements.of("h1"), self.site_names, self.declared_titles, self.url)

    def subtitle(self) -> tuple[Value, Layer | None]:
        return self._first(
            ("site", self._site_one("subtitle")),
            ("json-ld", lambda: self._ld_text("alternativeHeadline")),
        )

    @cached_property
    def _generic_body(self) -> list[str]:
        # Our parsed tree, with the site's REMOVE list applied, is what trafilatura reads.
        declared = self.ld.get("articleBody")
        expected = len(declared) if isinstance(declared, str) else 0
        return extract_paragraphs(self.tree, self.url, expected)

    def body(self) -> tuple[Value, Layer | None]:
        # Source, language and the not-an-article check read the body too: computed once.
        return self._body

    @cached_property
    def _body(self) -> tuple[Value, Layer | None]:
        def generic() -> list[str]:
            paragraphs = list(self._generic_body)
            # trafilatura keeps the headline as the first heading; the title has its own field.
            # Compared loosely (quotes, case, spacing): JSON-LD and the h1 often differ so.
            first_h1 = self._first_h1()[:1] if paragraphs else []
            headlines = {loose(h) for h in (self.title()[0], *first_h1) if h}
            # A date line above the text ("17:41 JST, October 13, 2024") has its own fields.
            while paragraphs and (
                loose(paragraphs[0]) in headlines
                or (
                    len(paragraphs[0]) <= _MAX_DATE_LINE_CHARS
                    and _DATE_LINE_RE.fullmatch(paragraphs[0])
                )
            ):
                paragraphs.pop(0)
            return paragraphs

        def ld_body() -> list[str]:
            text = self.ld.get("articleBody")
            if not isinstance(text, str):
                return []
            return [p for p in (clean_text(x) for x in re.split(r"\n\s*\n|\r?\n", text)) if p]

        return self._first(
            ("site", self._site_many("body")),
            ("json-ld", lambda: self._page_data_body("json-ld")),
            ("generic", lambda: self._page_data_body("generic")),
            ("generic", generic),
            ("json-ld", ld_body),
        )

    # -- the embedded-JSON layer: a script-built shell's own data ---------------------------

    @cached_property
    def page_data(self) -> EmbeddedArticle | None:
        """The article a script-built shell carries in its scripts' data (JSON-LD
        `articleBody`, `__NEXT_DATA__`, `window.__INITIAL_STATE__`...) when its markup shows
        too little text (`extraction/embedded.py`); None for every other page. Its text is the
        body ahead of the DOM layers, its headline a title of last resort."""
        shown = sum(len(p) for p in self._generic_body)
        if shown >= SHELL_MIN_ARTICLE_CHARS or not self.script_shell:
            return None
        return embedded_article(self.html, min_chars=SHELL_MIN_ARTICLE_CHARS)

    @cached_property
    def script_shell(self) -> bool:
        """Whether the page is a shell its scripts fill (`extraction/embedded.py`); asked by the
        embedded-JSON layer and by the rendering path, answered once (it parses the page)."""
        return is_script_shell(self.html)

    def _page_data_body(self, layer: Layer) -> list[str]:
        found = self.page_data
        return found.paragraphs if found is not None and found.layer == layer else []

    def _page_data_title(self, layer: Layer) -> str | None:
        found = self.page_data
        return found.title if found is not None and found.layer == layer else None

    def ld_keywords(self) -> list[str]:
        """JSON-LD `keywords` (a string or a list), split; for site hooks that filter them."""
        value = self.ld.get("keywords")
        if isinstance(value, list):
            return split_list([v for v in value if isinstance(v, str)])
        return split_list(value) if isinstance(value, str) else []

    def keywords(self) -> list[str]:
        """JSON-LD keywords, else the `keywords` meta tag, split."""
        return self.ld_keywords() or split_list(self.meta.all("keywords"))

    def tags(self) -> tuple[Value, Layer | None]:
        return self._first(
            ("site", lambda: split_list(self._site_many("tags")())),
            ("json-ld", self.ld_keywords),
            ("meta", lambda: split_list(self.meta.all("article:tag"))),
            ("meta", lambda: split_list(self.meta.all("news_keywords", "keywords"))),
            ("generic", lambda: dedupe(self.texts(XPATH_REL_TAG))),
        )

    def section(self) -> tuple[Value, Layer | None]:
        return self._first(
            ("site", self._site_one("section")),
            ("json-ld", lambda: self._ld_text("articleSection")),
            ("meta", lambda: clean_text(self.meta.first("article:section", "section"))),
        )

    def authors(self) -> tuple[Value, Layer | None]:
        # A personal site is named after its author: there the site's name is a person.
        outlets = [n for n in self.site_names if not self._names_owner(n)]
        first_h1 = next(iter(self.elements.of("h1")), None)

        def meta_authors() -> list[str]:
            for keys in _META_AUTHOR_KEYS:
                values = [v for v in self.meta.all(*keys) if not v.startswith("http")]
                if keys == ("citation_author",):
                    values = [surname_last(v) for v in values]
                if names := split_authors(values, outlets):
                    return names
            # Twitter's label/data pairs: "Written by" / "Jane Doe" (Yoast, many themes).
            for n in range(1, _TWITTER_LABEL_PAIRS + 1):
                label = (self.meta.first(f"twitter:label{n}") or "").strip().casefold()
                if label in _AUTHOR_LABELS:
                    return split_authors(self.meta.all(f"twitter:data{n}"), outlets)
            return []

        return self._first(
            ("site", lambda: split_authors(self._site_many("authors")(), outlets)),
            (
                "json-ld",
                lambda: split_authors(
                    authors_from_json_ld(self.ld.get("author"), self.json_ld.people), outlets
                ),
            ),
            ("meta", meta_authors),
            ("generic", lambda: authors_from_bylines(self.tree, outlets)),
            ("generic", lambda: authors_from_byline_text(first_h1, outlets)),
            ("generic", lambda: authors_from_author_links(first_h1, self.url, outlets)),
        )

    def _names_owner(self, name: str) -> bool:
        """Whether a site name is its owner's, a person: the JSON-LD publisher is a Person of
        that name, or the host is the name run together (janedoe.com, jane.doe.net) and the
        name is no outlet's ("Badische Zeitung" at badische-zeitung.de)."""
        if _OUTLET_WORD_RE.search(name):
            return False
        publisher = self.ld.get("publisher")
        if (
            isinstance(publisher, dict)
            and "Person" in types_of(publisher)
            and clean_text(str(publisher.get("name", ""))).casefold() == name.casefold()
        ):
            return True
        return is_host_of(name, self.url)

    def _date(
        self, site_field: str, ld_key: str, meta_keys: tuple[str, ...], itemprop: str
    ) -> tuple[Value, Layer | None]:
        def from_meta() -> str | None:
            for value in self.meta.all(*meta_keys):
                parsed = parse_datetime(value)
                if parsed:
                    return parsed
            return None

        def from_markup() -> str | None:
            for value in self.meta.itemprops.get(itemprop, []):
                parsed = parse_datetime(value)
                if parsed:
                    return parsed
            if site_field == "published_at":
                # An article's first <time datetime> is its publication time by convention.
                for value in self.meta.times:
                    parsed = parse_datetime(value)
                    if parsed:
                        return parsed
            return None

        def from_page_text() -> str | None:
            # htmldate reads dates from the visible text and, last of all, the URL; it gives the
            # day only, which the schema writes as a bare date.
            if site_field != "published_at":
                return None
            return find_page_date(self.tree, self.url)

        value, layer = self._first(
            ("site", lambda: parse_datetime(self._site_one(site_field)())),
            ("json-ld", lambda: parse_datetime(self._ld_text(ld_key))),
            ("meta", from_meta),
            ("generic", from_markup),
            ("generic", from_page_text),
        )
        return self._local_offset(value), layer

    def _local_offset(self, value: str | None) -> str | None:
        def declared() -> Iterator[str]:
            times = self.elements.of("time")
            yield from (str(t.get("datetime")) for t in times if t.get("datetime"))
            yield from self.meta.all("article:published_time", "article:modified_time")

        return in_local_offset(value, declared(), self._stamps)

    def published_at(self) -> tuple[Value, Layer | None]:
        # The title reads it too (a dateline in the headline): computed once.
        return self._published_at

    @cached_property
    def _published_at(self) -> tuple[Value, Layer | None]:
        return self._date(
            "published_at",
            "datePublished",
            (
                "article:published_time",
                "og:published_time",
                "pubdate",
                "publishdate",
                "date",
                "dc.date.issued",
                "dc.date",
                "dcterms.created",
                "sailthru.date",
            ),
            "datePublished",
        )

    def modified_at(self) -> tuple[Value, Layer | None]:
        return self._date(
            "modified_at",
            "dateModified",
            ("article:modified_time", "og:updated_time", "dcterms.modified", "last-modified"),
            "dateModified",
        )

    def image_url(self) -> tuple[Value, Layer | None]:
        def ld_image() -> str | None:
            value = self.ld.get("image")
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, dict):
                value = value.get("url") or value.get("contentUrl")
            return absolute_url(value, self.url) if isinstance(value, str) else None

        return self._first(
            ("site", lambda: absolute_url(self._site_one("image_url")(), self.url)),
            ("json-ld", ld_image),
            ("meta", lambda: absolute_url(self.meta.first("og:image", "twitter:image"), self.url)),
        )

    def source(self) -> tuple[Value, Layer | None]:
        def ld_source() -> str | None:
            for key in ("sourceOrganization", "isBasedOn"):
                value = self.ld.get(key)
                if isinstance(value, dict) and isinstance(value.get("name"), str):
                    return clean_text(value["name"])
            return None

        def from_body() -> str | None:
            paragraphs, _ = self.body()
            found = find_wire_source(paragraphs or [])
            # A wire service's own dateline on its own site is not a republished source.
            return None if found in own else found

        own = {wire_name(n) for n in self.site_names} - {None}

        def from_credits() -> str | None:
            # A credit or byline element, or the author meta, naming only a wire service.
            for text in (*self.texts(XPATH_CREDIT), *self.meta.all("author", "article:author")):
                found = wire_name(text) if len(text) <= _MAX_CREDIT_CHARS else None
                if found and found not in own:
                    return found
            return None

        return self._first(
            ("site", self._site_one("source")),
            ("json-ld", ld_source),
            ("generic", from_credits),
            ("generic", from_body),
        )

    def paywalled(self) -> tuple[Value, Layer | None]:
        # A site selector names a paywall marker: the page is paywalled when it matches.
        return self._first(
            ("site", lambda: bool(self._site_one("paywalled")())),
            ("json-ld", lambda: ld_paywall(self.json_ld)),
            ("meta", lambda: meta_paywall(self.meta)),
        )

    def language(self) -> tuple[Value, Layer | None]:
        def detected() -> str | None:
            # 1,500 characters tell a language as surely as the whole text, at a third the cost.
            paragraphs, _ = self.body()
            return detect_language(" ".join(paragraphs or [])[:_DETECT_CHARS])

        declared, layer = self._first(
            ("site", lambda: normalize_language(self._site_one("language")())),
            ("json-ld", lambda: normalize_language(self._ld_text("inLanguage"))),
            ("meta", lambda: normalize_language(self.meta.html_lang)),
            (
                "meta",
                lambda: normalize_language(
                    self.meta.first("og:locale", "content-language", "dc.language", "language")
                ),
            ),
        )
        if not declared:
            found = detected()
            return (found, "generic") if found else (None, None)
        # Templates often keep their default lang="en" on pages in other languages: a confident
        # detection on enough article text of another language overrides it. Other declared
        # languages are trusted (the detector costs more than the rest of the metadata).
        paragraphs, _ = self.body()
        text = " ".join(paragraphs or [])
        template_default = str(declared).split("-")[0] == "en"
        if template_default and len(text) >= _MIN_CHARS_TO_OVERRIDE_MARKUP and layer != "site":
            found = detected()
            if found and found.split("-")[0] != str(declared).split("-")[0]:
                return found, "generic"
        return declared, layer


_MIN_CHARS_TO_OVERRIDE_MARKUP = 400
# A line that is only a date and time: digits, month and weekday names (English, abbreviated or
# not), time zones, AM/PM and the punctuation between them, with at least one digit. Tried on
# short lines only (_MAX_DATE_LINE_CHARS).
_DATE_LINE_RE = re.compile(
    r"(?=.*\d)(?:[\s,./:|·-]|\d{1,4}(?:st|nd|rd|th)?|[AaPp]\.?[Mm]\.?|[A-Z]{2,4}T|UTC|GMT"
    r"|(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
    r"|(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\b\.?"
    r"|(?:Updated|Published|Posted)(?: on)?:?)+"
)
_MAX_DATE_LINE_CHARS = 60
_DETECT_CHARS = 1500


def _size_limit_error(log: etree._ListErrorLog) -> str | None:
    for error in log:
        if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT and not error.message.startswith(
            _DEPTH_LIMIT_MESSAGE
        ):
            message = error.message.partition(", try XML_PARSE_HUGE")[0].strip()
            return f"past a size limit of the HTML parser (libxml2: {message})"
    return None


def _parser_input(html: str) -> bytes:
    """The decoded page as UTF-8 bytes lxml parses whole: no XML declaration or DOCTYPE line
    (a "/" in one makes libxml2 stumble), no control characters XML forbids."""
    if not html:
        return b"<html></html>"
    for leading in (_XML_DECLARATION_RE, _LEADING_DOCTYPE_RE):
        if match := leading.match(html):
            html = html[match.end() :]
    for noncharacter in _NONCHARACTERS:
        if noncharacter in html:
            html = html.replace(noncharacter, "")
    # A lone surrogate (a broken page) cannot be encoded: it is dropped, the page goes on.
    data = html.encode("utf-8", "ignore").translate(None, _CONTROL_BYTES)
    return data or b"<html></html>"
