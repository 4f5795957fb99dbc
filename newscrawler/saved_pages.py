"""`newscrawler extract` and `newscrawler.extract()`: saved pages to articles, offline."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from newscrawler.discovery.detect import TooLarge, decompressed
from newscrawler.extraction.article import page_to_article
from newscrawler.extraction.encoding import decode_html
from newscrawler.extraction.structured import read_metadata
from newscrawler.extraction.urls import absolute_url
from newscrawler.items import Article
from newscrawler.pipelines.normalize import normalize_article
from newscrawler.safety.pages import binary_problem
from newscrawler.settings import DOWNLOAD_MAXSIZE
from newscrawler.sites import Site, load_sites
from newscrawler.validation import validation_problem

__all__ = [
    "ExtractResult",
    "UnreadablePage",
    "extract_saved_page",
    "read_saved_page",
    "run_extract",
]


@dataclass(frozen=True)
class ExtractResult:
    source: str
    article: Article | None
    problem: str | None = None


class UnreadablePage(Exception):
    """A saved file that is not read as a page: `reason` as in a crawl's rejects, and a detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def read_saved_page(path: str, max_bytes: int = DOWNLOAD_MAXSIZE) -> tuple[bytes, datetime]:
    """The page's bytes (gunzipped when gzip) and when it was saved (the file's time).

    Bounded as a crawl bounds a download (DOWNLOAD_MAXSIZE, before and after decompression):
    no more than `max_bytes` + 1 bytes are read, and a gzip bomb is cut at `max_bytes`.
    Raises OSError, or UnreadablePage for a file too large or a corrupt or truncated gzip.
    """
    if path == "-":
        data, saved_at = sys.stdin.buffer.read(max_bytes + 1), datetime.now(UTC)
    else:
        with Path(path).open("rb") as file:
            data = file.read(max_bytes + 1)
            saved_at = datetime.fromtimestamp(os.fstat(file.fileno()).st_mtime, UTC)
    if len(data) > max_bytes:
        raise UnreadablePage("too-large", f"the file is larger than {max_bytes} bytes")
    try:
        return decompressed(data, max_bytes), saved_at
    except TooLarge as exc:
        raise UnreadablePage("too-large", str(exc)) from exc
    except ValueError as exc:  # the gzip is corrupt or cut short
        raise UnreadablePage("bad-gzip", str(exc)) from exc


def site_for_url(url: str, sites: Iterable[Site]) -> Site | None:
    host = (urlsplit(url).hostname or "").lower()
    for site in sites:
        if any(host == d or host.endswith("." + d) for d in site.domains):
            return site
    return None


def extract_saved_page(
    data: bytes, url: str | None, saved_at: datetime, source: str = "-"
) -> ExtractResult:
    """One saved page to one normalized, validated article (or the reason there is none).
    The registered site owning the URL's host extracts it with its own rules; other pages use
    the generic layers and the site id `generic`."""
    binary = binary_problem(data)
    if binary:  # an image or archive has no canonical URL to complain about
        return ExtractResult(source, None, f"not-html: {binary}")
    if not url:
        text = decode_html(data).text
        from lxml import html as lxml_html

        try:
            meta = read_metadata(lxml_html.document_fromstring(text or "<html></html>"))
        except (ValueError, lxml_html.etree.ParserError):
            meta = None
        declared = (meta.canonical or meta.first("og:url")) if meta else None
        url = absolute_url(declared, declared or "") if declared else None
    if not url:
        return ExtractResult(source, None, "no-url: the page names no canonical URL; pass --url")
    # The crawl's own way from page to article, so both give the same article.
    result = page_to_article(site_for_url(url, load_sites().values()), url, data, None, saved_at)
    if result.article is None:
        reason = result.reason or "no-article"
        detail = "" if reason.startswith("not-article/") else result.detail
        return ExtractResult(source, None, f"{reason}: {detail}" if detail else reason)
    article = normalize_article(result.article)
    problem = validation_problem(article)
    if problem:
        return ExtractResult(source, None, f"{problem[0]}: {problem[1]}")
    return ExtractResult(source, article)


def run_extract(
    files: list[str],
    url: str | None,
    out: TextIO,
    err: TextIO,
    max_bytes: int = DOWNLOAD_MAXSIZE,
) -> int:
    """Print one JSON line per extracted article; say on `err`, in one line, why a file gave
    none, and go on with the next. Exit status 1 when any file gave no article."""
    status = 0
    for name in files or ["-"]:
        try:
            data, saved_at = read_saved_page(name, max_bytes)
        except OSError as exc:
            print(f"newscrawler extract: {name}: {exc.strerror or exc}", file=err)
            status = 1
            continue
        except UnreadablePage as exc:
            print(f"newscrawler extract: {name}: no article ({exc})", file=err)
            status = 1
            continue
        try:
            result = extract_saved_page(data, url, saved_at, name)
        except Exception as exc:  # as in a crawl: one broken page must not stop the batch
            result = ExtractResult(name, None, f"extraction-error: {exc!r}")
        if result.article is None:
            print(f"newscrawler extract: {name}: no article ({result.problem})", file=err)
            status = 1
            continue
        out.write(json.dumps(result.article.to_dict(), ensure_ascii=False) + "\n")
    return status
