"""Wire credits: the outlet a republished story comes from, read from the text's own credit line."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["WIRE_SERVICES", "find_wire_source", "wire_name"]

# Canonical outlet name for each spelling found in credits and datelines.
WIRE_SERVICES = {
    "kyodo": "Kyodo",
    "kyodo news": "Kyodo",
    "jiji": "Jiji Press",
    "jiji press": "Jiji Press",
    "ap": "AP",
    "associated press": "AP",
    "ap news": "AP",
    "the associated press": "AP",
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "afp-jiji": "AFP",
    "yonhap": "Yonhap",
    "xinhua": "Xinhua",
    "bloomberg": "Bloomberg",
    "dpa": "dpa",
    "共同": "Kyodo",
    "共同通信": "Kyodo",
    "時事": "Jiji Press",
    "時事通信": "Jiji Press",
}
_NAMES = "|".join(sorted((re.escape(k) for k in WIRE_SERVICES), key=len, reverse=True))
# "TOKYO (Kyodo) --", "WASHINGTON (AP) —", "（共同）"
_DATELINE_RE = re.compile(rf"^[^()（）]{{0,60}}[(（]\s*({_NAMES})\s*[)）]", re.I)
# A closing credit: "(Kyodo)", "— Reuters", "Source: Kyodo News", "（共同）"
_CREDIT_RE = re.compile(
    rf"(?:[(（]\s*({_NAMES})\s*[)）]|(?:^|[\s—–-])(?:source|credit|via)\s*:\s*({_NAMES}))\s*[.。]?$",
    re.I,
)


def find_wire_source(paragraphs: Sequence[str]) -> str | None:
    """The wire service credited in the first paragraph's dateline or the last paragraphs."""
    if not paragraphs:
        return None
    m = _DATELINE_RE.match(paragraphs[0])
    if m:
        return WIRE_SERVICES[m.group(1).lower()]
    for paragraph in reversed(paragraphs[-2:]):
        m = _CREDIT_RE.search(paragraph.strip())
        if m:
            return WIRE_SERVICES[(m.group(1) or m.group(2)).lower()]
    return None


_LABEL_RE = re.compile(r"^\s*(?:by|source|credit|via|from|text|photo|story)\s*[:\-]?\s*", re.I)


def wire_name(text: str) -> str | None:
    """The wire service a credit line names on its own ("JIJI", "Source: Kyodo News",
    "By The Associated Press"), else None. A byline naming a person is not a wire credit."""
    cleaned = _LABEL_RE.sub("", text.strip()).strip(" .()（）")
    return WIRE_SERVICES.get(cleaned.lower())
