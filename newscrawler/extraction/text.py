"""Text clean-up shared by every layer: whitespace, Unicode form, titles, tags, counts, hashes."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "TITLE_SEPARATORS",
    "clean_text",
    "clean_title",
    "content_hash",
    "dedupe",
    "split_list",
    "without_dateline",
    "word_count",
]

_WS_RE = re.compile(r"\s+")
# Control characters other than tab/newline, zero-width and bidi-embedding marks that only get in
# the way of matching and hashing.
_JUNK_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u2060\ufeff"
_JUNK_RE = re.compile(f"[{_JUNK_CHARS}]")
# A title suffix: " | Site", " - Site", " – Site", " — Site", " : Site", "｜Site" (full-width bar).
# Korean sites write the bar as the vowel letter "ㅣ" (U+3163, never alone in Korean words, which
# use composed syllables); others as the box-drawing "│" (U+2502).
TITLE_SEPARATORS = (
    " | ", " - ", " – ", " — ", " :: ", "｜", " ｜ ", " · ", " • ", " » ", " // ", " ‹ ", "-", "ｌ",
    "|", "ㅣ", "│"
)  # fmt: skip
# Parts of a <title> that templates add and that name no headline: WordPress's classic default
# theme wrote "Site » Blog Archive » Headline", and many themes copied it.
TEMPLATE_TITLE_PARTS = ("Blog Archive", "Blog Archiv", "Blog-Archiv")
_MONTHS = (
    "jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec|janvier|février|mars|avril"
    "|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio"
    "|julio|agosto|septiembre|octubre|noviembre|diciembre"
)
# A full date (with its year) that a page runs into the start of its headline: "23.01.2022 -
# Headline", "2022-01-23: Headline", "1. Februar 2022 Headline", "February 1, 2022 | Headline".
_LEADING_DATE_RE = re.compile(
    r"^(?:\d{1,2}[./]\d{1,2}[./](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}"
    rf"|\d{{1,2}}\.? (?:{_MONTHS})[a-zä]*\.? (?:19|20)\d{{2}}"
    rf"|(?:{_MONTHS})[a-z]*\.? \d{{1,2}},? (?:19|20)\d{{2}})"
    r"(?:\s*[-–—|:·]\s+|\s+)(?=\w)",
    re.IGNORECASE,
)
_CJK_CHARS = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK_RE = re.compile(rf"(?<=[{_CJK_CHARS}])[^\S\n]*\n\s*(?=[{_CJK_CHARS}])")
_LIST_SPLIT_RE = re.compile(r"\s*[,;、，；]\s*")
# Scripts written without spaces between words: each character counts as one word.
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
# Anything the three substitutions of clean_text would change, as one character class: a junk
# character, or whitespace other than the space (every str.isspace() character lies below U+3001).
# With no such character, no double space and no space at either end, the text is clean already:
# most text is (extracted, then normalized again by the pipeline), and these checks are cheaper
# than the three substitutions.
_UNCLEAN_CHAR_RE = re.compile(
    "["
    + re.escape("".join(c for c in map(chr, range(0x3001)) if c.isspace() and c != " "))
    + _JUNK_CHARS
    + "]"
)


def clean_text(value: str | None) -> str:
    """NFC, HTML entities decoded, control characters removed, whitespace collapsed, trimmed."""
    if not value:
        return ""
    value = html.unescape(value) if "&" in value else value
    value = unicodedata.normalize("NFC", value)
    if value[0] != " " != value[-1] and "  " not in value and not _UNCLEAN_CHAR_RE.search(value):
        return value
    value = _JUNK_RE.sub("", value)
    # A line break in the source between two CJK characters is layout, not a word space.
    value = _CJK_BREAK_RE.sub("", value)
    return _WS_RE.sub(" ", value).strip()


def clean_title(
    title: str | None, site_names: Iterable[str] = (), exact_prefix: bool = False
) -> str:
    """The headline without a trailing (or leading) site name.

    A part is cut only when it names the site (one of `site_names`, compared case-insensitively
    without spaces), so a headline that itself contains " - " keeps it. A trailing part may
    continue after the name ("| Example News - Politics"); so may a leading one ("example.com //
    Headline"), unless `exact_prefix`: the visible headline, where a part that only begins with
    the site's name is the headline's own start ("Welpen kaufen – Tipps" on the site "Welpen").
    A hyphen between two letters joins a compound ("GdP-Vize"), it separates nothing.
    """
    title = clean_text(title)
    if not title:
        return ""
    names = {_squash(n) for n in (*site_names, *TEMPLATE_TITLE_PARTS) if n}
    if not names:
        return title
    changed = True
    while changed:
        changed = False
        for sep in TITLE_SEPARATORS:
            if sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            if head and not _joins_words(sep, head, tail) and _matches_site(tail, names):
                title, changed = head.strip(), True
                break
            first, _, rest = title.partition(sep)
            if (
                rest
                and not _joins_words(sep, first, rest)
                and (_squash(first) in names if exact_prefix else _matches_site(first, names))
            ):
                title, changed = rest.strip(), True
                break
    return title


def without_dateline(title: str, published: str | None) -> str:
    """The headline without a leading date that is the article's own publication day (a
    dateline run into the <h1>: "23.01.2022 - Headline"). Another date is the headline's
    subject ("9. November 1989 – der Tag, an dem die Mauer fiel") and stays."""
    match = _LEADING_DATE_RE.match(title)
    if not match or not published or len(published) < 10:
        return title
    numbers = [int(n) for n in re.findall(r"\d+", match.group())]
    year, month, day = int(published[:4]), int(published[5:7]), int(published[8:10])
    if year not in numbers or day not in numbers:
        return title
    if len(numbers) == 3 and month not in numbers:
        return title
    return title[match.end() :]


def _joins_words(sep: str, before: str, after: str) -> bool:
    return sep == "-" and before[-1:].isalnum() and after[:1].isalnum()


def _squash(value: str) -> str:
    return re.sub(r"[\s.\-_]", "", unicodedata.normalize("NFKC", value)).casefold()


def _matches_site(part: str, names: set[str]) -> bool:
    squashed = _squash(part)
    return bool(squashed) and any(squashed == n or squashed.startswith(n) for n in names)


def dedupe(values: Iterable[str]) -> list[str]:
    """Drop empty values and repeats (compared casefolded), keeping the first spelling and order."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        value = clean_text(value)
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def split_list(values: Iterable[str] | str | None) -> list[str]:
    """Split keyword strings on commas and semicolons (Latin and CJK), then de-duplicate."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    parts: list[str] = []
    for value in values:
        parts.extend(_LIST_SPLIT_RE.split(clean_text(value)))
    return dedupe(parts)


def word_count(paragraphs: Iterable[str]) -> int:
    """Whitespace-separated tokens, each Han/kana/Hangul character counting as one word."""
    total = 0
    for paragraph in paragraphs:
        cjk = len(_CJK_RE.findall(paragraph))
        rest = _CJK_RE.sub(" ", paragraph)
        total += cjk + len(rest.split())
    return total


# Text in Han, kana or Hangul says as much in a character as Latin text in about 2.5: readers
# take in some 400-500 Japanese or Chinese characters a minute against 1,000-1,200 Latin ones.
DENSE_SCRIPT_WEIGHT = 2.5


def latin_length(paragraphs: Iterable[str]) -> float:
    """The text's length in Latin-character equivalents (Han/kana/Hangul weighed 2.5), so
    that one length threshold means about as much content in every script."""
    total = 0.0
    for paragraph in paragraphs:
        total += len(paragraph) + len(_CJK_RE.findall(paragraph)) * (DENSE_SCRIPT_WEIGHT - 1)
    return total


def content_hash(title: str, body: Iterable[str]) -> str:
    """`sha256:<hex>` of the normalized, casefolded title and paragraphs."""
    text = "\n".join([clean_text(title), *(clean_text(p) for p in body)]).casefold()
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
