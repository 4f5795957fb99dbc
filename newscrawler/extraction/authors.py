"""Author names: split bylines into people, drop "By", e-mail addresses, roles and outlets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import islice
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html

from newscrawler.extraction.text import clean_text, dedupe
from newscrawler.extraction.urls import absolute_url
from newscrawler.extraction.wire import wire_name

__all__ = [
    "authors_from_byline_text",
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
    r"\s*(?:,|;|/|\band\b|&|\bund\b|\bet\b|\by\b|\bog\b|\boch\b|\bve\b|・|、)\s*|\s+[-–—]\s+",
    re.I,
)
# A social-media handle beside or instead of a name: "Jane Doe @janedoe".
_HANDLE_RE = re.compile(r"(?:^|\s)@\w+")
# Photo and image credits that share the byline element.
_CREDIT_LINE_RE = re.compile(
    r"(?:image|photo|foto|picture|credit)s?\s*:|getty|istock|shutterstock", re.I
)
_URL_RE = re.compile(r"https?://\S+")
# Labels that appear in author slots but are not people.
_NOT_PEOPLE = {
    "staff", "staff writer", "editor", "editors", "admin", "administrator", "reporter",
    "no author", "unknown", "anonymous", "guest", "redaktion", "newsroom", "uncategorized",
    "agencies", "agenturen", "agences", "agencias",
}  # fmt: skip
# A role or desk written where a name goes: "Yomiuri Shimbun Staff Writers", "Tokyo Correspondent".
# "Reporter" and "Editor" are surnames too ("Jane Reporter"): as roles they need a word that
# only a role takes before them ("Staff Reporter", "Senior Editor") or a lowercase spelling.
_ROLE_RE = re.compile(
    r"\b(?:staff writers?|correspondents?|contributors?|columnists?|photographers?|"
    r"news service|news desk|bureau|編集部)$"
    r"|\b(?:staff|senior|chief|deputy|managing|executive|associate|assistant|contributing|"
    r"political|foreign|city|news|sports|business|metro|science|features?|special|our)\s+"
    r"(?:reporters?|editors?)$",
    re.I,
)
_BARE_ROLE_RE = re.compile(r"\b(?:reporters?|editors?)$", re.I)
# Japanese bylines put the role after the name: "松岡大地 記者".
_JA_ROLE_SUFFIX_RE = re.compile(r"\s*(?:記者|特派員|撮影|기자|특파원)$")
_SQUASH_RE = re.compile(r"[\W_]+")
# A web address standing for its site: "tagesschau.de", "wien.ORF.at", "MesOpinions.com".
_DOMAIN_RE = re.compile(
    r"(?:^|[\s(\]@])(?:www\.)?[\w\-]+(?:\.[\w\-]+)*\."
    r"(?:com|net|org|info|de|at|ch|fr|it|es|nl|be|uk|eu|io|co|us|ca|jp|in|world|news|online)\b",
    re.I,
)
# Company forms closing a name: a firm or an association, not a person.
_COMPANY_RE = re.compile(
    r"\b(?:GmbH|AG|e\.\s?V|Inc|LLC|Ltd|Co\.\s?KG|SpA|Pty|PLC|Corp)\b\.?\s*$", re.I
)
# Shorter run-together names ("ab") match hosts by chance.
_MIN_SQUASHED = 6


def _is_role(part: str) -> bool:
    if _ROLE_RE.search(part):
        return True
    # The bare word is a role alone ("Reporter") or lowercase ("..., reporter"); capitalized
    # after a name it is the surname ("Jane Reporter").
    bare = _BARE_ROLE_RE.search(part)
    return bare is not None and (" " not in part.strip() or bare.group(0).islower())


def split_authors(values: Iterable[str] | str | None, outlets: Iterable[str] = ()) -> list[str]:
    """People named in bylines: "By Jane Doe and John Roe" -> ["Jane Doe", "John Roe"]."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    outlet_keys = {_squashed(o) for o in outlets if o} - {""}
    names: list[str] = []
    for value in values:
        value = _URL_RE.sub(" ", _EMAIL_RE.sub(" ", clean_text(value)))
        value = _BY_RE.sub("", _HANDLE_RE.sub(" ", value)).strip()
        for part in _SPLIT_RE.split(value):
            part = _JA_ROLE_SUFFIX_RE.sub("", _BY_RE.sub("", part)).strip(" .|-–—:()")
            key = part.casefold()
            if not part or key in _NOT_PEOPLE or len(part) > 60 or _is_outlet(part, outlet_keys):
                continue
            if _is_role(part) or wire_name(part) or _CREDIT_LINE_RE.search(part):
                # A role, or a wire service (that is the story's `source`, not a person).
                continue
            if any(ch.isdigit() for ch in part) or _only_titles(part):
                continue
            names.append(part)
    return dedupe(names)


def _only_titles(value: str) -> bool:
    """A job title or degree alone ("PhD", "Marketing Director"), not a person."""
    return all(word.casefold().strip(".,") in _TITLE_WORDS for word in value.split())


def _squashed(name: str) -> str:
    return _SQUASH_RE.sub("", clean_text(name).casefold())


def _is_outlet(name: str, outlet_keys: set[str]) -> bool:
    """An outlet, not a person: the site's own name in any spelling ("USA TODAY" for "USA
    Today", "Deutsche Welle (www.dw.com)"), a web address ("tagesschau.de") or a company
    ("Web Commerce GmbH", "Verein e.V.")."""
    squashed = _squashed(name)
    if squashed in outlet_keys or any(
        len(key) >= _MIN_SQUASHED and squashed.startswith(key) and "(" in name
        for key in outlet_keys
    ):
        return True
    return bool(_DOMAIN_RE.search(name) or _COMPANY_RE.search(name))


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
    return len(squashed) >= _MIN_SQUASHED and squashed in _host_runs(url)


@lru_cache(maxsize=64)
def _host_runs(url: str) -> frozenset[str]:
    """Runs of consecutive host labels, joined: www.jane.doe.net -> {"jane", "janedoe", ...}."""
    labels = [_SQUASH_RE.sub("", label) for label in (urlsplit(url).hostname or "").split(".")]
    return frozenset(
        "".join(labels[i:j]) for i in range(len(labels)) for j in range(i + 1, len(labels) + 1)
    )


# -- bylines in the page's markup ------------------------------------------------------------

# Elements that credit the article's author by their markup: a class or id with "author" or
# "byline" in any case ("AuthorName", "c-byline"), itemprop="author", rel="author"; and the
# <h1>s, so that one XPath gives both in document order. Read through the attributes, as
# XPATH_CREDIT in page.py. The class test is most of the cost (pages carry thousands of
# classes), so it looks for two words only ("writer" as a third changed two corpus pages,
# one each way).
XPATH_BYLINE = (
    "//@class[contains(., 'uthor') or contains(., 'yline')]/parent::*"
    " | //@id[contains(., 'uthor') or contains(., 'yline')]/parent::*"
    " | //@itemprop[contains(., 'uthor')]/parent::*"
    " | //@rel[. = 'author']/parent::a"
    " | //h1"
)
# Regions whose names are not this article's byline: comments, lists of other stories, sidebars,
# share bars, author pictures, reviewers and editors credited beside the author.
_NOT_BYLINE_RE = re.compile(
    r"comment|related|(?<!has-)(?<!with-)(?<!content-)sidebar(?!-?wrap)|widget|recommend|popular"
    r"|trending|share|social|promo|teaser|carousel|slider|avatar|follow|reviewer|fact-?check"
    r"|editor|signup|subscribe|login",
    re.I,
)
_NOT_BYLINE_TAGS = frozenset(
    {"footer", "nav", "aside", "figure", "figcaption", "form", "button", "select", "label"}
)
# Their classes describe the whole story (WordPress: "has-post-thumbnail tag-social-media").
_WHOLE_PAGE_TAGS = frozenset({"html", "body", "main", "article"})
# Skipped inside a byline: its date, and text a reader does not see.
_SKIPPED_TAGS = frozenset({"time", "script", "style", "noscript", "template", "button", "svg"})
# A byline element longer than this, or with more elements, is a bio or a whole block, not a
# credit line.
_MAX_BYLINE_CHARS = 150
_MAX_BYLINE_ELEMENTS = 40
# How far up from the first byline element its fellow credits are gathered ("By <a>A</a> and
# <a>B</a>" puts each name in an element of its own), and how long that container may be.
_GROUP_LEVELS = 2
_MAX_GROUP_CHARS = 300
# Words that make a byline fragment page text, not a name: "Updated", calls to action. (Month
# names are not among them: a date has digits, and "June", "May" and "Jan" are names too.)
_NOT_NAME_WORDS = frozenset({
    "today", "yesterday", "ago", "min", "mins", "minute", "minutes", "hour", "hours", "read",
    "reading", "updated", "update", "published", "posted", "on", "at", "in", "of", "for", "the",
    "about", "more", "all", "view", "see", "articles", "article", "posts", "post", "profile",
    "archive", "archives", "contact", "email", "share", "follow", "twitter", "facebook",
    "linkedin", "instagram", "comments", "comment", "reply", "login", "subscribe", "home", "menu",
    "search", "written", "author", "authors", "by", "show", "uhr", "am", "um", "aktualisiert",
    "veröffentlicht", "weitere", "artikel", "mehr", "alle", "anzeigen", "weiter", "mis", "jour",
    "publié", "publicado", "actualizado", "el", "los", "las", "en", "text", "copier", "copy",
    "print", "drucken", "imprimer",
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
# A label before the names: "By", "Written by", "Erstellt von", "Autor:", "Par".
_LABEL_RE = re.compile(
    r"^(?:(?-i:(?:By|Von|Par|Por)(?=[A-ZÀ-Þ]))|(?:(?:posted|written|published|reported|text|words"
    r"|story|article|interview|geschrieben|verfasst|erstellt|rezept|beitrag|artikel|gepostet"
    r"|veröffentlicht)\s+)?(?:by|von|vom)\b"
    r"|author|autor|autorin|auteur|autore|par|por|di|door|av)\s*[:\-]?\s*",
    re.I,
)


# "Reviewed by", "Edited by", "Updated by", "Photos by": someone other than the author.
_OTHER_CREDIT_RE = re.compile(
    r"^\s*(?:medically |fact[- ]checked and )?(?:reviewed|edited|updated|fact[- ]checked|photos?|"
    r"photographs?|illustrations?|images?|fotos?|bilder?|video|produced|translated|additional"
    r" reporting)\s+(?:by|von)\b",
    re.I,
)
_JOINERS = frozenset({"and", "und", "et", "y", "e", "og", "och", "en", "&", ",", ";"})
_ENDS_JOINED_RE = re.compile(r"(?:[,&;]|\band|\bund|\bet)\s*$", re.I)
# Job titles and degrees written beside a name: a fragment made only of these is not a person
# ("Marketing Director", "PhD"), while a surname that is one ("Jane Reporter") stays a name.
_TITLE_WORDS = frozenset({
    "founder", "co-founder", "cofounder", "ceo", "cto", "cfo", "coo", "director", "manager",
    "editor", "writer", "reporter", "expert", "reviewer", "consultant", "coordinator",
    "specialist", "officer", "president", "head", "lead", "senior", "chief", "staff",
    "contributor", "correspondent", "columnist", "journalist", "marketing", "content",
    "digital", "managing", "executive", "owner", "assistant", "associate", "deputy",
    "phd", "ph.d", "md", "m.d", "rn", "bsn", "dvm", "mba", "msc", "rd", "rdn", "cpa", "jd",
})  # fmt: skip


def looks_like_name(value: str) -> bool:
    """Whether a byline fragment reads as a person's name rather than page text: one to five
    words, each capitalized or a name particle, no digits, no date or page words."""
    words = value.split()
    if not words or len(words) > _MAX_NAME_WORDS or len(value) < 2:
        return False
    if any(ch.isdigit() for ch in value):
        return False
    if _only_titles(value):
        return False
    for word in words:
        if not _NAME_WORD_RE.match(word) or word.casefold().strip(".") in _NOT_NAME_WORDS:
            return False
        if len(words) > 1 and not word[0].isupper() and word not in _PARTICLES:
            return False
    return True


def _fragments(element: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    """The byline's text in the pieces its markup and separators make, each with the tag and
    class of the element it is written in; its <time> and invisible parts left out."""
    pieces: list[tuple[str, str]] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        key = f"{node.tag} {node.get('class', '')}"
        if _one_name(node):
            pieces.append((node.text_content(), key))
            return
        if node.text:
            pieces.append((node.text, key))
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIPPED_TAGS:
                walk(child)
            if child.tail:
                pieces.append((child.tail, key))

    walk(element)
    out: list[tuple[str, str]] = []
    for raw, key in pieces:
        out.extend((p, key) for p in _BYLINE_SEPARATORS_RE.split(clean_text(raw)) if p)
    return out


def _one_name(node: lxml_html.HtmlElement) -> bool:
    """An element that holds one name split into parts (<span class="first">Jane</span>
    <span class="last">Doe</span>), not a list of names in like elements."""
    parts = [child for child in node if isinstance(child.tag, str)]
    if not parts:
        return False
    kinds = {f"{child.tag} {child.get('class', '')}" for child in parts}
    return len(kinds) == len(parts) and looks_like_name(clean_text(node.text_content()))


def _byline_names(element: lxml_html.HtmlElement, outlets: Iterable[str]) -> list[str]:
    """Names in a byline, read in order: the first name-like fragment, then those joined to it
    ("and", ",", "&") or written like it (each name in an element of the same tag and class);
    the first other fragment after them ends the byline ("Jane Doe | Founder | May 3")."""
    names: list[str] = []
    joined = True
    name_key = ""
    fragments = _fragments(element)
    after_label = False
    for fragment, key in fragments:
        if _OTHER_CREDIT_RE.match(fragment):
            break  # "Reviewed by", "Photos by": someone other than the author follows
        text, labelled = _LABEL_RE.subn("", fragment)
        text = text.strip(" ,;:&")
        after_label = after_label or bool(labelled)
        if labelled or not text or text.casefold() in _JOINERS:
            # A label, a bare separator or a conjunction: the next names belong to the byline.
            joined = True
        if not text or text.casefold() in _JOINERS:
            continue
        found = [n for n in split_authors(text, outlets) if looks_like_name(n)]
        if found and not names and " " not in found[0] and not after_label and len(fragments) > 1:
            # One word among others ("capital | von Jane Doe") is a kicker or a section, unless
            # a "By" names it or it is all the byline says.
            continue
        alike = key == name_key and len(found) == 1 and found[0] == text and " " in text
        if found and (joined or alike):
            names.extend(found)
            joined = bool(_ENDS_JOINED_RE.search(fragment))
            name_key = key
        elif names:
            break
    return names


def _is_byline(element: lxml_html.HtmlElement) -> bool:
    # A large element is a wrapper ("single-author" on a page's main block), not a byline:
    # told from its element count before its text is read.
    if next(islice(element.iter(), _MAX_BYLINE_ELEMENTS, None), None) is not None:
        return False
    if len(clean_text(element.text_content())) > _MAX_BYLINE_CHARS:
        return False
    for node in (element, *element.iterancestors()):
        if node.tag == "footer" and any(a.tag == "article" for a in node.iterancestors()):
            continue  # an article's own footer may credit it; the page's footer does not
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
    (else the first before it) and the credits grouped with it. Names that do not read as
    names ("Read more", "Updated May 3") are dropped: no author is better than a wrong one."""
    outlets = list(outlets)
    found = tree.xpath(XPATH_BYLINE)
    headline = next((i for i, e in enumerate(found) if e.tag == "h1"), None)
    if headline is not None:
        found = found[headline + 1 :] + found[:headline]
    marked = {e for e in found if e.tag != "h1"}
    # Tested one at a time, in that order, and only until one names someone.
    for first in (e for e in found if e.tag != "h1"):
        if not _is_byline(first) or not (names := _byline_names(first, outlets)):
            continue
        group = first
        for _ in range(_GROUP_LEVELS):
            parent = group.getparent()
            if parent is None or len(clean_text(parent.text_content())) > _MAX_GROUP_CHARS:
                break
            group = parent
        inside_first = set(first.iter())
        for other in group.iter():
            if other in marked and other not in inside_first and _is_byline(other):
                names.extend(_byline_names(other, outlets))
        return dedupe(names)
    return []


# A byline written as text under the headline, with no markup naming it: "By Jane Doe",
# "Von Erika Mustermann und Max Muster", "Par Jeanne Dupont, le 3 mai".
_TEXT_BYLINE_RE = re.compile(
    r"^(?:by|von|par|por|door|av|(?:written|words|text|story|posted)\s+(?:by|von)|autor(?:in)?"
    r"|author)(?:\s*:\s*|\s+)\w|^(?-i:(?:By|Von|Par|Por)[A-ZÀ-Þ])",
    re.I,
)
# The first word of such a line, tested before its whole text is read.
_TEXT_BYLINE_HEAD_RE = re.compile(
    r"^(?:by|von|par|por|door|av|written|words|text|story|posted|autor|author)\b"
    r"|^(?-i:(?:By|Von|Par|Por)[A-ZÀ-Þ])",
    re.I,
)
_LABEL_ONLY_RE = re.compile(
    r"^\s*(?:written by|posted by|by|author|autor|autorin|geschrieben von|von|par|por)\s*:?\s*$",
    re.I,
)
# How many elements after the <h1> are read for a text byline, and how long one may be.
_TEXT_BYLINE_REACH = 60
_MAX_TEXT_BYLINE_CHARS = 100
_MAX_TEXT_BYLINE_ELEMENTS = 12
_TEXT_BYLINE_TAGS = frozenset(
    {"p", "div", "span", "address", "small", "strong", "b", "em", "i", "a", "li", "h2", "h3",
     "h4", "h5", "h6", "td"}
)  # fmt: skip


def authors_from_byline_text(
    headline: lxml_html.HtmlElement | None, outlets: Iterable[str] = ()
) -> list[str]:
    """The people a "By ..." line just after the headline names, for pages whose byline has no
    markup that says so. Only a short element whose text starts with a byline label counts."""
    if headline is None:
        return []
    outlets = list(outlets)
    label_only = False
    for element in islice(_following(headline), _TEXT_BYLINE_REACH):
        if element.tag not in _TEXT_BYLINE_TAGS:
            continue
        if label_only:
            # "Written by" in an element of its own: the name is in the next one.
            label_only = False
            text = clean_text(element.text_content()) if len(element) < 3 else ""
            names = [n for n in split_authors(text, outlets) if looks_like_name(n)]
            if names and text == names[0] and names[0][0].isupper():
                return names
        if _LABEL_ONLY_RE.match(element.text or "") and not len(element):
            label_only = True
            continue
        # It starts with a label, and a container of many elements is not a byline line: both
        # told before the whole text is read.
        head = (element.text or "").lstrip()
        if not head and len(element):
            head = (element[0].text or "").lstrip()  # <p><b>By</b> Jane Doe</p>
        if not _TEXT_BYLINE_HEAD_RE.match(head):
            continue
        if next(islice(element.iter(), _MAX_TEXT_BYLINE_ELEMENTS, None), None) is not None:
            continue
        text = clean_text(element.text_content())
        if len(text) > _MAX_TEXT_BYLINE_CHARS or not _TEXT_BYLINE_RE.match(text):
            continue
        names = _byline_names(element, outlets) if _is_byline(element) else []
        # Capitalized, as names in running text are ("By training, ..." is a sentence).
        if names and all(n[0].isupper() or not n[0].islower() for n in names):
            return dedupe(names)
    return []


def _following(element: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    """Elements after `element` in document order (its own content excluded)."""
    node: lxml_html.HtmlElement | None = element
    while node is not None:
        sibling = node.getnext()
        while sibling is not None:
            if isinstance(sibling.tag, str):
                yield sibling
                yield from (e for e in sibling.iterdescendants() if isinstance(e.tag, str))
            sibling = sibling.getnext()
        node = node.getparent()


# A link to an author's page: a path segment naming authors, then the author's slug.
_AUTHOR_PATH_RE = re.compile(
    r"/(?:authors?|autor(?:en|in)?|auteurs?|profiles?|people|staff|journalists?|writers?|"
    r"contributors?|redaktion/autoren)/([^/?#]+)/?$",
    re.I,
)
_SLUG_WORD_RE = re.compile(r"[^\W_]+")
# How many elements after the <h1> are searched for such links.
_AUTHOR_LINK_REACH = 150


def authors_from_author_links(
    headline: lxml_html.HtmlElement | None, url: str, outlets: Iterable[str] = ()
) -> list[str]:
    """The people named by links to their author pages after the headline (".../authors/
    jane-doe" with the text "Jane Doe"), for bylines with no markup or label that says so. The
    link's text must be the name its address spells: a teaser's author link, a menu's "Our
    team" or a "More by Jane" are not taken. The links of the first such group only."""
    if headline is None:
        return []
    outlets = list(outlets)
    names: list[str] = []
    group: lxml_html.HtmlElement | None = None
    for element in islice(_following(headline), _AUTHOR_LINK_REACH):
        if element.tag != "a" or _inside_not_byline(element):
            continue
        found = _author_link_name(element, url, outlets)
        if not found:
            continue
        parent = element.getparent()
        if group is not None and parent is not group and group not in parent.iterancestors():
            break
        group = group if group is not None else parent
        names.append(found)
    return dedupe(names)


def _author_link_name(link: lxml_html.HtmlElement, url: str, outlets: Iterable[str]) -> str:
    match = _AUTHOR_PATH_RE.search(urlsplit(absolute_url(link.get("href"), url) or "").path)
    if not match:
        return ""
    text = clean_text(link.text_content())
    slug_words = _slug_words(unquote(match.group(1)))
    words = _slug_words(text)
    if not words or words != slug_words[: len(words)] or len(words) < 2:
        return ""
    names = [n for n in split_authors(text, outlets) if looks_like_name(n)]
    return names[0] if len(names) == 1 and names[0] == text else ""


def _slug_words(text: str) -> list[str]:
    """Casefolded words without accents, as an address spells a name ("José" -> "jose")."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return [w.casefold() for w in _SLUG_WORD_RE.findall(plain)]


def _inside_not_byline(element: lxml_html.HtmlElement) -> bool:
    """Inside a region that is not this article's byline (comments, related stories, ...)."""
    for ancestor in element.iterancestors():
        if ancestor.tag in _NOT_BYLINE_TAGS:
            return True
        if ancestor.tag in _WHOLE_PAGE_TAGS:
            continue
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _NOT_BYLINE_RE.search(marks):
            return True
    return False
