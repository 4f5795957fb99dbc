"""Title rules: which headline the page shows, and how it is cut from the titles it declares.

The title convention (docs/architecture.md): the headline a reader sees, normally the article's
`<h1>`, without site name, section kicker or SEO additions. The declared titles (JSON-LD
headline, og:title, `<title>`) confirm an `<h1>` and give the cuts; the order in which the
layers are tried is in `ArticlePage.title` (page.py). Pure functions of strings and elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from lxml import etree

from newscrawler.extraction.structured import visible_text
from newscrawler.extraction.text import TITLE_SEPARATORS, clean_text
from newscrawler.extraction.urls import absolute_url

__all__ = [
    "completed_title",
    "headline_of",
    "headline_text",
    "home_link_names",
    "host_label",
    "is_confirmed",
    "loose",
    "overlap",
    "refined_headline",
    "without_bar_tail",
    "without_home_name",
]

# Where an <h1> is not the headline: navigation, asides, the footer.
_NOT_HEADLINE_PLACES = frozenset({"nav", "aside", "footer"})
# Class or id words of an <h1> (or its ancestors) that is a logo or site name, not a headline.
_NOT_HEADLINE_MARKS = ("logo", "site-title", "site-name", "sitename", "brand", "masthead")
_MIN_HEADLINE_CHARS = 6
_PAGE_TAGS = frozenset({"body", "html"})
# Share of the <h1>'s words a declared title must contain for the <h1> to be the headline.
_CONFIRMED_OVERLAP = 0.6
# Words of an <h1> that is the headline without a declared title to confirm it (section
# names, the other <h1>s of article pages, are one to three words).
_SELF_EVIDENT_HEADLINE_WORDS = 4
# Elements whose end is a line break in a headline; and those whose text is not seen.
_BLOCK_TAGS = frozenset({"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "header"})
_HIDDEN_TAGS = frozenset({"script", "style", "template", "rt", "rp"})
# Class words of a kicker (topic label) set inside an <h1>; of text hidden from sight.
_KICKER_MARKS = (
    "kicker", "dachzeile", "overline", "topline", "eyebrow", "roofline", "supertitle", "pretitle"
)  # fmt: skip
_HIDDEN_MARKS = ("visually-hidden", "visuallyhidden", "sr-only", "screen-reader", "hiddendash")
_KICKER = "\x01"
_AFTER_KICKER_RE = re.compile(r"\x01[\s\x01]*(?:[:|/\-–—](?:\s|$))?")
_BREAK = "\x00"
_BREAK_BEFORE_PUNCTUATION_RE = re.compile(r"\x00+(?=\s*[:;,.!?])")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})


def headline_of(
    h1s: Iterable[etree._Element], site_names: Iterable[str], declared: Sequence[str], url: str
) -> str | None:
    """The page's <h1> that is the article's headline: not a logo or site name (nor a link to
    the site's home page), not in navigation or asides; of several, the one closest to the
    declared titles."""
    names = {loose(n) for n in site_names}
    candidates = []
    for h1 in h1s:
        if any(a.tag in _NOT_HEADLINE_PLACES for a in h1.iterancestors()):
            continue
        if _links_home(h1, url):
            continue
        text = clean_text(headline_text(h1))
        # The convention's title has no kicker: left out when the markup names it as one.
        headline = clean_text(headline_text(h1, without_kicker=True))
        if headline != text and len(headline) >= _MIN_HEADLINE_CHARS:
            text = headline
        # <body> and <html> classes describe the page, not this element: WordPress marks
        # every page of a theme with a logo "wp-custom-logo".
        marks = " ".join(
            str(a.get("class", "")) + " " + str(a.get("id", ""))
            for a in (h1, *h1.iterancestors())
            if a.tag not in _PAGE_TAGS
        ).lower()
        if len(text) < _MIN_HEADLINE_CHARS or loose(text) in names:
            continue
        if any(mark in marks for mark in _NOT_HEADLINE_MARKS):
            continue
        candidates.append(text)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None

    def closeness(candidate: str) -> tuple[float, int]:
        # Of equally close ones, the longest: a section name ("Fachmeldungen") is often in
        # the <title> as well as the headline is. Unconfirmed ones keep document order.
        best = max((overlap(candidate, d) for d in declared), default=0.0)
        return best, len(candidate) if best else 0

    best = max(candidates, key=closeness)
    # Several <h1>s none of which a declared title confirms: section headings of the text.
    if declared and closeness(best)[0] < _CONFIRMED_OVERLAP:
        return None
    return best


def headline_text(element: etree._Element, without_kicker: bool = False) -> str:
    """An element's visible text with a space where a line break or a block ends: a headline
    set on two lines ("WEEKEND<br>CODING") is two words, not one. `without_kicker`: without
    the elements marked as a kicker (`class="dachzeile"`, "kicker", "overline", ...) and the
    punctuation that separates them for screen readers."""
    parts: list[str] = []
    kickers: list[etree._Element] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if without_kicker and _is_kicker(node):
            kickers.append(node)
            parts.append(_KICKER)
        if tag in _HIDDEN_TAGS or (kickers and kickers[-1] is node):
            parts.append(node.tail or "")
            return
        if tag == "br" or tag in _BLOCK_TAGS:
            parts.append(_BREAK)
        parts.append(node.text or "" if tag else "")
        for child in node:
            walk(child)
        if tag in _BLOCK_TAGS:
            parts.append(_BREAK)
        parts.append(node.tail or "")

    parts.append(element.text or "")
    for child in element:
        walk(child)
    # A break before punctuation is no space ("<div>Kicker</div>: Headline").
    text = _BREAK_BEFORE_PUNCTUATION_RE.sub("", "".join(parts)).replace(_BREAK, " ")
    # What separated a kicker from the headline goes with it ("<span>Kicker</span>: Headline").
    return _AFTER_KICKER_RE.sub("", text).replace(_KICKER, "")


def _is_kicker(node: etree._Element) -> bool:
    """A kicker inside a headline: marked so by its class, or a separator hidden from sight
    (`visually-hidden`, `sr-only`) holding only punctuation."""
    marks = str(node.get("class", "")).lower()
    if any(word in marks for word in _KICKER_MARKS):
        return True
    hidden = any(word in marks for word in _HIDDEN_MARKS) or node.get("aria-hidden") == "true"
    return hidden and not _WORD_RE.search("".join(node.itertext()))


def _links_home(h1: etree._Element, url: str) -> bool:
    """Whether an <h1> is a link to the site's home page, or holds only one: the site's name
    as a logo ("<h1><a href="/">Engora Data Blog</a></h1>"), not a headline."""
    host = urlsplit(url).hostname
    links = [a for a in h1.iterancestors("a")][:1] or list(h1.iter("a"))
    if len(links) != 1:
        return False
    target = urlsplit(absolute_url(links[0].get("href") or "", url) or "")
    if target.hostname != host or target.path not in ("", "/") or target.query:
        return False
    return loose(visible_text(links[0])) == loose(visible_text(h1))


def is_confirmed(headline: str, declared: Sequence[str]) -> bool:
    """Whether the visible headline is the title: long enough to read as a headline, or
    confirmed by a declared title (a short <h1> unlike every declared title may be a section
    name)."""
    return len(headline.split()) >= _SELF_EVIDENT_HEADLINE_WORDS or any(
        overlap(headline, d) >= _CONFIRMED_OVERLAP for d in declared
    )


def refined_headline(headline: str, declared: Sequence[str]) -> str:
    """The confirmed headline with the declared titles' word breaks, without a kicker run
    into it and without a bar-separated suffix; `declared` cut as exactly as the headline is."""
    return _without_suffix(_without_kicker(_separated(headline, declared), declared), declared)


def without_bar_tail(title: str) -> str:
    """A title without a short part after its last bar ("... | Opinion", "... | Top 19
    Companies"): a section or an SEO addition, not the headline's words. A headline of bars
    ("Letters: A | B | C") keeps them."""
    head, bar, tail = title.rpartition(" | ")
    if (
        bar
        and " | " not in head
        and len(tail.split()) <= _MAX_BAR_TAIL_WORDS
        and len(head.split()) >= _SELF_EVIDENT_HEADLINE_WORDS
    ):
        return head.strip()
    return title


def completed_title(title: str, html_title: str) -> str:
    """A declared title cut short by broken markup (`content="Biden de "incapaz""` ends at
    the inner quote) is the start of the <title>: then the <title>, cleaned the same way."""
    if title and len(html_title) > len(title) and html_title.startswith(title):
        rest = html_title[len(title) :]
        if rest[:1] in ('"', "'", "“", "„", "«", "‘") or rest[:2] in (' "', " '", " “", " „"):
            return html_title
    return title


def without_home_name(title: str, home_names: frozenset[str]) -> str:
    """The <title>, read when nothing better names the headline, without a trailing part
    that is the text of a link to the site's home page (its logo or name: "新华网")."""
    for sep in TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and loose(tail) in home_names:
            return head.strip()
    return title


def home_link_names(tree: etree._Element, url: str) -> frozenset[str]:
    """Texts (loosely compared) of links to the site's root, bar generic words ("Home")."""
    host = urlsplit(url).hostname
    names: set[str] = set()
    for link in tree.iter("a"):
        href = link.get("href")
        if not href or href.startswith("#"):
            continue
        target = urlsplit(absolute_url(href, url) or "")
        if target.hostname != host or target.path not in ("", "/") or target.query:
            continue
        text = loose(visible_text(link))
        if len(text) >= 2 and text not in _HOME_WORDS:
            names.add(text)
    return frozenset(names)


def loose(text: str) -> str:
    """Text for loose comparison: cleaned, typographic quotes made plain, casefolded."""
    return clean_text(text).translate(_QUOTES).casefold()


def overlap(a: str, b: str) -> float:
    """Share of `a`'s words found in `b`; of its characters for a short text in a script written
    without spaces (Chinese, Japanese), where a word split finds one or two "words". Characters
    of Latin words say nothing: the letters of a button's "Artikel merken" are all in any
    German headline."""
    wa, wb = loose(a).split(), set(loose(b).split())
    if len(wa) <= 2 and _SPACELESS_RE.search(a):
        wa, wb = list(loose(a)), set(loose(b))
    return sum(1 for w in wa if w in wb) / len(wa) if wa else 0.0


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, Han.
_SPACELESS_RE = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
_SECOND_LEVEL = {
    "co",
    "com",
    "ne",
    "or",
    "ac",
    "go",
    "gov",
    "gv",
    "gob",
    "gouv",
    "org",
    "net",
    "edu",
}
# Texts of home-page links that are no site's name.
_HOME_WORDS = frozenset(
    {"home", "homepage", "start", "startseite", "accueil", "inicio", "portada", "首页", "首頁",
     "ホーム", "トップ", "홈", "news", "blog", "zur startseite", "back to home", "go to homepage"}
)  # fmt: skip


_WORD_RE = re.compile(r"\w+")
# A kicker (topic label) run into the <h1> before the headline: at most this many words.
_MAX_KICKER_WORDS = 6
_MIN_HEADLINE_LETTERS = 12


def _words(text: str) -> list[str]:
    """Casefolded words, without the spaces and punctuation between them."""
    return _WORD_RE.findall(text.casefold())


def _separated(headline: str, declared: Sequence[str]) -> str:
    """The headline as a declared title writes it when the <h1> ran a kicker into it: the
    same letters, but the declared one separates words the markup glued ("DemoDer") or puts
    the kicker's colon or dash back ("Arbeit"Wir" for "Arbeit - "Wir"). Any other difference
    keeps the visible headline."""
    words = _words(headline)
    for title in declared:
        cleaned = clean_text(title)
        title_words = _words(cleaned)
        if "".join(title_words) != "".join(words) or cleaned == headline:
            continue
        if len(title_words) > len(words) or _separators(cleaned) > _separators(headline):
            return cleaned
    return headline


_KICKER_SEPARATOR_RE = re.compile(r":|\s[-–—|]\s")


def _separators(text: str) -> int:
    """Colons and spaced dashes or bars: where a kicker ends and its headline begins."""
    return len(_KICKER_SEPARATOR_RE.findall(text))


def _without_suffix(headline: str, declared: Sequence[str]) -> str:
    """The declared title when the <h1> is that title with a bar-separated suffix ("Headline |
    SITE.NET"): some themes print the document title as the headline. Dashes are left alone
    (a "Product - Variant" headline), and so is a declared title with bars of its own (a
    "Letters: A | B | C" headline)."""
    for title in declared:
        rest = headline[len(title) :] if headline.startswith(title) else ""
        sep = next((sep for sep in _SUFFIX_BARS if rest.startswith(sep)), None)
        if sep and sep.strip() not in title and len(rest.split()) <= _MAX_SUFFIX_WORDS:
            return title
        # A byline or date line set inside the <h1> ("... Posted on July 1, 2024 by infuy").
        if rest[:1].isspace() and _BYLINE_START_RE.match(rest.lstrip()):
            return title
    return headline


_SUFFIX_BARS = (" | ", " ｜ ", "｜", " // ", " :: ", " » ", " │ ")
_MAX_SUFFIX_WORDS = 6
_MAX_BAR_TAIL_WORDS = 3
_BYLINE_START_RE = re.compile(r"(?:Posted|Published|Updated|Written|Last updated)\b|By\s", re.I)


def _without_kicker(headline: str, declared: Sequence[str]) -> str:
    """The declared title when the <h1> is a kicker followed by exactly that title ("Premier
    League Rückschlag im Titelkampf" for "Rückschlag im Titelkampf"): the kicker is a label
    above the headline, not part of it."""
    words = _words(headline)
    letters = "".join(words)
    for title in declared:
        title_words = _words(title)
        tail = "".join(title_words)
        if (
            len(tail) >= _MIN_HEADLINE_LETTERS
            and tail != letters
            and letters.endswith(tail)
            and len(words) - len(title_words) <= _MAX_KICKER_WORDS
        ):
            return clean_text(title)
    return headline


def host_label(url: str) -> str | None:
    """The name part of a host, which sites use as their name in titles: `ethify` for
    www.ethify.org, `asahi` for www.asahi.com, `yomiuri` for www.yomiuri.co.jp."""
    host = (urlsplit(url).hostname or "").split(".")
    if len(host) < 2:
        return None
    parts = host[:-1]
    if len(parts) >= 2 and parts[-1] in _SECOND_LEVEL:
        parts = parts[:-1]
    label = parts[-1]
    return label if len(label) >= 4 else None
