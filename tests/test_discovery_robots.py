"""robots.txt: every "Sitemap:" line, whatever its case, group or form, once each."""

from __future__ import annotations

from pathlib import Path

from newscrawler.discovery import DiscoveredLink, classify_document, sitemaps_from_robots

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
ROBOTS_URL = "https://news.example.com/robots.txt"


def test_sitemap_lines_of_a_news_site() -> None:
    body = (FIXTURES / "robots.txt").read_bytes()
    assert sitemaps_from_robots(body, ROBOTS_URL) == [
        DiscoveredLink("https://news.example.com/sitemap-index.xml", "robots", is_sitemap=True),
        # upper case, trailing comment
        DiscoveredLink("https://news.example.com/sitemap-news.xml", "robots", is_sitemap=True),
        # "sitemap :" with a relative URL; the duplicate, empty and mailto: lines are dropped
        DiscoveredLink("https://news.example.com/sitemaps/video.xml", "robots", is_sitemap=True),
    ]
    assert classify_document(body, "text/plain", ROBOTS_URL) == "robots"


def test_text_input_bom_and_crlf() -> None:
    assert sitemaps_from_robots("\ufeffSitemap: /a.xml\r\nsitemap:/b.xml", ROBOTS_URL) == [
        DiscoveredLink("https://news.example.com/a.xml", "robots", is_sitemap=True),
        DiscoveredLink("https://news.example.com/b.xml", "robots", is_sitemap=True),
    ]
    assert sitemaps_from_robots(b"\xef\xbb\xbfSitemap: /a.xml\n", ROBOTS_URL) == [
        DiscoveredLink("https://news.example.com/a.xml", "robots", is_sitemap=True)
    ]


def test_no_sitemap_lines() -> None:
    assert sitemaps_from_robots(b"", ROBOTS_URL) == []
    assert (
        sitemaps_from_robots(b"User-agent: *\nDisallow: /\n# Sitemap: /x.xml\n", ROBOTS_URL) == []
    )
    # Undecodable bytes do not stop the lines around them.
    assert sitemaps_from_robots(b"\xff\xfe\x00garbage\nSitemap: /s.xml", ROBOTS_URL) == [
        DiscoveredLink("https://news.example.com/s.xml", "robots", is_sitemap=True)
    ]


def test_robots_served_as_html_error_page_is_html() -> None:
    page = b"<!DOCTYPE html><html><body>Sitemap: /s.xml</body></html>"
    assert classify_document(page, "text/html", ROBOTS_URL) == "html"
