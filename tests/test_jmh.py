"""Site tests for jmh (Japan Media Highlights): the seed article comes back whole, no chrome."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from newscrawler.items import Article
from newscrawler.replay.recording import Recording
from newscrawler.sites import get_site
from newscrawler.sites.jmh import SITE, JmhPage

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "jmh"
SEED_FILE = FIXTURE / "seed" / "000_570d4b081ac06c31.txt"
SEED_URL = "https://jmh.usembassy.gov/2017031517228/"
SECOND_URL = "https://jmh.usembassy.gov/2017031617301/"
POST_URLS = (SEED_URL, SECOND_URL)
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@dataclass(frozen=True)
class SeedText:
    chrome_first_line: str
    title: str
    paragraphs: list[str]
    bullets: list[str]


def parse_seed(text: str) -> SeedText:
    """The seed's layout (fixtures/jmh/seed/README.md): the print button line, two empty lines,
    the title, one empty line, paragraphs separated by two empty lines, two empty lines, then
    `  • label` bullet lines with no final newline."""
    lines = text.split("\n")
    assert lines[1:3] == ["", ""] and lines[4] == "", "seed layout changed"
    blocks = "\n".join(lines[5:]).split("\n\n\n")
    bullet_lines = blocks[-1].split("\n")
    assert all(line.startswith("  • ") for line in bullet_lines)
    return SeedText(
        chrome_first_line=lines[0],
        title=lines[3],
        paragraphs=blocks[:-1],
        bullets=[line.removeprefix("  • ") for line in bullet_lines],
    )


@pytest.fixture(scope="module")
def seed() -> SeedText:
    return parse_seed(SEED_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def recording() -> Recording:
    return Recording.load(FIXTURE / "site")


def html_of(recording: Recording, url: str) -> str:
    response = recording.get(url)
    assert response is not None, f"{url} is not recorded"
    return response.body().decode("utf-8")


def extract(recording: Recording, url: str) -> Article:
    return JmhPage(url, html_of(recording, url)).extract()


def test_seed_layout_is_what_the_readme_says(seed: SeedText) -> None:
    assert seed.chrome_first_line == "print PRINT"
    assert seed.title == "Tillerson set to focus on N. Korea response in 1st Japan visit"
    assert len(seed.paragraphs) == 14
    assert seed.bullets == ["Ambassador", "Ukraine", "COVID-19", "Trending Japan"]


def test_seed_post_gives_back_the_seed_title_and_paragraphs(
    recording: Recording, seed: SeedText
) -> None:
    article = extract(recording, SEED_URL)
    assert article.title == seed.title
    assert article.body == seed.paragraphs
    # The curly quotes are served as wptexturize entities (&#8217;) and must come back as text.
    assert "North Korea’s growing missile" in article.body[0]
    assert article.body[2].startswith("“It is extremely important")


def test_expected_json_agrees_with_the_seed(seed: SeedText) -> None:
    expected = json.loads((FIXTURE / "expected" / "2017031517228.json").read_text("utf-8"))
    assert expected["url"] == SEED_URL
    assert expected["article"]["title"] == seed.title
    assert expected["article"]["body"] == seed.paragraphs
    assert expected["article"]["tags"] == []


@pytest.mark.parametrize("url", POST_URLS)
def test_trending_widget_is_neither_tags_nor_body(
    recording: Recording, seed: SeedText, url: str
) -> None:
    html = html_of(recording, url)
    # The page really carries the widget (as links), so the assertions below mean something.
    for label in seed.bullets:
        assert f">{label}</a>" in html
    article = extract(recording, url)
    assert article.tags == []
    labels = {label.casefold() for label in [*seed.bullets, "Trending"]}
    assert not labels & {tag.casefold() for tag in article.tags}
    assert not labels & {paragraph.casefold() for paragraph in article.body}
    # "Ukraine" occurs inside the story itself; no label may open or close a paragraph.
    for paragraph in article.body:
        folded = paragraph.casefold()
        assert not any(folded.startswith(label) or folded.endswith(label) for label in labels)


@pytest.mark.parametrize("url", POST_URLS)
def test_print_button_stays_out_of_the_body(recording: Recording, url: str) -> None:
    assert "print</i> PRINT</a>" in html_of(recording, url)
    article = extract(recording, url)
    for paragraph in article.body:
        assert not re.search(r"\bprint\b", paragraph, re.IGNORECASE), paragraph
    assert "print" not in article.title.casefold()


def test_category_link_is_the_section_not_a_tag(recording: Recording) -> None:
    assert 'rel="category tag">Japan Media Highlights</a>' in html_of(recording, SEED_URL)
    article = extract(recording, SEED_URL)
    assert article.tags == []
    assert article.section == "Japan Media Highlights"


def test_source_is_the_republished_outlet(recording: Recording) -> None:
    seed_article = extract(recording, SEED_URL)
    assert seed_article.source == "Kyodo"
    assert seed_article.extraction["source"] == "site"
    assert seed_article.authors == []
    assert extract(recording, SECOND_URL).source == "Jiji Press"


def test_dates_keep_the_pages_tokyo_offset(recording: Recording) -> None:
    # Yoast states these instants in UTC; the theme's <time> states them in Tokyo time, and the
    # generic layer keeps the JSON-LD instant in the page's own offset.
    article = extract(recording, SEED_URL)
    assert article.published_at == "2017-03-15T10:04:00+09:00"
    assert article.modified_at == "2017-03-15T11:52:37+09:00"
    assert article.extraction["published_at"] == "json-ld"
    second = extract(recording, SECOND_URL)
    assert second.published_at == second.modified_at == "2017-03-16T09:41:00+09:00"


def test_site_is_registered_and_matches_only_post_urls() -> None:
    assert get_site("jmh") is SITE
    assert issubclass(SITE.page_class, JmhPage)
    for url in POST_URLS:
        assert SITE.is_article_url(url)
    for url in (
        "https://jmh.usembassy.gov/",
        "https://jmh.usembassy.gov/category/japan-media-highlights/",
        "https://jmh.usembassy.gov/wp-sitemap-posts-post-1.xml",
        "https://jmh.usembassy.gov/2017031517228/feed/",
    ):
        assert not SITE.is_article_url(url)


def test_recording_serves_every_start_url_and_every_listed_post(recording: Recording) -> None:
    for url in SITE.discovery:
        assert recording.get(url) is not None, url
    api = recording.get(SITE.discovery[1])
    assert api is not None
    assert api.headers["X-WP-TotalPages"] == "1"
    posts = json.loads(api.body())
    assert int(api.headers["X-WP-Total"]) == len(posts)
    api_links = {post["link"] for post in posts}

    sitemap_links: set[str] = set()
    index = etree.fromstring(
        html_of(recording, "https://jmh.usembassy.gov/wp-sitemap.xml").encode()
    )
    for loc in index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SITEMAP_NS):
        urlset = etree.fromstring(html_of(recording, str(loc)).encode())
        sitemap_links.update(
            str(u) for u in urlset.xpath("//sm:url/sm:loc/text()", namespaces=SITEMAP_NS)
        )
    assert "https://jmh.usembassy.gov/category/japan-media-highlights/" in sitemap_links
    articles = {url for url in sitemap_links if SITE.is_article_url(url)}
    assert articles == api_links == set(POST_URLS)
    for url in articles:
        assert recording.get(url) is not None, url
        assert (FIXTURE / "expected" / f"{url.rstrip('/').rsplit('/', 1)[1]}.json").is_file()
