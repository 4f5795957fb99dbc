"""The generic body layer's second pass: a short fast trafilatura result is retried with the full
comparison only when it may have missed the article (newscrawler/extraction/body.py)."""

from __future__ import annotations

import gzip

from lxml.html import HtmlElement

from newscrawler.extraction import body
from newscrawler.extraction.encoding import decode_html
from newscrawler.extraction.page import ArticlePage
from newscrawler.extraction.text import latin_length

from .conftest import FIXTURES

PAGES = FIXTURES / "pages"
SENTENCE = "The council voted on the harbour budget after a long debate about the ferry. "


def tree_of(name: str, url: str) -> HtmlElement:
    html = decode_html(gzip.decompress((PAGES / name).read_bytes())).text
    return ArticlePage(url, html).tree


def chars(paragraphs: list[str]) -> int:
    return sum(len(p) for p in paragraphs)


def page(article: str, around: str = "", declared: str = "") -> HtmlElement:
    script = ""
    if declared:
        script = (
            '<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "'
            + declared
            + '"}</script>'
        )
    html = (
        f"<html><head>{script}</head><body><nav>{around}</nav>"
        f"<article><h1>Harbour budget</h1><p>{article}</p></article></body></html>"
    )
    return ArticlePage("https://example.com/news/harbour", html).tree


def test_a_fast_result_that_missed_the_article_is_retried_on_a_real_page() -> None:
    # Der Spiegel: the fast pass keeps a teaser (under 1,000 characters) of a page with 20 times
    # that much visible text; the full comparison finds the article.
    url = "https://www.spiegel.de/spiegel/print/d-161500790.html"
    tree = tree_of("spiegel.de.albtraum.html.gz", url)
    fast = body._paragraphs(tree, url, fast=True)
    assert 0 < chars(fast) < body.RETRY_BELOW_CHARS
    paragraphs = body.extract_paragraphs(tree, url)
    assert chars(paragraphs) > 10_000
    text = "\n".join(paragraphs)
    assert "Die Geschichte beginnt am 26. Oktober" in text  # trafilatura-eval's "with" snippets
    assert "Vervielfältigung nur mit Genehmigung" not in text  # and a "without" one


def test_a_short_chinese_article_is_not_retried_on_a_real_page() -> None:
    # BBC Chinese: some 700 Han characters are a whole short story (2.5 Latin characters each),
    # and the full comparison finds nothing more.
    url = "https://example.invalid/chinese_article"  # the page names no URL of its own
    tree = tree_of("chinese_article.html.gz", url)
    fast = body._paragraphs(tree, url, fast=True)
    assert chars(fast) < body.RETRY_BELOW_CHARS <= latin_length(fast)
    assert not body._may_have_missed(tree, fast, chars(fast), 0)
    assert body._paragraphs(tree, url, fast=False) == fast  # what the retry would have found
    assert fast[0].startswith("香港行政长官梁振英在各方压力下")


def test_latin_length_weighs_han_kana_and_hangul() -> None:
    assert latin_length(["abcd"]) == 4
    assert latin_length(["漢字かな한글"]) == 6 * 2.5
    assert latin_length(["ab", "漢"]) == 2 + 2.5


def test_a_short_post_is_the_whole_page_and_is_not_retried() -> None:
    article = SENTENCE * 5  # ~400 characters
    alone = page(article)
    found = [article.strip()]
    assert not body._may_have_missed(alone, found, len(found[0]), 0)
    # The same text on a page with far more visible text elsewhere: it may be a teaser.
    crowded = page(article, around="<p>" + "Other stories and links. " * 200 + "</p>")
    assert body._may_have_missed(crowded, found, len(found[0]), 0)
    # Below ALWAYS_RETRY_BELOW_CHARS, or as a string (nothing to count), always retried.
    assert body._may_have_missed(alone, ["A line."], 7, 0)
    assert body._may_have_missed("<html></html>", found, len(found[0]), 0)


def test_the_article_text_the_page_declares_decides() -> None:
    article = SENTENCE * 5
    found = [article.strip()]
    crowded = page(article, around="<p>" + "Other stories and links. " * 200 + "</p>")
    # Found most of the declared articleBody: nothing missed, however crowded the page.
    assert not body._may_have_missed(crowded, found, len(found[0]), len(article))
    # Far less than declared: retried even when it is not short at all.
    long_found = ["x" * 3000]
    assert not body._may_have_missed(crowded, long_found, 3000, 0)
    tree = page("x" * 3000, declared="y" * 7000)
    calls: list[bool] = []
    original = body._paragraphs

    def counted(html: str | HtmlElement, url: str | None, fast: bool) -> list[str]:
        calls.append(fast)
        return original(html, url, fast)

    body._paragraphs = counted
    try:
        body.extract_paragraphs(tree, "https://example.com/news/harbour", 7000)
        body.extract_paragraphs(tree, "https://example.com/news/harbour", 3000)
    finally:
        body._paragraphs = original
    assert calls == [True, False, True]  # 3,000 of 7,000 declared: retried; of 3,000: not
