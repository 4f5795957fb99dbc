"""Sitemaps: real sitemaps.org files, a Google News sitemap, an index, and hostile documents."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from pathlib import Path

from newscrawler.discovery import (
    MAX_SITEMAP_BYTES,
    DiscoveredLink,
    SitemapResult,
    classify_document,
    parse_sitemap,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
SITEMAPS_ORG = "https://www.sitemaps.org/sitemap.xml"
NEWS_SITE = "https://news.example.com/sitemap-index.xml"
REFUSED = "refused: the document declares XML entities (entity expansion or XXE)"
TRUNCATED = "truncated XML: the root element is never closed; the last entry was dropped"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_urlset_of_sitemaps_org() -> None:
    result = parse_sitemap(read("sitemap.xml"), SITEMAPS_ORG)
    assert result.error is None
    assert len(result.links) == 84
    assert result.links[0] == DiscoveredLink(
        "https://www.sitemaps.org/", "sitemap", lastmod="2016-11-21"
    )
    assert result.links[-1].url == "https://www.sitemaps.org/zh_TW/terms.html"
    assert {(link.via, link.is_sitemap, link.lastmod) for link in result.links} == {
        ("sitemap", False, "2016-11-21")
    }


def test_gzip_is_detected_by_magic_bytes_not_by_name() -> None:
    plain = parse_sitemap(read("sitemap.xml"), SITEMAPS_ORG)
    # The URL says .xml, the bytes are gzip: the bytes decide.
    assert parse_sitemap(read("sitemap.xml.gz"), SITEMAPS_ORG) == plain
    assert classify_document(read("sitemap.xml.gz"), "application/octet-stream", SITEMAPS_ORG) == (
        "sitemap"
    )


def test_sitemap_index_with_cdata_loc() -> None:
    result = parse_sitemap(read("sitemap2.xml"), "http://www.example.com/sitemap.xml")
    assert result == SitemapResult(
        [
            DiscoveredLink(
                "http://www.example.com/sitemap1.xml.gz",
                "sitemap-index",
                is_sitemap=True,
                lastmod="2004-10-01T18:23:17+00:00",
            ),
            DiscoveredLink(
                "http://www.example.com/sitemap2.xml.gz",
                "sitemap-index",
                is_sitemap=True,
                lastmod="2005-01-01",
            ),
        ]
    )


def test_hreflang_alternates_are_ignored_and_entries_typed_by_their_own_tag() -> None:
    result = parse_sitemap(read("sitemap-hreflang.xml"), "http://www.example.com/sitemap.xml")
    assert result.error is None
    assert [(link.url, link.via, link.is_sitemap) for link in result.links] == [
        ("http://www.example.com/english/page.html", "sitemap", False),
        ("http://www.example.com/deutsch/page.html", "sitemap", False),
        ("http://www.example.com/schweiz-deutsch/page.html", "sitemap", False),
        # a <sitemap> inside a <urlset> is still a child sitemap, its alternates ignored
        ("http://www.example.com/sitemap2.xml.gz", "sitemap-index", True),
    ]


def test_google_news_sitemap_keeps_the_news_block() -> None:
    result = parse_sitemap(read("news-sitemap.xml"), "https://news.example.com/news.xml")
    assert result == SitemapResult(
        [
            DiscoveredLink(
                "https://news.example.com/politics/2024/05/01/budget-vote.html",
                "news-sitemap",
                lastmod="2024-05-01T14:30:00+02:00",
                published_at="2024-05-01T12:00:00+02:00",
                # news:title, not the image:title of the same <url>
                title="Parliament passes the 2024 budget & tax reform",
                keywords=("budget", "parliament", "tax"),
                language="en",
                publication="The Example Times",
            ),
            DiscoveredLink(
                "https://news.example.com/tokyo/2024/05/01/festival.html",
                "news-sitemap",
                published_at="2024-05-01",
                title="東京で春祭り 開幕",
                language="ja",
                publication="Example Shimbun",
            ),
            DiscoveredLink(
                "https://news.example.com/world/2024/04/30/summit.html",
                "news-sitemap",
                published_at=None,  # "yesterday"
                title="Summit ends without agreement",
                language="en",
                publication="The Example Times",
            ),
            DiscoveredLink("https://news.example.com/about.html", "sitemap", lastmod="2023-01-15"),
        ]
    )


def test_index_without_namespace_listing_itself() -> None:
    result = parse_sitemap(read("sitemap-index.xml"), NEWS_SITE)
    assert result == SitemapResult(
        [
            # the index lists itself: returned, the spider's dedup ends the loop
            DiscoveredLink(NEWS_SITE, "sitemap-index", is_sitemap=True),
            DiscoveredLink(
                "https://news.example.com/sitemaps/news.xml",
                "sitemap-index",
                is_sitemap=True,
                lastmod="2024-05-01T10:00:00+00:00",
            ),
            DiscoveredLink(
                "https://news.example.com/sitemaps/2024-04.xml.gz",
                "sitemap-index",
                is_sitemap=True,
                lastmod="2024-04-30",
            ),
            # the ftp:// <loc> and the entry without <loc> are skipped
        ]
    )


def test_plain_text_sitemap() -> None:
    body = b"https://news.example.com/a.html\r\n\n  https://news.example.com/b.html  \n/c.html\n"
    assert parse_sitemap(body, NEWS_SITE) == SitemapResult(
        [
            DiscoveredLink("https://news.example.com/a.html", "sitemap"),
            DiscoveredLink("https://news.example.com/b.html", "sitemap"),
        ]
    )
    assert classify_document(body, "text/plain", "https://news.example.com/sitemap.txt") == (
        "sitemap"
    )


def test_utf16_with_bom_and_a_false_utf16_label() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><urlset><url><loc>{}</loc></url></urlset>'
    expected = [DiscoveredLink("https://news.example.com/ニュース.html", "sitemap")]
    real_utf16 = text.format("https://news.example.com/ニュース.html").encode("utf-16")
    assert parse_sitemap(real_utf16, NEWS_SITE).links == expected
    # ASCII-readable bytes cannot be UTF-16 whatever the declaration says: read as UTF-8.
    mislabelled = text.format("https://news.example.com/ニュース.html").encode("utf-8")
    assert parse_sitemap(mislabelled, NEWS_SITE).links == expected


def test_bare_ampersand_and_html_entities_are_repaired_not_dropped() -> None:
    # libxml2's recovery alone turns the second URL into ".../?c=1d=2".
    body = (
        b"<urlset><url><loc>https://x.example/?a=1&b=2</loc></url>"
        b"<url><loc>https://x.example/?c=1&amp;d=2</loc></url>"
        b"<url><loc><![CDATA[https://x.example/?e=1&f=2]]></loc>"
        b"<news:news xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        b"<news:title>Caf&eacute;&nbsp;news</news:title></news:news></url></urlset>"
    )
    result = parse_sitemap(body, NEWS_SITE)
    assert result.error is None
    assert [link.url for link in result.links] == [
        "https://x.example/?a=1&b=2",
        "https://x.example/?c=1&d=2",
        "https://x.example/?e=1&f=2",
    ]
    assert result.links[2].title == "Café news"


def test_billion_laughs_is_refused_without_expansion() -> None:
    assert parse_sitemap(read("billion-laughs-sitemap.xml"), NEWS_SITE) == SitemapResult(
        [], REFUSED
    )


def test_xxe_does_not_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7431")
    entity = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        "<urlset><url><loc>https://news.example.com/&xxe;</loc></url></urlset>"
    )
    result = parse_sitemap(entity.encode(), NEWS_SITE)
    assert result == SitemapResult([], REFUSED)
    # An external DTD is not loaded either: the document parses, the file stays unread.
    external_dtd = (
        f'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{secret.as_uri()}">'
        "<urlset><url><loc>https://news.example.com/a.html</loc></url></urlset>"
    )
    result = parse_sitemap(external_dtd.encode(), NEWS_SITE)
    assert result == SitemapResult([DiscoveredLink("https://news.example.com/a.html", "sitemap")])
    assert "TOP-SECRET" not in repr(result)


def test_gzip_bomb_stops_at_the_cap() -> None:
    # 200 MiB of zeros compress to about 200 KB; decompressing all of it is what must not happen.
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    bomb = b"".join(packer.compress(chunk) for _ in range(200)) + packer.flush()
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        result = parse_sitemap(bomb, NEWS_SITE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result == SitemapResult([], f"gzip: decompressed size exceeds {MAX_SITEMAP_BYTES} bytes")
    assert peak < 1.3 * MAX_SITEMAP_BYTES  # the capped output, not 200 MiB


def test_corrupt_and_truncated_gzip() -> None:
    packed = gzip.compress(read("sitemap.xml"))
    assert parse_sitemap(packed[:200], SITEMAPS_ORG) == SitemapResult([], "gzip: truncated data")
    assert parse_sitemap(b"\x1f\x8b\x08garbage", SITEMAPS_ORG).error == (
        "gzip: corrupt data: Error -3 while decompressing data: unknown header flags set"
    )


def test_truncated_xml_keeps_complete_entries_and_drops_the_cut_one() -> None:
    body = read("sitemap.xml")
    end = 0
    for _ in range(10):
        end = body.index(b"</url>", end) + len(b"</url>")
    cut = body[:end] + b"\n\t<url>\n\t\t<loc>https://www.sitemaps.org/de/fa"
    result = parse_sitemap(cut, SITEMAPS_ORG)
    assert result.error == TRUNCATED
    assert len(result.links) == 10
    assert result.links[-1].url == "https://www.sitemaps.org/de/protocol.html"


def test_empty_and_non_sitemap_bodies() -> None:
    assert parse_sitemap(b"", NEWS_SITE) == SitemapResult([], "empty document")
    assert parse_sitemap(b"\xef\xbb\xbf \r\n", NEWS_SITE) == SitemapResult([], "empty document")
    html_page = b"<!DOCTYPE html>\n<html><head><title>Not Found</title></head><body></body></html>"
    assert parse_sitemap(html_page, NEWS_SITE) == SitemapResult(
        [], "not a sitemap: root element <html>"
    )
    assert classify_document(html_page, "text/xml", NEWS_SITE) == "html"
    assert parse_sitemap(b"Service Unavailable", NEWS_SITE) == SitemapResult(
        [],
        "unparseable XML: Start tag expected, '<' not found, line 1, column 1 "
        "(sitemap-index.xml, line 1)",
    )


def test_size_cap_applies_to_plain_bodies_too() -> None:
    body = b"<urlset>" + b" " * MAX_SITEMAP_BYTES + b"</urlset>"
    assert parse_sitemap(body, NEWS_SITE) == SitemapResult(
        [], f"larger than {MAX_SITEMAP_BYTES} bytes"
    )
