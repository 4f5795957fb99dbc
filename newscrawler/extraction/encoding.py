"""Bytes to text for HTML pages whose HTTP header, meta tag and bytes may disagree.

Order of evidence: a byte-order mark; then bytes that are valid UTF-8 with non-ASCII content
(a legacy encoding almost never yields valid multi-byte UTF-8 by chance, while servers and CMSs
often label UTF-8 pages as ISO-8859-1 or Shift_JIS); then the declared encodings (header, then
meta), each accepted only if it decodes cleanly; then ISO-2022-JP escape sequences; then a
statistical detector (charset-normalizer); Windows-1252 as the last resort. Legacy labels are
read as browsers read them (Shift_JIS as CP932, ISO-8859-1 as Windows-1252).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

__all__ = ["DecodedPage", "decode_html"]

# Stray bad bytes a real page may carry (a truncated character at a cut); more means the
# encoding is wrong.
_MAX_BAD_RATIO = 0.001
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")
_DETECT_BYTES = 200_000
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
# Valid multi-byte UTF-8 characters needed before a page that declares UTF-8 but holds invalid
# runs is read line by line (CJK legacy bytes form valid UTF-8 sequences by chance, so this
# is only done when the page itself says UTF-8).
_MIN_UTF8_CHARS_FOR_MIXED = 3


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    evidence: str
    """Which rule chose the encoding: bom, utf-8, header, meta, iso-2022-jp, detected, fallback."""


def _clean_decode(body: bytes, encoding: str) -> str | None:
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        return None
    bad = text.count("\ufffd")
    if bad > max(2, len(text) * _MAX_BAD_RATIO):
        return None
    return text


def _python_name(label: str | None) -> str | None:
    if not label:
        return None
    resolved = resolve_encoding(label)
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: read the offending bytes as Windows-1252 (a page mixing UTF-8 with
    Latin-1 pasted text reads correctly in both parts)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return bytes(chunk).decode("cp1252", errors="replace"), error.end


codecs.register_error("newscrawler-cp1252", _cp1252_bytes)


def _utf8_reading(body: bytes, declared_utf8: bool) -> DecodedPage | None:
    """UTF-8 when the bytes are UTF-8: wholly, or with a few stray bytes, or, on a page that
    declares UTF-8, with runs pasted in another encoding (each line then read on its own).
    None when they are not UTF-8."""
    try:
        return DecodedPage(body.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    replaced = body.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for ch in replaced if ord(ch) > 127) - bad
    if bad <= max(2, len(replaced) * _MAX_BAD_RATIO) and good > bad:
        return DecodedPage(replaced, "utf-8", "utf-8")
    if declared_utf8 and good >= _MIN_UTF8_CHARS_FOR_MIXED:
        text = "".join(_decode_line(line) for line in body.splitlines(keepends=True))
        return DecodedPage(text, "utf-8", "utf-8+mixed")
    return None


def _decode_line(line: bytes) -> str:
    """One line of a mostly-UTF-8 page: UTF-8 if it is, else a Japanese encoding when that
    gives kana (Windows-1252 bytes almost never do), else Windows-1252 byte by byte."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp932", "euc_jp"):
        try:
            text = line.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_KANA_RE.findall(text)) >= 2:
            return text
    return line.decode("utf-8", errors="newscrawler-cp1252")


def _single_byte(encoding: str) -> bool:
    return encoding.startswith(("cp125", "iso8859", "latin", "mac-", "cp437", "cp850", "koi8"))


def _only_western(body: bytes, encoding: str) -> bool:
    """False when the bytes look like a CJK multi-byte encoding the detector recognizes, so a
    single-byte label must not be trusted."""
    from charset_normalizer import from_bytes

    best = from_bytes(body[:_DETECT_BYTES]).best()
    guess = _python_name(best.encoding) if best is not None else None
    return not guess or _single_byte(guess) or _clean_decode(body, guess) is None


def decode_html(body: bytes, content_type: str | None = None) -> DecodedPage:
    """The page's text and how its encoding was chosen; never raises on bad bytes."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return DecodedPage(body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding, "bom")
    labels = [
        ("header", _python_name(http_content_type_encoding(content_type or ""))),
        ("meta", _python_name(html_body_declared_encoding(body))),
    ]
    if _HIGH_BYTE_RE.search(body):
        utf8 = _utf8_reading(body, any(enc == "utf-8" for _, enc in labels))
        if utf8 is not None:
            return utf8
    # UTF-8 was tried above; a UTF-8 label on non-UTF-8 bytes is the disagreement case.
    declared = [(evidence, enc) for evidence, enc in labels if enc and enc != "utf-8"]
    # A multi-byte encoding that decodes cleanly is strong evidence; a single-byte one decodes
    # any bytes, so it is tried only after the multi-byte candidates (a server's default
    # "ISO-8859-1" header on an EUC-JP page is the classic case).
    for evidence, encoding in sorted(declared, key=lambda item: _single_byte(item[1])):
        if _single_byte(encoding) and not _only_western(body, encoding):
            continue
        text = _clean_decode(body, encoding)
        if text is not None:
            return DecodedPage(text, encoding, evidence)
    if any(escape in body[:_DETECT_BYTES] for escape in _ISO2022_ESCAPES):
        text = _clean_decode(body, "iso2022_jp_ext")
        if text is not None:
            return DecodedPage(text, "iso2022_jp_ext", "iso-2022-jp")
    if not _HIGH_BYTE_RE.search(body):
        return DecodedPage(body.decode("ascii", "replace"), "ascii", "ascii")
    from charset_normalizer import from_bytes

    best = from_bytes(body[:_DETECT_BYTES]).best()
    guess = _python_name(best.encoding) if best is not None else None
    if guess:
        text = _clean_decode(body, guess)
        if text is not None:
            return DecodedPage(text, guess, "detected")
    return DecodedPage(body.decode("cp1252", "replace"), "cp1252", "fallback")
