"""`newscrawler extract` and `newscrawler.extract()`: saved pages to articles, offline."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from newscrawler.extraction.article import page_to_article
from newscrawler.extraction.encoding import decode_html
from newscrawler.extraction.structured import read_metadata
from newscrawler.extraction.urls import absolute_url
from newscrawler.items import Article
from newscrawler.pipelines.normalize import normalize_article
from newscrawler.pipelines.validate import validation_problem
from newscrawler.sites import Site, load_sites

__all__ = ["ExtractResult", "extract_saved_page", "run_extract"]


@dataclass(frozen=True)
class ExtractResult:
    source: str
    article: Article | None
    problem: str | None = None


def read_saved_page(path: str) -> tuple[bytes, datetime]:
    """The page's bytes (gunzipped when gzip) and when it was saved (the file's time)."""
    if path == "-":
        return sys.stdin.buffer.read(), datetime.now(UTC)
    file = Path(path)
    data = file.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data, datetime.fromtimestamp(file.stat().st_mtime, UTC)


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


def run_extract(files: list[str], url: str | None, out: TextIO, err: TextIO) -> int:
    """Print one JSON line per extracted article; say on `err` why a file gave none.
    Exit status 1 when any file gave no article."""
    status = 0
    for name in files or ["-"]:
        try:
            data, saved_at = read_saved_page(name)
        except OSError as exc:
            print(f"newscrawler extract: {name}: {exc.strerror or exc}", file=err)
            status = 1
            continue
        result = extract_saved_page(data, url, saved_at, name)
        if result.article is None:
            print(f"newscrawler extract: {name}: no article ({result.problem})", file=err)
            status = 1
            continue
        out.write(json.dumps(result.article.to_dict(), ensure_ascii=False) + "\n")
    return status
