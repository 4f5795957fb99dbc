"""Fixture replay for every site: each saved page, served from its recorded site folder, must
extract to its hand-checked `fixtures/<site>/expected/<page>.json`, field by field.

Also checks each recorded site's sitemap against the site's `article_urls`, and that
every registered site has fixtures and every site fixture folder has a registered site.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from newscrawler.fixturetool import EXPECTED_FIELDS, NOT_SITE_FOLDERS, Case, compare, replay_case
from newscrawler.items import ARTICLE_FIELDS
from newscrawler.replay.recording import Recording
from newscrawler.sites import get_site, load_sites

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXPECTED_FILES = sorted(FIXTURES.glob("*/expected/*.json"))
SITE_FOLDERS = sorted(path.parent for path in FIXTURES.glob("*/site/index.json"))
# Every expected article must state these fields (null / [] when the page has none).
REQUIRED_FIELDS = EXPECTED_FIELDS
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def _site_of(path: Path) -> str:
    """`fixtures/<site>/expected/<page>.json` or `fixtures/<site>/site` -> `<site>`."""
    return path.relative_to(FIXTURES).parts[0]


def _page_id(path: Path) -> str:
    return f"{_site_of(path)}/{path.stem}"


@cache
def _recording(site_id: str) -> Recording:
    return Recording.load(FIXTURES / site_id / "site")


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _body(site_id: str, url: str) -> tuple[bytes, dict[str, str]]:
    """The recorded body as the downloader would hand it on: gunzipped, without the
    Content-Encoding header (Scrapy's HttpCompressionMiddleware does the same)."""
    recorded = _recording(site_id).get(url)
    assert recorded is not None, f"{url} is not recorded in fixtures/{site_id}/site/index.json"
    assert recorded.status == 200, f"{url} is recorded with status {recorded.status}, not 200"
    body = recorded.body()
    headers = dict(recorded.headers)
    if (_header(headers, "Content-Encoding") or "").lower() == "gzip":
        body = gzip.decompress(body)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-encoding"}
    return body, headers


def _load_expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("expected_path", EXPECTED_FILES, ids=_page_id)
def test_page_extracts_the_expected_article(expected_path: Path) -> None:
    # The same replay and comparison as `newscrawler check` (newscrawler/fixturetool.py).
    case = Case(_site_of(expected_path), expected_path)
    want: dict[str, Any] = case.expected()["article"]
    missing = [f for f in REQUIRED_FIELDS if f not in want]
    assert not missing, f"{expected_path.name} does not state {missing}"
    unknown = [f for f in want if f not in ARTICLE_FIELDS]
    assert not unknown, f"{expected_path.name} names fields the Article has not: {unknown}"

    article = replay_case(FIXTURES, case)
    results = compare(article, want)
    wrong = [r.field for r in results if not r.ok]
    for result in results:
        assert result.ok, (
            f"{case.name}: {result.explain()}\n"
            f"(fields that differ: {', '.join(wrong)}; layers: {article.extraction})"
        )


def _xml(site_id: str, url: str) -> etree._Element:
    body, _ = _body(site_id, url)
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as a gzip file
        body = gzip.decompress(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(body, parser=parser)


def _is_xml(site_id: str, url: str) -> bool:
    recorded = _recording(site_id).get(url)
    content_type = (_header(dict(recorded.headers), "Content-Type") or "") if recorded else ""
    return "xml" in content_type.lower() or url.endswith((".xml", ".xml.gz"))


def _sitemap_urls(site_id: str) -> list[str]:
    """The sitemaps discovery starts from: robots.txt `Sitemap:` lines and start URLs that are
    sitemaps themselves."""
    found: list[str] = []
    for start in get_site(site_id).discovery:
        if start.endswith("/robots.txt"):
            text = _body(site_id, start)[0].decode("utf-8")
            found += [
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.lower().startswith("sitemap:")
            ]
        elif _is_xml(site_id, start):
            found.append(start)
    return found


def _sitemap_pages(site_id: str) -> dict[str, bool]:
    """Page URL -> whether its sitemap entry carries a Google News `news:news` block, for every
    page listed by the site's sitemaps (sitemap indexes followed). Feeds are skipped."""
    pages: dict[str, bool] = {}
    queue = _sitemap_urls(site_id)
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        root = _xml(site_id, url)
        if root.tag == f"{SITEMAP_NS}sitemapindex":
            queue += [(node.text or "").strip() for node in root.iter(f"{SITEMAP_NS}loc")]
        elif root.tag == f"{SITEMAP_NS}urlset":
            for entry in root.iter(f"{SITEMAP_NS}url"):
                loc = (entry.findtext(f"{SITEMAP_NS}loc") or "").strip()
                if loc:
                    pages[loc] = entry.find(f"{NEWS_NS}news") is not None
    return pages


@pytest.mark.parametrize("site_folder", SITE_FOLDERS, ids=_site_of)
def test_sitemap_lists_articles_and_one_deliberate_non_article(site_folder: Path) -> None:
    """A sitemap entry is an article when it has a news:news block or an expected JSON; the
    site's URL patterns must accept exactly those and reject the rest (the section page each
    recorded sitemap lists on purpose)."""
    site_id = _site_of(site_folder)
    site = get_site(site_id)
    pages = _sitemap_pages(site_id)
    if not pages:
        pytest.skip(f"{site_id} discovers its articles without a sitemap")
    expected_urls = {
        _load_expected(path)["url"] for path in (FIXTURES / site_id / "expected").glob("*.json")
    }
    for url in sorted(expected_urls):
        assert url in pages, f"{site_id}: expected article {url} is not in its sitemap"
    for url, has_news_block in pages.items():
        is_article = has_news_block or url in expected_urls
        assert site.is_article_url(url) == is_article, (
            f"{site_id}: article_urls {'reject' if is_article else 'accept'} {url}, "
            f"which is {'an article' if is_article else 'not an article'}"
        )
    rejected = [url for url in pages if not site.is_article_url(url)]
    assert rejected, f"{site_id}: its sitemap lists no non-article URL to test the patterns on"


def test_every_site_has_an_expected_article() -> None:
    missing = [
        site_id
        for site_id in load_sites()
        if not list((FIXTURES / site_id / "expected").glob("*.json"))
    ]
    assert not missing, f"sites without fixtures/<id>/expected/*.json: {missing}"


def test_every_site_fixture_folder_names_a_site() -> None:
    # Every fixture folder is a site's, except the ones holding other units' test data.
    folders = [
        path.name
        for path in FIXTURES.iterdir()
        if path.is_dir() and path.name not in NOT_SITE_FOLDERS
    ]
    unknown = [name for name in folders if name not in load_sites()]
    assert not unknown, f"fixture folders naming no registered site: {unknown}"


def test_every_saved_page_has_its_expected_article() -> None:
    """Each HTML page a site's recording serves with status 200 has an expected JSON."""
    missing = []
    for site_folder in SITE_FOLDERS:
        site_id = _site_of(site_folder)
        expected_urls = {
            _load_expected(path)["url"] for path in (FIXTURES / site_id / "expected").glob("*.json")
        }
        for response in _recording(site_id):
            content_type = (_header(dict(response.headers), "Content-Type") or "").lower()
            if (
                response.status == 200
                and "html" in content_type
                and response.url not in expected_urls
            ):
                missing.append(response.url)
    assert not missing, f"saved pages without fixtures/<site>/expected/*.json: {missing}"
