"""Declarative site files (`<id>.toml`): loading, selectors, politeness, and start-up errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawler.sites import SiteFileError, get_site, load_sites
from newscrawler.sites.files import load_site_file
from newscrawler.sites.registry import SITES_DIR_ENV
from newscrawler.spiders.sites import spider_class_for

from .conftest import ROOT
from .environment import child_environment

GOOD = """\
# A site written by us for the tests.
id = "example_news"
name = "Example News"
other_names = ["Example"]
language = "en"
domains = ["example.org"]
discovery = ["https://example.org/robots.txt"]
article_urls = ['^https://example\\.org/news/\\d+$']

remove = [{ css = "aside.related" }]

[politeness]
delay = 3.5
concurrency = 1

[selectors]
title = "//h1[@class='headline']"
authors = { css = "span.byline a" }
"""
PAGE = """<html><head><title>Other | Example News</title></head><body>
<h1 class="headline">The real headline</h1><span class="byline"><a>Ann Lee</a></span>
<article><p>First paragraph of the story, long enough to count as text.</p>
<aside class="related"><p>Related: another story</p></aside></article></body></html>"""


@pytest.fixture
def sites_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "sites"
    folder.mkdir()
    monkeypatch.setenv(SITES_DIR_ENV, str(folder))
    load_sites.cache_clear()
    yield folder
    load_sites.cache_clear()


def test_a_site_file_registers_a_site_with_its_rules(sites_dir: Path) -> None:
    (sites_dir / "example_news.toml").write_text(GOOD, encoding="utf-8")
    site = get_site("example_news")
    assert site.domains == ("example.org",)
    assert site.is_article_url("https://example.org/news/12")
    assert not site.is_article_url("https://example.org/news/")
    article = site.page_class("https://example.org/news/12", PAGE).extract()
    assert article.title == "The real headline"
    assert article.authors == ["Ann Lee"]
    assert article.extraction["authors"] == "site"
    assert "Related: another story" not in " ".join(article.body)
    settings = spider_class_for(site).custom_settings
    assert settings == {"DOWNLOAD_DELAY": 3.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}


def test_the_package_ships_declarative_sites() -> None:
    load_sites.cache_clear()
    shipped = sorted(p.stem for p in (ROOT / "newscrawler" / "sites").glob("*.toml"))
    assert shipped, "no newscrawler/sites/*.toml"
    for site_id in shipped:
        assert get_site(site_id).id == site_id


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('id = "example_news"\nname = "x\n', 2, "not valid TOML"),
        (
            GOOD.replace("[politeness]\n", "[politeness]\nspeed = 2\n"),
            13,
            "politeness.speed: unknown",
        ),
        (GOOD.replace('title = "//h1', 'title = "//h1[', 1), 17, "selectors.title: bad XPath"),
        (GOOD.replace('{ css = "span.byline a" }', '{ css = "span..a" }'), 18, "bad CSS"),
        (GOOD.replace("[selectors]\n", "[selectors]\nheadline = '//h1'\n"), 17, "unknown field"),
        (GOOD.replace('domains = ["example.org"]', 'domains = "example.org"'), 6, "must be a list"),
        (GOOD.replace("delay = 3.5", 'delay = "slow"'), 13, "must be a number"),
        (GOOD.replace('id = "example_news"', 'id = "other_news"'), 2, "rename the file"),
        (GOOD.replace("^https", "^(https"), 8, "bad regular expression"),
        (GOOD.replace("remove =", 'render = "yes"\nremove ='), 10, "render: must be true or false"),
        # A top-level key written after a [table] belongs to that table.
        (GOOD + "render = true\n", 19, "selectors.render: unknown field"),
        (GOOD.replace("domains", "domain"), 6, "unknown key"),
        # The words Python sites used before they took the site file's.
        (
            GOOD.replace("discovery =", "start_urls ="),
            7,
            "start_urls: unknown key; a site file calls it discovery",
        ),
        (
            GOOD.replace("domains =", "allowed_domains ="),
            6,
            "allowed_domains: unknown key; a site file calls it domains",
        ),
    ],
)
def test_a_malformed_site_file_names_file_line_and_problem(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "example_news.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteFileError) as caught:
        load_site_file(path)
    error = str(caught.value)
    assert str(path) in error
    assert f"{path}:{line}: " in error, error
    assert message in error


def test_missing_required_key(tmp_path: Path) -> None:
    path = tmp_path / "example_news.toml"
    path.write_text('id = "example_news"\nname = "Example"\n', encoding="utf-8")
    with pytest.raises(SiteFileError, match=r"example_news\.toml:1: domains: missing"):
        load_site_file(path)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # This checkout's package, whatever an editable install elsewhere points at.
    child = {**child_environment(), "PYTHONPATH": str(ROOT)}
    child.pop(SITES_DIR_ENV, None)
    child.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", *args],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_and_crawl_take_a_sites_folder(tmp_path: Path) -> None:
    (tmp_path / "example_news.toml").write_text(GOOD, encoding="utf-8")
    listed = _cli("list", "--sites", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "example_news" in listed.stdout and "asahi" in listed.stdout
    (tmp_path / "example_news.toml").write_text(GOOD.replace("delay = 3.5", "delay = -1"))
    crawl = _cli("crawl", "example_news", "--sites", str(tmp_path))
    assert crawl.returncode == 2
    assert f"{tmp_path / 'example_news.toml'}:13: politeness.delay: out of range" in crawl.stderr
    assert "Traceback" not in crawl.stderr


def test_env_folder_with_a_broken_file_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('id = "broken"\nname = [\n', encoding="utf-8")
    result = _cli("list", env={SITES_DIR_ENV: str(tmp_path)})
    assert result.returncode == 2
    assert f"{tmp_path / 'broken.toml'}:2: not valid TOML" in result.stderr


def test_a_python_site_with_the_old_words_is_told_the_new_ones(sites_dir: Path) -> None:
    (sites_dir / "oldwords.py").write_text(
        "from newscrawler.sites import Site\n"
        "SITE = Site(id='oldwords', name='Old Words', allowed_domains=('example.org',),\n"
        "            start_urls=('https://example.org/robots.txt',))\n",
        encoding="utf-8",
    )
    with pytest.raises(SiteFileError) as caught:
        load_sites()
    message = str(caught.value)
    assert message.startswith(f"{sites_dir / 'oldwords.py'}: TypeError: ")
    assert message.endswith("; Site(allowed_domains=...) is now Site(domains=...)")
    assert "\n" not in message


def test_same_id_in_a_file_and_the_package_is_refused(sites_dir: Path) -> None:
    (sites_dir / "asahi.toml").write_text(GOOD.replace("example_news", "asahi"), encoding="utf-8")
    with pytest.raises(SiteFileError, match="already registered"):
        load_sites()
    os.environ.pop(SITES_DIR_ENV, None)
