"""Feeds: real RSS, Atom and JSON feeds, Japanese feeds in four encodings, broken documents."""

from __future__ import annotations

import gzip
from pathlib import Path

from newscrawler.discovery import DiscoveredLink, FeedResult, classify_document, parse_feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discovery"
FEED_URL = "https://example.org/feed"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rss2() -> None:
    assert parse_feed(read("feed2.rss"), "http://www.example.com/feed.rss") == FeedResult(
        [
            DiscoveredLink(
                "http://www.example.com/blog/post/1",
                "feed",
                published_at="2009-09-06T16:20:00+00:00",
                title="Example entry",
            )
        ],
        title="RSS Title",
    )
    assert classify_document(read("feed2.rss"), "text/xml", FEED_URL) == "feed"


def test_atom_skips_entries_with_only_a_self_link() -> None:
    assert parse_feed(read("feed1.atom"), "http://example.org/feed.atom") == FeedResult(
        [
            DiscoveredLink(
                "http://example.org/2003/12/13/atom03",
                "feed",
                lastmod="2003-12-13T18:30:02+00:00",
                title="Atom-Powered Robots Run Amok",
            )
        ],
        title="Example Feed",
    )


def test_atom_relative_links_resolve_against_xml_base() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">
      <title type="html">News &lt;b&gt;daily&lt;/b&gt;</title>
      <entry xml:base="2024/">
        <title type="xhtml">
          <div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b> move</div>
        </title>
        <link rel="edit" href="/api/1"/><link href="bold-move.html"/>
        <published>2024-05-01T09:00:00+09:00</published><updated>not a date</updated>
        <category term="politics"/><category term=" politics "/><category term="japan"/>
      </entry>
      <entry><link rel="alternate" href="/elsewhere/story.html"/></entry>
    </feed>"""
    assert parse_feed(body, "https://news.example.com/feeds/atom.xml") == FeedResult(
        [
            DiscoveredLink(
                "https://news.example.com/blog/2024/bold-move.html",
                "feed",
                published_at="2024-05-01T09:00:00+09:00",
                title="A bold move",
                keywords=("politics", "japan"),
            ),
            DiscoveredLink("https://news.example.com/elsewhere/story.html", "feed"),
        ],
        title="News daily",
    )


def test_json_feed_of_npr() -> None:
    result = parse_feed(read("feed.json"), "https://feeds.npr.org/1019/feed.json")
    assert result.error is None
    assert result.title == "Technology"
    assert len(result.links) == 25
    assert result.links[0] == DiscoveredLink(
        "https://www.npr.org/2021/10/29/1050315385/keller-rinaudo-how-can-delivery-drones-save-lives"
        "?utm_medium=JSONFeed&utm_campaign=technology",
        "feed",
        lastmod="2021-10-29T11:59:00-04:00",
        published_at="2021-10-29T10:26:00-04:00",
        title="Keller Rinaudo: How can delivery drones save lives?",
    )
    assert classify_document(read("feed.json"), "application/json", FEED_URL) == "feed"


def test_shift_jis_rss2() -> None:
    result = parse_feed(read("ja/shift_jis-moon-light.ne.jp.xml"), FEED_URL)
    assert result.error is None
    assert result.title == "演劇ニュース | シアターレビュー"
    assert len(result.links) == 15
    assert result.links[0] == DiscoveredLink(
        "http://www.moon-light.ne.jp/weblog/archives/2006/01/2005_2.html",
        "feed",
        published_at="2006-01-02T19:05:13+09:00",
        title="2005年大晦日視聴率",
        keywords=("Rating",),
    )
    # 0x817C decoded the Windows-31J way, as browsers do: FULLWIDTH HYPHEN-MINUS.
    assert result.links[-1].keywords == ("DVD\uff0dNews",)


def test_shift_jis_atom1() -> None:
    result = parse_feed(read("ja/shift_jis-blog.inkase.net.xml"), FEED_URL)
    assert (result.title, len(result.links), result.error) == ("イン稼！BLOG", 15, None)
    assert result.links[1] == DiscoveredLink(
        "http://blog.inkase.net/2006/01/sakura_mail.html",
        "feed",
        lastmod="2006-01-03T08:22:27+00:00",
        published_at="2006-01-03T07:45:06+00:00",
        title="ゴロゴロメール(新・SAKURA Mail)まとめ記事",
        keywords=("リードメール",),
    )


def test_euc_jp_rss1_rdf() -> None:
    result = parse_feed(read("ja/euc-jp-overcube.com.xml"), FEED_URL)
    assert (result.title, result.error) == ("AZ::Blog はんなり、あずき色のウェブログ☆", None)
    assert [link.title for link in result.links] == [
        "あけましておめでとうございます",
        "２００６年（架空）ベスト本・その２",
        "２００６年（架空）ベスト本・その１",
        "「不気味の谷」現象、修正補足（汗）",
        "不気味の谷",
    ]
    assert result.links[1] == DiscoveredLink(
        "http://www.overcube.com/blog/archives/000680.php",
        "feed",
        published_at="2005-12-31T20:14:25+09:00",
        title="２００６年（架空）ベスト本・その２",
        keywords=("book",),  # dc:subject; the empty one of the first item gives ()
    )
    assert result.links[0].keywords == ()


def test_cp932_bytes_labelled_shift_jis_atom03() -> None:
    # libxml2's strict Shift_JIS stops at line 197 and loses 8 of the 15 entries.
    result = parse_feed(read("ja/cp932-y-moto.com.xml"), FEED_URL)
    assert (result.title, len(result.links), result.error) == (
        "BD-1で楽々通勤～BD-wonderful",
        15,
        None,
    )
    assert result.links[0] == DiscoveredLink(
        "http://www.y-moto.com/bd-1/archives/2006/01/bd1_9.html",
        "feed",
        lastmod="2006-01-03T14:04:04+00:00",  # Atom 0.3 <modified>
        published_at="2006-01-03T14:00:58+00:00",  # Atom 0.3 <issued>
        title="さらなる防寒対策",
        keywords=("衣類",),
    )
    assert result.links[-1].title == "今週は98km～ブログのパワー"


def test_iso_2022_jp_rss() -> None:
    # The corpus has no ISO-2022-JP feed, so one is encoded here with a title from moon-light.
    text = (
        '<?xml version="1.0" encoding="ISO-2022-JP"?><rss version="2.0"><channel>'
        "<title>演劇ニュース</title><item><title>第47回毎日芸術賞など</title>"
        "<link>http://www.moon-light.ne.jp/weblog/archives/2006/01/47_1.html</link>"
        "<pubDate>Sun, 01 Jan 2006 18:48:13 +0900</pubDate></item></channel></rss>"
    )
    body = text.encode("iso-2022-jp")
    assert "第47回".encode() not in body
    assert parse_feed(body, FEED_URL) == FeedResult(
        [
            DiscoveredLink(
                "http://www.moon-light.ne.jp/weblog/archives/2006/01/47_1.html",
                "feed",
                published_at="2006-01-01T18:48:13+09:00",
                title="第47回毎日芸術賞など",
            )
        ],
        title="演劇ニュース",
    )


def test_windows_1252_bytes_labelled_iso_8859_1() -> None:
    # 0x92 is a C1 control in ISO-8859-1 but "’" in Windows-1252, which such feeds really are.
    body = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item>'
        b"<title>Caf\xe9 owner\x92s story</title><link>https://x.example/a</link></item>"
        b"</channel></rss>"
    )
    assert parse_feed(body, FEED_URL).links[0].title == "Café owner\u2019s story"


def test_rss_guid_permalink_and_namespaced_look_alikes() -> None:
    body = b"""<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
        xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>T</title>
      <atom:link href="https://news.example.com/feed" rel="self"/>
      <item><itunes:title>Not this</itunes:title><title>Guid is the link</title>
        <guid>https://news.example.com/a.html</guid><pubDate>Someday</pubDate></item>
      <item><title>No link at all</title><guid isPermaLink="false">tag:x,1</guid></item>
      <item><atom:link href="https://elsewhere.example/x"/><link>/b.html</link></item>
    </channel></rss>"""
    assert parse_feed(body, "https://news.example.com/feed").links == [
        DiscoveredLink("https://news.example.com/a.html", "feed", title="Guid is the link"),
        DiscoveredLink("https://news.example.com/b.html", "feed"),
    ]


def test_gzip_feed() -> None:
    assert parse_feed(gzip.compress(read("feed2.rss")), FEED_URL) == parse_feed(
        read("feed2.rss"), FEED_URL
    )


def test_broken_documents() -> None:
    assert parse_feed(b"", FEED_URL) == FeedResult([], error="empty document")
    assert parse_feed(b"<html><body>Moved</body></html>", FEED_URL) == FeedResult(
        [], error="not a feed: root element <html>"
    )
    assert parse_feed(b'{"items": []}', FEED_URL) == FeedResult(
        [], error="not a JSON Feed: no jsonfeed.org version"
    )
    assert parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", ', FEED_URL) == (
        FeedResult(
            [],
            error="unparseable JSON: Expecting property name enclosed in double "
            "quotes: line 1 column 49 (char 48)",
        )
    )
    # Cut inside the only item's link: "http://www.example.com/blog" would be a wrong URL.
    body = read("feed2.rss")
    truncated = body[: body.index(b"/post/1")]
    result = parse_feed(truncated, FEED_URL)
    assert result == FeedResult(
        [],
        title="RSS Title",
        error="truncated XML: the root element is never closed; the last entry was dropped",
    )
    assert classify_document(
        b"<html><body>Moved</body></html>", "application/rss+xml", FEED_URL
    ) == ("html")
