"""WordPress REST API: the posts URL, one page of posts, and the way to the next page."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawler.discovery import (
    DiscoveredLink,
    WordPressPage,
    classify_document,
    parse_wordpress_posts,
    wordpress_posts_url,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
FIELDS = "_fields=id,link,date,date_gmt,modified,modified_gmt,title"
PAGE_1 = f"https://wp.example.org/wp-json/wp/v2/posts?page=1&per_page=3&{FIELDS}"
PAGE_2 = f"https://wp.example.org/wp-json/wp/v2/posts?page=2&per_page=3&{FIELDS}"
POSTS = [
    DiscoveredLink(
        "https://wp.example.org/2024/05/02/secretarys-visit/",
        "wordpress",
        lastmod="2024-05-02T02:40:12+00:00",
        published_at="2024-05-02T01:15:00+00:00",
        title="Secretary\u2019s Visit to Tokyo",
    ),
    DiscoveredLink(
        "https://wp.example.org/2024/04/26/golden-week-closure/",
        "wordpress",
        lastmod="2024-04-26T08:00:00+00:00",
        published_at="2024-04-26T08:00:00+00:00",
        title="Embassy & Consulates Closed for Golden Week",
    ),
    DiscoveredLink(
        "https://wp.example.org/2017/03/15/visa-services/",
        "wordpress",
        lastmod="2017-03-15T01:04:00+00:00",
        published_at="2017-03-15T01:04:00+00:00",
        title="Visa Services Update",
    ),
]


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_posts_url() -> None:
    assert wordpress_posts_url("https://jmh.usembassy.gov") == (
        f"https://jmh.usembassy.gov/wp-json/wp/v2/posts?page=1&per_page=100&{FIELDS}"
    )
    assert wordpress_posts_url("https://wp.example.org/", page=2, per_page=3) == PAGE_2
    # a WordPress installed in a subdirectory keeps its path
    assert wordpress_posts_url("https://example.com/blog/", 3, 50) == (
        f"https://example.com/blog/wp-json/wp/v2/posts?page=3&per_page=50&{FIELDS}"
    )
    with pytest.raises(ValueError):
        wordpress_posts_url("https://example.com/", per_page=101)


def test_page_with_total_pages_header_any_case() -> None:
    assert parse_wordpress_posts(
        read("wp-posts.json"), PAGE_1, {"X-WP-Total": "7", "x-wp-totalpages": "3"}
    ) == WordPressPage(POSTS, PAGE_2)
    # the last page announced by the header has no next page
    assert parse_wordpress_posts(read("wp-posts.json"), PAGE_2, {"X-WP-TotalPages": "2"}) == (
        WordPressPage(POSTS, None)
    )
    assert classify_document(read("wp-posts.json"), "application/json", PAGE_1) == "wordpress"


def test_page_without_header_continues_only_when_full() -> None:
    assert parse_wordpress_posts(read("wp-posts.json"), PAGE_1).next_url == PAGE_2
    page_1_of_100 = wordpress_posts_url("https://wp.example.org/")
    assert parse_wordpress_posts(read("wp-posts.json"), page_1_of_100).next_url is None
    assert parse_wordpress_posts(b"[]", PAGE_1) == WordPressPage([], None)


def test_dates_without_gmt_keep_the_day_only() -> None:
    body = (
        b'[{"id": 1, "link": "/?p=1", "date": "2024-05-02T10:15:00", "date_gmt": null,'
        b' "modified": "garbage", "title": {"rendered": ""}},'
        b' {"id": 2, "link": null}, 5]'
    )
    assert parse_wordpress_posts(body, PAGE_1) == WordPressPage(
        [DiscoveredLink("https://wp.example.org/?p=1", "wordpress", published_at="2024-05-02")],
        PAGE_2,  # three entries came back, a full page of three, even if two were unusable
    )


def test_errors() -> None:
    invalid_page = (
        b'{"code":"rest_post_invalid_page_number","message":"The page number requested is'
        b' larger than the number of pages available.","data":{"status":400}}'
    )
    assert parse_wordpress_posts(invalid_page, PAGE_2) == WordPressPage(
        [], None, "WordPress error: rest_post_invalid_page_number"
    )
    assert parse_wordpress_posts(b"<html>Maintenance</html>", PAGE_1) == WordPressPage(
        [], None, "unparseable JSON: Expecting value: line 1 column 1 (char 0)"
    )
    assert parse_wordpress_posts(b'{"id": 1}', PAGE_1) == WordPressPage(
        [], None, "not a WordPress posts listing: expected a JSON array"
    )
