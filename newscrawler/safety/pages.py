"""Binary data served as HTML, screened at the spider boundary before extraction sees it.

(Pages that are HTML but not one article, such as home and tag pages, live blogs, video pages
and paywall stubs, are the extraction layer's call: `newscrawler/extraction/classify.py`.)
"""

from __future__ import annotations

import codecs

__all__ = ["binary_problem"]

# WHATWG MIME Sniffing, "binary data byte": no text encoding a page may use produces these.
_BINARY_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
SNIFF_BYTES = 1024
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "a RIFF (WebP/WAV/AVI) file"),
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def binary_problem(body: bytes) -> str | None:
    """Why `body` is not a text document (a detail for a `not-html` reject), or None."""
    head = body[:SNIFF_BYTES]
    if head.startswith(_UTF16_BOMS):
        return None
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"binary data ({name}) served as text"
    binary = sum(byte in _BINARY_BYTES for byte in head)
    # WHATWG calls one such byte binary; a stray NUL in a real page (a CMS bug) must not cost
    # the article, so it takes more than 1% of the head. Clean-up removes the stray ones.
    if binary * 100 > len(head):
        return f"binary data served as text: {binary} control bytes in the first {len(head)}"
    return None
