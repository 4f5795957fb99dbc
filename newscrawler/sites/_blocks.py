"""Helpers for site modules: paragraphs of a story kept in one element, split at its breaks."""

from __future__ import annotations

from lxml import etree

from newscrawler.extraction.text import clean_text

__all__ = ["break_paragraphs"]

# Inline elements continue the line; any other element (a <br>, a <div> of an ad slot, a
# heading) ends it. A heading's own text becomes its own paragraph.
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "cite",
        "code",
        "em",
        "font",
        "i",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "ruby",
        "rb",
    }
)
_SKIP = frozenset({"script", "style", "template", "noscript", "rt", "rp", "iframe"})


def break_paragraphs(element: etree._Element) -> list[str]:
    """The element's text as paragraphs: one per run of text between <br>s and block
    children (whose own text is a paragraph of its own), cleaned, empty ones dropped."""
    lines: list[str] = []
    current: list[str] = [element.text or ""]

    def flush() -> None:
        text = clean_text("".join(current))
        if text:
            lines.append(text)
        current.clear()

    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _INLINE:
            current.append(_inline_text(child))
        elif tag and tag not in _SKIP and tag != "br":
            flush()
            lines.extend(break_paragraphs(child))
        elif tag == "br":
            flush()
        current.append(child.tail or "")
    flush()
    return lines


def _inline_text(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if not (isinstance(child.tag, str) and child.tag in _SKIP):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
