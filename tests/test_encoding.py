"""Bytes to text: Japanese legacy encodings, pages whose header, meta and bytes disagree, and the
real non-UTF-8 pages of the trafilatura corpus."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newscrawler.extraction.encoding import decode_html
from newscrawler.extraction.page import ArticlePage
from newscrawler.pipelines.normalize import normalize_article

from .conftest import FIXTURES

JAPANESE = FIXTURES / "encodings" / "japanese"
TRAFILATURA = FIXTURES / "encodings" / "trafilatura"
EXPECTED_CODECS = {
    "SHIFT_JIS": {"cp932", "shift_jis"},
    "CP932": {"cp932"},
    "EUC-JP": {"euc_jp", "euc_jis_2004", "euc_jisx0213"},
    "iso-2022-jp": {"iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"},
}
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
MAINICHI_URL = "https://mainichi.jp/articles/20250114/k00/00m/030/335000c"


def japanese_samples() -> list[Path]:
    return sorted(p for p in JAPANESE.glob("*/*") if p.is_file())


@pytest.mark.parametrize("path", japanese_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_japanese_legacy_encodings_decode_to_japanese_text(path: Path) -> None:
    page = decode_html(path.read_bytes())
    assert page.encoding in EXPECTED_CODECS[path.parent.name], page
    assert "\ufffd" not in page.text
    high_bytes = sum(1 for b in path.read_bytes() if b > 127)
    assert len(KANA_OR_KANJI.findall(page.text)) >= min(20, high_bytes // 3)


def mainichi_html() -> str:
    raw = (FIXTURES / "mainichi" / "site" / "pages").glob("*.html.gz")
    return gzip.decompress(next(raw).read_bytes()).decode("utf-8")


TITLE = "イスラエルとハマスの停戦「最も合意に近い」"


@pytest.mark.parametrize(
    ("encoding", "header", "meta"),
    [
        # header and meta both wrong: UTF-8 bytes labelled Shift_JIS / ISO-8859-1
        ("utf-8", "text/html; charset=Shift_JIS", "iso-8859-1"),
        # CP932 bytes, header says UTF-8, meta says nothing useful
        ("cp932", "text/html; charset=utf-8", "utf-8"),
        # EUC-JP bytes, header says ISO-8859-1 (a common server default), meta right
        ("euc_jp", "text/html; charset=ISO-8859-1", "EUC-JP"),
        # EUC-JP bytes, header and meta both say ISO-8859-1
        ("euc_jp", "text/html; charset=ISO-8859-1", "iso-8859-1"),
        # ISO-2022-JP bytes (7-bit), nothing declared
        ("iso2022_jp_ext", None, None),
        # Shift_JIS bytes with no declaration at all
        ("cp932", None, None),
    ],
)
def test_header_meta_and_bytes_that_disagree(
    encoding: str, header: str | None, meta: str | None
) -> None:
    html = re.sub(r"<meta charset=[^>]*>", "", mainichi_html(), flags=re.I)
    html = re.sub(r'<meta[^>]+http-equiv="?content-type[^>]*>', "", html, flags=re.I)
    if meta:
        html = html.replace("<head>", f'<head><meta charset="{meta}">', 1)
    body = html.encode(encoding, errors="ignore")
    page = decode_html(body, header)
    assert TITLE in page.text, (page.encoding, page.evidence)
    article = normalize_article(ArticlePage(MAINICHI_URL, page.text).extract())
    assert article.title.startswith(TITLE)
    assert article.language == "ja"


def test_a_utf8_page_with_pasted_windows_1252_and_shift_jis_paragraphs() -> None:
    page = decode_html(
        '<html><head><meta charset="utf-8"></head><body><p>Grüße aus 東京</p>\n'.encode()
        + "<p>Café crème, schön</p>\n".encode("cp1252")
        + "<p>東京の市場は堅調に推移した。</p>\n".encode("cp932")
        + "<p>Ünïcödé again 日本</p></body></html>".encode()
    )
    assert page.evidence == "utf-8+mixed"
    for line in (
        "Grüße aus 東京",
        "Café crème, schön",
        "東京の市場は堅調に推移した。",
        "Ünïcödé again 日本",
    ):
        assert line in page.text


def test_byte_order_marks_win() -> None:
    text = "<html><body><p>東京</p></body></html>"
    assert decode_html(b"\xef\xbb\xbf" + text.encode(), "text/html; charset=latin-1").text == text
    assert decode_html(b"\xff\xfe" + text.encode("utf-16-le")).text == text


EXPECTED = json.loads((TRAFILATURA / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_non_utf8_pages_decode_to_the_corpus_text(name: str) -> None:
    expected = EXPECTED[name]
    page = decode_html(gzip.decompress((TRAFILATURA / name).read_bytes()))
    assert page.text.count("\ufffd") <= 4, page.encoding
    document = lxml_html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", page.text))
    text = " ".join(document.text_content().split())
    # The corpus's must-appear snippets carry the accented characters a wrong decoding breaks.
    for snippet in expected["with"]:
        assert " ".join(snippet.split()) in text, (page.encoding, page.evidence, snippet)
