"""Author names: split bylines into people, drop "By", e-mail addresses, roles and outlets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from lxml import html as lxml_html

from newscrawler.extraction.text import clean_text, dedupe
from newscrawler.extraction.wire import wire_name

__all__ = [
    "authors_from_bylines",
    "authors_from_json_ld",
    "is_host_of",
    "looks_like_name",
    "split_authors",
    "surname_last",
]

_BY_RE = re.compile(
    r"^\s*(?:by|written by|text by|story by|von|par|por|di|door|av)\s*[:\-]?\s+", re.I
)
_EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
_SPLIT_RE = re.compile(
    r"\s*(?:,|;|/|\band\b|&|\bund\b|\bet\b|\by\b|\bog\b|\boch\b|\bve\b|・|、)\s*", re.I
)
# Photo and image credits that share the byline element.
_CREDIT_LINE_RE = re.compile(
    r"(?:image|photo|foto|picture|credit)s?\s*:|getty|istock|shutterstock", re.I
)
_URL_RE = re.compile(r"https?://\S+")
# Labels that appear in author slots but are not people.
_NOT_PEOPLE = {
    "staff", "staff writer", "editor", "editors", "admin", "administrator", "reporter",
    "no author", "unknown", "anonymous", "guest", "redaktion", "newsroom",
}  # fmt: skip
# A role or desk written where a name goes: "Yomiuri Shimbun Staff Writers", "Tokyo Correspondent".
_ROLE_RE = re.compile(
    r"\b(?:staff writers?|staff reporters?|correspondents?|reporters?|editors?|contributors?|"
    r"columnists?|photographers?|news service|news desk|bureau|編集部)$",
    re.I,
)
# Japanese bylines put the role after the name: "松岡大地 記者".
_JA_ROLE_SUFFIX_RE = re.compile(r"\s*(?:記者|特派員|撮影|기자|특파원)$")
_SQUASH_RE = re.compile(r"[\W_]+")
# Shorter run-together names ("ab") match hosts by chance.
_MIN_SQUASHED = 6


def split_authors(values: Iterable[str] | str | None, outlets: Iterable[str] = ()) -> list[str]:
    """People named in bylines: "By Jane Doe and John Roe" -> ["Jane Doe", "John Roe"]."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    outlet_keys = {clean_text(o).casefold() for o in outlets if o}
    names: list[str] = []
    for value in values:
        value = _URL_RE.sub(" ", _EMAIL_RE.sub(" ", clean_text(value)))
        value = _BY_RE.sub("", value)
        for part in _SPLIT_RE.split(value):
            part = _JA_ROLE_SUFFIX_RE.sub("", _BY_RE.sub("", part)).strip(" .|-–—:()")
            key = part.casefold()
            if not part or key in _NOT_PEOPLE or key in outlet_keys or len(part) > 60:
                continue
            if _ROLE_RE.search(part) or wire_name(part) or _CREDIT_LINE_RE.search(part):
                # A role, or a wire service (that is the story's `source`, not a person).
                continue
            if any(ch.isdigit() for ch in part):
                continue
            names.append(part)
    return dedupe(names)


def authors_from_json_ld(value: Any, people: Mapping[str, str] | None = None) -> list[str]:
    """Names of Person authors in JSON-LD (strings, objects or lists of either; an object that
    is only an {"@id"} reference is looked up in `people`); Organization authors are skipped
    because the schema wants people."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            kind = item.get("@type", "Person")
            kinds = kind if isinstance(kind, list) else [kind]
            if "Organization" in kinds or "NewsMediaOrganization" in kinds:
                continue
            name = item.get("name")
            if name is None and people and isinstance(item.get("@id"), str):
                name = people.get(item["@id"])
            if isinstance(name, str):
                names.append(name)
            elif isinstance(name, list):
                names.extend(n for n in name if isinstance(n, str))
    return names


def surname_last(name: str) -> str:
    """ "Doe, Jane" (the citation_author form) -> "Jane Doe"; other names unchanged."""
    surname, comma, given = name.partition(",")
    if comma and given.strip() and "," not in given:
        return f"{given.strip()} {surname.strip()}"
    return name


def is_host_of(name: str, url: str) -> bool:
    """Whether `url`'s host is `name` run together: "Jane Doe" at janedoe.com or jane.doe.net."""
    squashed = _SQUASH_RE.sub("", name.casefold())
    if len(squashed) < _MIN_SQUASHED:
        return False
    labels = [_SQUASH_RE.sub("", label) for label in (urlsplit(url).hostname or "").split(".")]
    return any(
        "".join(labels[i:j]) == squashed
        for i in range(len(labels))
        for j in range(i + 1, len(labels) + 1)
    )


# -- bylines in the page's markup ------------------------------------------------------------

# Elements that credit the article's author by their markup: a class or id with "author",
# "byline" or "writer" in any case ("AuthorName", "c-byline"), itemprop="author", rel="author";
# and the <h1>s, so that one XPath gives both in document order. Read through the attributes,
# as XPATH_CREDIT in page.py: one walk over attributes rather than a test of every element.
XPATH_BYLINE = (
    "//@class[contains(., 'uthor') or contains(., 'yline') or contains(., 'riter')]/parent::*"
    " | //@id[contains(., 'uthor') or contains(., 'yline')]/parent::*"
    " | //@itemprop[contains(., 'uthor')]/parent::*"
    " | //@rel[. = 'author']/parent::a"
    " | //h1"
)
# Regions whose names are not this article's byline: comments, lists of other stories, sidebars,
# share bars, author pictures and bios, reviewers and editors credited beside the author.
_NOT_BYLINE_RE = re.compile(
    r"comment|related|sidebar|widget|recommend|popular|trending|newsletter|share|social|promo"
    r"|teaser|carousel|slider|avatar|image|photo|thumb|(?<![a-z])bio|description|follow"
    r"|review|fact-?check|editor|signup|subscribe|login",
    re.I,
)
_NOT_BYLINE_TAGS = frozenset(
    {"footer", "nav", "aside", "figure", "figcaption", "form", "button", "select", "label"}
)
# Their classes describe the whole story (WordPress: "has-post-thumbnail tag-social-media").
_WHOLE_PAGE_TAGS = frozenset({"html", "body", "main", "article"})
# Skipped inside a byline: its date, and text a reader does not see.
_SKIPPED_TAGS = frozenset({"time", "script", "style", "noscript", "template", "button", "svg"})
# A byline element longer than this is a bio or a whole block, not a credit line.
_MAX_BYLINE_CHARS = 150
# How far up from the first byline element its fellow credits are gathered ("By <a>A</a> and
# <a>B</a>" puts each name in an element of its own), and how long that container may be.
_GROUP_LEVELS = 2
_MAX_GROUP_CHARS = 300
# Words that make a byline fragment page text, not a name: dates, "Updated", calls to action.
_NOT_NAME_WORDS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "today", "yesterday", "ago", "min", "mins", "minute", "minutes", "hour",
    "hours", "read", "reading", "updated", "update", "published", "posted", "on", "at", "in", "of",
    "for", "the", "about", "more", "all", "view", "see", "articles", "article", "posts", "post",
    "profile", "archive", "archives", "contact", "email", "share", "follow", "twitter", "facebook",
    "linkedin", "instagram", "comments", "comment", "reply", "login", "subscribe", "home", "menu",
    "search", "written", "author", "authors", "by", "show", "uhr", "am", "um", "aktualisiert",
    "veröffentlicht", "weitere", "artikel", "mehr", "alle", "anzeigen", "weiter", "mis", "jour",
    "publié", "publicado", "actualizado", "el", "los", "las", "en",
})  # fmt: skip
# Lower-case words inside a name: "Ludwig van Beethoven", "Ursula von der Leyen".
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "da", "das", "do", "dos", "du", "di", "del", "della",
    "la", "le", "bin", "ibn", "al", "ter", "y", "e",
})  # fmt: skip
_MAX_NAME_WORDS = 5
_NAME_WORD_RE = re.compile(r"^[\w'’.\-]+$")
# Joins between the parts of a byline that are not names: "|", "•", "·", "—".
_BYLINE_SEPARATORS_RE = re.compile(r"\s*[|•·▪◦—–]\s*|\s+-\s+")
_LABEL_RE = re.compile(
    r"^(?:(?:posted|written|published|reported|text|words|story|geschrieben|verfasst)\s+(?:by|von)"
    r"|author|autor|autorin|auteur|autore|by|von|par|por|di|door|av)\s*[:\-]?\s*",
    re.I,
)


def looks_like_name(value: str) -> bool:
    """Whether a byline fragment reads as a person's name rather than page text: one to five
    words, each capitalized or a name particle, no digits, no date or page words."""
    words = value.split()
    if not words or len(words) > _MAX_NAME_WORDS or len(value) < 2:
        return False
    if any(ch.isdigit() for ch in value):
        return False
    for word in words:
        if not _NAME_WORD_RE.match(word) or word.casefold().strip(".") in _NOT_NAME_WORDS:
            return False
        if len(words) > 1 and not word[0].isupper() and word not in _PARTICLES:
            return False
    return True


def _fragments(element: lxml_html.HtmlElement) -> list[str]:
    """The byline's text in the pieces its markup and separators make, its <time> left out."""
    pieces: list[str] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        if node.text:
            pieces.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIPPED_TAGS:
                pieces.append("\n")
                walk(child)
                pieces.append("\n")
            if child.tail:
                pieces.append(child.tail)

    walk(element)
    out: list[str] = []
    for line in "".join(pieces).split("\n"):
        out.extend(p for p in _BYLINE_SEPARATORS_RE.split(clean_text(line)) if p)
    return out


def _byline_names(element: lxml_html.HtmlElement, outlets: Iterable[str]) -> list[str]:
    names: list[str] = []
    for fragment in _fragments(element):
        fragment = _LABEL_RE.sub("", fragment).strip(" ,:")
        if not fragment or fragment.casefold() in {"and", "und", "et", "y", "&"}:
            continue
        names.extend(n for n in split_authors(fragment, outlets) if looks_like_name(n))
    return names


def _is_byline(element: lxml_html.HtmlElement) -> bool:
    text = element.text_content()
    if len(text) > _MAX_BYLINE_CHARS * 4 or len(clean_text(text)) > _MAX_BYLINE_CHARS:
        return False
    for node in (element, *element.iterancestors()):
        if node.tag in _NOT_BYLINE_TAGS:
            return False
        if node.tag in _WHOLE_PAGE_TAGS:
            continue
        marks = f"{node.get('class', '')} {node.get('id', '')}"
        if _NOT_BYLINE_RE.search(marks):
            return False
    return True


def authors_from_bylines(tree: lxml_html.HtmlElement, outlets: Iterable[str] = ()) -> list[str]:
    """The people a page's byline markup names: the first byline element after the headline
    (else the first on the page) and the credits grouped with it. Names that do not read as
    names ("Read more", "Updated May 3") are dropped: no author is better than a wrong one."""
    outlets = list(outlets)
    found: list[lxml_html.HtmlElement] = []
    after_headline: list[lxml_html.HtmlElement] = []
    seen_h1 = False
    for element in tree.xpath(XPATH_BYLINE):
        if element.tag == "h1":
            seen_h1 = True
            continue
        found.append(element)
        if seen_h1:
            after_headline.append(element)
    candidates = [e for e in (after_headline or found) if _is_byline(e)]
    for first in candidates:
        names = _byline_names(first, outlets)
        if not names:
            continue
        group = first
        for _ in range(_GROUP_LEVELS):
            parent = group.getparent()
            if parent is None or len(clean_text(parent.text_content())) > _MAX_GROUP_CHARS:
                break
            group = parent
        for other in candidates:
            if other is not first and _within(other, group) and not _within(other, first):
                names.extend(_byline_names(other, outlets))
        return dedupe(names)
    return []


def _within(element: lxml_html.HtmlElement, container: lxml_html.HtmlElement) -> bool:
    return element is container or any(a is container for a in element.iterancestors())
