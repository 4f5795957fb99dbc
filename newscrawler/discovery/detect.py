"""Byte-level entry of discovery: sniff what a response is, gunzip it capped, parse XML safely."""

from __future__ import annotations

import codecs
import html.entities
import re
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

__all__ = [
    "ENTITIES_REFUSED",
    "TRUNCATED",
    "TooLarge",
    "classify_document",
    "content_head",
    "declares_entities",
    "decompressed",
    "is_truncated",
    "iterparse_xml",
    "local_name",
    "namespace_prefix",
    "parse_xml",
    "recovered_tree",
    "xml_input",
]

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
# Inflate in steps this size: memory stays near `limit`, never `limit` plus one huge chunk.
INFLATE_CHUNK = 1024 * 1024
# Bytes given to an incremental XML parse at a time: the elements they hold are read before
# more is parsed.
FEED_CHUNK = 64 * 1024
# Enough to pass an XML declaration, a comment or two and reach the root element.
SNIFF_BYTES = 4096

SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
FEED_ROOTS = frozenset({"rss", "feed", "rdf"})  # lower-cased local names; RSS 1.0 is <rdf:RDF>
FEED_CONTENT_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json"}
)
JSON_FEED_MARK = b"jsonfeed.org/version"
# The WP REST API answers at /wp-json/... or, without pretty permalinks, at ?rest_route=/...
WORDPRESS_URL_MARKS = ("/wp-json/", "rest_route=")
ROBOTS_PATH = "/robots.txt"

_COMMENT_RE = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")  # "<?xml" and "<!DOCTYPE" do not match
_ROBOTS_LINE_RE = re.compile(rb"^(?:user-agent|disallow|allow|sitemap)\s*:", re.I | re.M)
_URL_LINE_RE = re.compile(rb"https?://\S+\s*(?:$|\n)", re.I)
_XML_ENCODING_RE = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)")
_BOMS = ((UTF8_BOM, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Decode labels as browsers do (WHATWG Encoding): servers label Windows-31J (CP932) bytes
# "Shift_JIS", and libxml2's strict Shift_JIS stops at the first NEC/IBM extension character,
# losing the rest of the feed; "ISO-8859-1" documents are in practice Windows-1252.
_WHATWG_CODECS = {
    **dict.fromkeys(
        ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j"),
        "cp932",
    ),
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "latin1", "us-ascii", "ascii"), "cp1252"),
    # A declaration readable as ASCII bytes cannot be UTF-16 (a real one starts with a BOM).
    **dict.fromkeys(("utf-16", "utf-16le", "utf-16be"), "utf-8"),
}
XML_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})
# CDATA sections are matched to be kept verbatim; any other "&" must start a reference.
_AMPERSAND_RE = re.compile(
    r"<!\[CDATA\[.*?\]\]>|&(?:(#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][\w.-]*);)?", re.DOTALL
)
TRUNCATED = "truncated XML: the root element is never closed; the last entry was dropped"


class TooLarge(ValueError):
    """A document over its size limit, before or after decompression."""


def decompressed(body: bytes, limit: int) -> bytes:
    """`body`, gunzipped when it starts with the gzip magic; ValueError if corrupt, TooLarge (a
    ValueError) if over `limit`.

    The output is bounded before it is produced, so a gzip bomb costs at most `limit` bytes.
    Sniffing the magic, not the name or Content-Type, handles both ".xml.gz" served as
    text/xml and gzip that Scrapy already decompressed.
    """
    if not body.startswith(GZIP_MAGIC):
        if len(body) > limit:
            raise TooLarge(f"larger than {limit} bytes")
        return body
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            while data and not inflater.eof:
                out += inflater.decompress(data, min(INFLATE_CHUNK, limit + 1 - len(out)))
                if len(out) > limit:
                    raise TooLarge(f"gzip: decompressed size exceeds {limit} bytes")
                data = inflater.unconsumed_tail
        except zlib.error as exc:
            raise ValueError(f"gzip: corrupt data: {exc}") from exc
        if not inflater.eof:
            raise ValueError("gzip: truncated data")
        # Another member may follow (concatenated gzip); trailing padding is ignored.
        data = inflater.unused_data if inflater.unused_data.startswith(GZIP_MAGIC) else b""
    return bytes(out)


def content_head(body: bytes) -> bytes:
    """The first bytes of `body` (gunzipped if gzip) without a UTF-8 BOM or leading blanks."""
    head = body[:SNIFF_BYTES]
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
        except zlib.error:
            return b""
    return head.removeprefix(UTF8_BOM).lstrip()


def _root_name(head: bytes) -> str | None:
    match = _ROOT_RE.search(_COMMENT_RE.sub(b"", head))
    return match[1].decode("ascii").rpartition(":")[2].lower() if match else None


def classify_document(body: bytes, content_type: str | None, url: str) -> str:
    """Route a response: "sitemap", "feed", "wordpress", "robots" or "html".

    Sniffs the root element or the first bytes, falling back on the content type; "html"
    stands for everything else, i.e. a page to hand to article extraction.
    """
    head = content_head(body)
    ctype = (content_type or "").partition(";")[0].strip().lower()
    if head.startswith((b"{", b"[")):
        if JSON_FEED_MARK in head.replace(b"\\/", b"/") or ctype in FEED_CONTENT_TYPES:
            return "feed"
        return "wordpress" if any(mark in url for mark in WORDPRESS_URL_MARKS) else "html"
    if head.startswith(b"<"):
        root = _root_name(head)
        if root in SITEMAP_ROOTS:
            return "sitemap"
        if root in FEED_ROOTS or (root is None and ctype in FEED_CONTENT_TYPES):
            return "feed"
        return "html"
    if urlsplit(url).path.endswith(ROBOTS_PATH) or _ROBOTS_LINE_RE.search(head):
        return "robots"
    # A plain-text sitemap is nothing but absolute URLs, one a line.
    return "sitemap" if _URL_LINE_RE.match(head) else "html"


def _decode(body: bytes) -> str | None:
    """The text by BOM, else XML declaration, else UTF-8; None when Python lacks the codec."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, "replace")
    match = _XML_ENCODING_RE.match(body[:200])
    label = match[1].decode("ascii").lower() if match else "utf-8"
    try:
        return body.decode(_WHATWG_CODECS.get(label, label), "replace")
    except LookupError:
        return None


def _repair_reference(match: re.Match[str]) -> str:
    name = match[1]
    if match[0].startswith("<") or (name and (name[0] == "#" or name in XML_PREDEFINED)):
        return match[0]
    if name is None:
        return "&amp;"
    char = html.entities.html5.get(f"{name};")
    return "".join(f"&#{ord(c)};" for c in char) if char else f"&amp;{name};"


def _parser_options(encoding: str | None, recover: bool) -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "recover": recover,
        "remove_comments": True,
        "remove_pis": True,
        "encoding": encoding,
    }


def _parse(data: bytes, url: str, encoding: str | None, recover: bool) -> etree._Element | None:
    parser = etree.XMLParser(**_parser_options(encoding, recover))
    return etree.fromstring(data, parser, base_url=url)


def xml_input(body: bytes) -> tuple[bytes, str | None]:
    """What libxml2 is given for untrusted XML bytes, and the encoding to read it with.

    Bare "&" and HTML entities (&nbsp;) are repaired first, because after its first error
    libxml2's recovery silently drops every later "&amp;", corrupting URLs. The repaired text
    goes to libxml2 as UTF-8, whatever the declaration says; a codec Python lacks is left to
    libxml2, which may know it.
    """
    text = _decode(body)
    if text is None:
        return body, None
    if "&" in text:
        text = _AMPERSAND_RE.sub(_repair_reference, text)
    return text.encode(), "utf-8"


def declares_entities(root: etree._Element) -> bool:
    """Whether the document declares XML entities: sitemaps and feeds never need them,
    attacks (entity expansion, XXE) always do."""
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


ENTITIES_REFUSED = "refused: the document declares XML entities (entity expansion or XXE)"


def is_truncated(data: bytes, root_name: str) -> bool:
    """Whether the document never closes its root element (it was cut short)."""
    closing = rb"</(?:[^\s<>:]+:)?" + re.escape(root_name.encode()) + rb"\s*>"
    return re.search(closing, data[-SNIFF_BYTES:]) is None


def iterparse_xml(
    data: bytes, url: str, encoding: str | None, recover: bool
) -> Iterator[etree._Element]:
    """The elements of prepared XML (see xml_input) as each one ends, read incrementally.

    Same safety options as parse_xml. The caller frees what it has read (clears elements and
    removes them from the root), so a document of a million entries never is one tree.
    Raises etree.XMLSyntaxError where a strict parse (recover=False) finds an error.
    """
    parser = etree.XMLPullParser(
        events=("end",), base_url=url, **_parser_options(encoding, recover)
    )
    view = memoryview(data)
    for start in range(0, len(data), FEED_CHUNK):
        parser.feed(bytes(view[start : start + FEED_CHUNK]))
        for _, element in parser.read_events():
            yield element
    parser.close()
    for _, element in parser.read_events():
        yield element


def recovered_tree(data: bytes, url: str, encoding: str | None) -> etree._Element | None:
    """The root of prepared XML (see xml_input) parsed whole by libxml2's recovery, or None."""
    try:
        return _parse(data, url, encoding, recover=True)
    except etree.XMLSyntaxError:
        return None


def parse_xml(body: bytes, url: str) -> tuple[etree._Element | None, str | None]:
    """Parse untrusted XML bytes: (root, None), (root, what was wrong) or (None, why not).

    No entity is expanded, no DTD or network resource is loaded, and a document that declares
    entities at all is refused: sitemaps and feeds never need them, attacks always do. The
    input is repaired first (see xml_input). A document that is still malformed is
    recovered; when it is cut short the error is TRUNCATED, and the caller drops the last
    entry, which may be incomplete.
    """
    data, encoding = xml_input(body)
    error = None
    try:
        root = _parse(data, url, encoding, recover=False)
    except etree.XMLSyntaxError as exc:
        error = str(exc)
        try:
            root = _parse(data, url, encoding, recover=True)
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        return None, f"unparseable XML: {error}"
    if declares_entities(root):
        return None, ENTITIES_REFUSED
    if error is None:
        return root, None
    if is_truncated(data, local_name(root)):
        return root, TRUNCATED
    return root, f"malformed XML, recovered: {error}"


# Tags are split by hand: etree.QName raises on names libxml2 let through in recovery ("http:").
def local_name(element: etree._Element) -> str:
    """The tag without its namespace: "urlset" for "{http://www.sitemaps.org/...}urlset"."""
    return str(element.tag).rpartition("}")[2]


def namespace_prefix(element: etree._Element | None) -> str:
    """The "{namespace}" part of the tag, ready to prefix sibling names; "" when there is none."""
    tag = str(element.tag) if element is not None else ""
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""
