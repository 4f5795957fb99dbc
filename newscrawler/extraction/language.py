"""Article language as a BCP 47 tag: from markup when it is well-formed, else detected from text."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["detect_language", "normalize_language"]

_TAG_RE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{4}))?(?:[-_]([a-zA-Z]{2}|\d{3}))?$")
# Kana only occurs in Japanese: a cheap, certain signal before the statistical detector.
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_MIN_DETECT_CHARS = 40


def normalize_language(value: str | None) -> str | None:
    """`en_US` -> `en-US`, `JA` -> `ja`, `zh-hant-tw` -> `zh-Hant-TW`; None if not a tag."""
    if not value:
        return None
    m = _TAG_RE.match(value.strip())
    if not m:
        return None
    parts = [m.group(1).lower()]
    if m.group(2):
        parts.append(m.group(2).title())
    if m.group(3):
        parts.append(m.group(3).upper())
    return "-".join(parts)


@lru_cache(maxsize=1)
def _identifier() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The language of a text, or None for text too short to tell."""
    text = text.strip()
    if len(text) < _MIN_DETECT_CHARS:
        return None
    if len(_KANA_RE.findall(text)) > len(text) * 0.05:
        return "ja"
    language, probability = _identifier().classify(text)  # type: ignore[attr-defined]
    return str(language) if probability >= 0.5 else None
