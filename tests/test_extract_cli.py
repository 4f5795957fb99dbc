"""`newscrawler extract`: saved pages (.html, .html.gz, standard input) to article JSON lines in
the crawl's schema."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from newscrawler.pipelines.validate import article_schema

from .conftest import FIXTURES, ROOT

MAINICHI_PAGE = next((FIXTURES / "mainichi" / "site" / "pages").glob("*.html.gz"))
MAINICHI_EXPECTED = json.loads(
    next((FIXTURES / "mainichi" / "expected").glob("*.json")).read_text(encoding="utf-8")
)


def extract(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "extract", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_a_saved_gzip_page_gives_the_same_article_as_a_crawl() -> None:
    result = extract(str(MAINICHI_PAGE))
    assert result.returncode == 0, result.stderr.decode()
    (line,) = result.stdout.decode("utf-8").splitlines()
    article = json.loads(line)
    jsonschema.Draft202012Validator(article_schema()).validate(article)
    # No --url: the page's canonical URL is used, and it picks the registered site.
    assert article["url"] == MAINICHI_EXPECTED["url"]
    assert article["site"] == "mainichi"
    for field, value in MAINICHI_EXPECTED["article"].items():
        assert article[field] == value, field


def test_standard_input_and_url_option(tmp_path: Path) -> None:
    html = gzip.decompress(MAINICHI_PAGE.read_bytes())
    result = extract("--url", "https://mainichi.jp/articles/x?utm_source=feed", stdin=html)
    assert result.returncode == 0, result.stderr.decode()
    article = json.loads(result.stdout)
    assert article["url"] == "https://mainichi.jp/articles/x?utm_source=feed"
    assert article["title"] == MAINICHI_EXPECTED["article"]["title"]


def test_several_files_one_line_each_and_a_reason_for_each_page_without_an_article(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "page.html"
    plain.write_bytes(gzip.decompress(MAINICHI_PAGE.read_bytes()))
    no_url = tmp_path / "bare.html"
    no_url.write_text("<html><body><h1>Hello there</h1><p>Short text.</p></body></html>")
    home = FIXTURES / "pages" / "cnn_main_site.html.gz"
    result = extract(str(plain), str(no_url), str(home), str(tmp_path / "missing.html"))
    assert result.returncode == 1
    assert len(result.stdout.decode().splitlines()) == 1
    err = result.stderr.decode()
    assert f"{no_url}: no article (no-url: the page names no canonical URL; pass --url)" in err
    assert f"{home}: no article (not-article/home)" in err
    assert "missing.html: No such file or directory" in err
