"""Author names: split bylines into people, drop "By", e-mail addresses, roles and outlets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from newscrawler.extraction.text import clean_text, dedupe
from newscrawler.extraction.wire import wire_name

__all__ = ["authors_from_json_ld", "split_authors"]

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
            if _is_role(part) or wire_name(part) or _CREDIT_LINE_RE.search(part):
                # A role, or a wire service (that is the story's `source`, not a person).
                continue
            if any(ch.isdigit() for ch in part):
                continue
            names.append(part)
    return dedupe(names)


def authors_from_json_ld(value: Any) -> list[str]:
    """Names of Person authors in JSON-LD (strings, objects or lists of either); Organization
    authors are skipped because the schema wants people."""
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
            if isinstance(name, str):
                names.append(name)
            elif isinstance(name, list):
                names.extend(n for n in name if isinstance(n, str))
    return names
