"""The one way from page to article (`newscrawler/extraction/article.py:page_to_article`): its
reasons, its stamping, the embedded-JSON layer of script-built shells, and that `newscrawler
extract` gives a saved page the article a crawl of the same page writes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newscrawler.drift import FILL_FIELDS
from newscrawler.extraction.article import page_to_article
from newscrawler.extraction.page import ArticlePage
from newscrawler.items import EXTRACTED_FIELDS
from newscrawler.sites import Site, get_site

from .conftest import FIXTURES, ROOT
from .splash_harness import JSPAGES, JSPagesServer, run_site_crawl

ARTICLE = (
    "<html lang='en'><head><title>Harbour ferry returns | Example News</title></head><body>"
    "<article><h1>Harbour ferry returns</h1>"
    + "".join(
        f"<p>Paragraph {n} of the story about the harbour ferry, long enough to be read.</p>"
        for n in range(6)
    )
    + "</article></body></html>"
).encode()
URL = "https://news.example.org/2026/12/ferry.html"
SAVED_AT = datetime(2026, 12, 1, 8, 30, 5, tzinfo=UTC)


def test_an_article_is_read_and_stamped() -> None:
    result = page_to_article(None, URL, ARTICLE, "text/html; charset=utf-8", SAVED_AT)
    assert result.reason is None and result.article is not None and result.page is not None
    article = result.article
    assert article.title == "Harbour ferry returns"
    assert len(article.body) == 6 and article.body[0].startswith("Paragraph 0")
    assert (article.site, article.fetched_at) == ("generic", "2026-12-01T08:30:05Z")
    jmh = page_to_article(get_site("jmh"), URL, ARTICLE, None, SAVED_AT).article
    assert jmh is not None and jmh.site == "jmh"


@pytest.mark.parametrize(
    ("body", "content_type", "reason", "detail"),
    [
        (ARTICLE, "application/pdf", "not-html", "application/pdf"),
        (ARTICLE, "Application/JSON; charset=UTF-8", "not-html", "application/json; charset=utf-8"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "text/html", "not-html", "a PNG image"),
        (b"<html>" + bytes(range(1, 8)) * 40 + b"</html>", None, "not-html", "control bytes"),
        (b"", "text/html", "empty-response", ""),
        (b" \r\n\t ", None, "empty-response", ""),
    ],
    ids=["pdf-type", "json-type", "png-bytes", "control-bytes", "empty", "whitespace"],
)
def test_pages_that_are_not_html_are_refused_before_any_parsing(
    body: bytes, content_type: str | None, reason: str, detail: str
) -> None:
    result = page_to_article(None, URL, body, content_type)
    assert (result.article, result.page, result.reason) == (None, None, reason)
    assert detail in result.detail


def test_a_page_that_is_not_one_article_gives_its_kind_and_keeps_the_page() -> None:
    result = page_to_article(None, "https://news.example.org/", ARTICLE, "text/html")
    assert result.article is None
    assert (result.reason, result.detail) == ("not-article/home", "a home page, not one article")
    # The rendering path and the benchmarks still read the page itself.
    assert isinstance(result.page, ArticlePage) and result.page.body()[0]


class _BrokenPage(ArticlePage):
    """A site rule with a bug: every page it reads raises."""

    def site_title(self) -> str:
        raise KeyError("headline")


def test_a_bug_met_on_one_page_is_a_reason_with_the_error_not_an_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    site = Site(
        "broken",
        "Broken",
        ("news.example.org",),
        ("https://news.example.org/sitemap.xml",),
        page_class=_BrokenPage,
    )
    result = page_to_article(site, URL, ARTICLE, "text/html")
    assert (result.article, result.page) == (None, None)
    assert (result.reason, result.detail) == ("extraction-error", "KeyError('headline')")
    assert f"extraction failed for {URL}" in caplog.text and "Traceback" in caplog.text


@pytest.mark.parametrize(
    ("name", "source", "last_words"),
    [
        ("next-data.html", "next-data", "delivery bays"),
        ("initial-state.html", "initial-state", "third day"),
    ],
)
def test_a_script_built_shell_is_read_from_its_embedded_json(
    name: str, source: str, last_words: str
) -> None:
    result = page_to_article(None, f"http://127.0.0.1/{name}", (JSPAGES / name).read_bytes())
    assert result.article is not None and result.page is not None, result.reason
    assert last_words in result.article.body[-1]
    assert result.article.extraction["body"] == "generic"  # page-state JSON: generic rules
    assert result.page.page_data is not None and result.page.page_data.source == source


def test_a_page_showing_its_text_never_reads_embedded_json() -> None:
    result = page_to_article(None, URL, ARTICLE, "text/html")
    assert result.page is not None and result.page.page_data is None


def test_the_extracted_field_list_is_written_once() -> None:
    result = page_to_article(None, URL, ARTICLE, "text/html")
    assert result.article is not None
    assert set(result.article.extraction) <= set(EXTRACTED_FIELDS)
    assert set(FILL_FIELDS) == set(EXTRACTED_FIELDS) - {"canonical_url", "paywalled"}


def _extract(url: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "extract", "--url", url, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _comparable(article: dict[str, Any]) -> dict[str, Any]:
    # When it was fetched, and the site id (the test site of the crawl, `generic` for a page no
    # registered site owns), are the only fields allowed to differ.
    return {k: v for k, v in article.items() if k not in ("fetched_at", "site")}


def test_extract_gives_a_saved_shell_the_article_a_crawl_writes(tmp_path: Path) -> None:
    with JSPagesServer() as server:
        crawl, _ = run_site_crawl(
            server.base, tmp_path, variant="plain", settings={"SPLASH_URL": ""}
        )
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    crawled = {a["url"].rsplit("/", 1)[1]: a for a in map(json.loads, lines)}
    for name in ("next-data.html", "initial-state.html"):
        result = _extract(crawled[name]["url"], FIXTURES / "jspages" / "pages" / name)
        assert result.returncode == 0, result.stderr
        extracted = json.loads(result.stdout)
        assert _comparable(extracted) == _comparable(crawled[name]), name
