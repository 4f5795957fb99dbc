"""parse_datetime: offsets kept, bare dates for bare days, nothing invented, nothing implausible."""

from datetime import UTC, datetime

import pytest

from newscrawler.extraction.dates import find_page_date, in_page_offset, parse_datetime
from newscrawler.extraction.page import ArticlePage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-03-15T10:04:00+09:00", "2017-03-15T10:04:00+09:00"),
        ("2017-03-15T01:04:00Z", "2017-03-15T01:04:00+00:00"),
        ("2017-03-15T10:04:00.123+0900", "2017-03-15T10:04:00+09:00"),
        ("2017-03-15 10:04 +09:00", "2017-03-15T10:04:00+09:00"),
        ("2017-03-15", "2017-03-15"),
        ("20170315", "2017-03-15"),
        ("2017/03/15", "2017-03-15"),
        ("Wed, 15 Mar 2017 10:04:00 +0900", "2017-03-15T10:04:00+09:00"),
        ("Wed, 15 Mar 2017 01:04:00 GMT", "2017-03-15T01:04:00+00:00"),
        ("Mon, 06 Sep 2010 00:01:00 UT", "2010-09-06T00:01:00+00:00"),
        ("Mon, 06 Sep 2010 00:01:00 JST", "2010-09-06T00:01:00+09:00"),
        ("2017年3月15日 10時04分", "2017-03-15"),
        ("2017年3月15日", "2017-03-15"),
        ("March 15, 2017", "2017-03-15"),
        ("15 March 2017", "2017-03-15"),
        ("Mar. 15, 2017 10:04 pm JST", "2017-03-15T22:04:00+09:00"),
    ],
)
def test_stated_dates_keep_their_precision_and_offset(text: str, expected: str) -> None:
    assert parse_datetime(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "1970-01-01T00:00:00Z",  # epoch default, not a publication date
        "1989-12-31",
        "2026-12-25",  # a month in the future
        "2017-02-30",
        "03-5555-1234",  # a phone number
        "© 2017 Kyodo News",
        "not a date",
        "2017-03-15T10:04:00+25:00",
    ],
)
def test_implausible_or_unparseable_dates_give_none(text: str | None) -> None:
    assert parse_datetime(text, now=NOW) is None


def test_a_time_without_a_zone_keeps_only_the_day() -> None:
    # Writing an offset the page does not state would invent data.
    assert parse_datetime("2017-03-15T10:04:00", now=NOW) == "2017-03-15"
    assert parse_datetime("2017/03/15 10:04", now=NOW) == "2017-03-15"


def test_schema_form_is_a_fixed_point() -> None:
    for text in ("2017-03-15T10:04:00+09:00", "2017-03-15", "2017-03-15T01:04:00-05:00"):
        assert parse_datetime(parse_datetime(text, now=NOW), now=NOW) == text


# -- the page's own offset for a UTC timestamp ---------------------------------------------------

_UTC_PAGE = (
    '<html><head><script type="application/ld+json">{"@type": "NewsArticle",'
    ' "headline": "Council votes", "datePublished": "2023-11-09T05:30:59Z"}</script></head>'
    "<body><article><h1>Council votes</h1>{extra}<p>The council voted.</p></article></body></html>"
)


def _published(extra: str) -> str | None:
    return (
        ArticlePage("https://news.example/a", _UTC_PAGE.replace("{extra}", extra))
        .extract()
        .published_at
    )


def test_a_wall_clock_time_in_the_page_gives_the_utc_instant_its_offset() -> None:
    # The page shows 23:30:59 local; JSON-LD says 05:30:59Z: the same moment at -06:00.
    assert _published('<time datetime="2023-11-08 23:30:59">Nov. 8</time>') == (
        "2023-11-08T23:30:59-06:00"
    )


def test_the_same_instant_with_an_offset_in_the_page_code_gives_the_offset() -> None:
    extra = '<script>var page = {"date": "2023-11-09T00:30:59-05:00"};</script>'
    assert _published(extra) == "2023-11-09T00:30:59-05:00"


@pytest.mark.parametrize(
    "extra",
    [
        '<time datetime="2023-11-08 23:31:59">updated</time>',  # another moment: seconds differ
        '<time datetime="2023-11-08 23:30">Nov. 8</time>',  # no seconds: could be chance
        '<time datetime="2023-11-07 05:30:59">two days earlier</time>',  # not a real offset
    ],
)
def test_a_time_that_is_not_the_same_moment_leaves_utc_alone(extra: str) -> None:
    assert _published(extra) == "2023-11-09T05:30:59+00:00"


def test_a_round_utc_time_is_not_matched_to_a_wall_clock_by_chance() -> None:
    instant = datetime(2023, 11, 9, 6, 0, 0, tzinfo=UTC)
    assert in_page_offset(instant, datetime(2023, 11, 9, 8, 0, 0)) is None
    odd = instant.replace(second=7)
    assert in_page_offset(odd, datetime(2023, 11, 9, 8, 0, 7)) == "2023-11-09T08:00:07+02:00"


@pytest.mark.parametrize(
    "elsewhere",
    [
        # Themes mark each related post's teaser an <article> too.
        '<ul class="related-posts"><li><article><p class="post-date">'
        '<time datetime="2009-04-11 18:06:36">11. April 2009</time></p></article></li></ul>',
        # A comment's time dates the comment.
        '<div class="comment-metadata"><time datetime="2009-04-11T18:06:36+02:00">'
        "11. April 2009</time></div>",
    ],
)
def test_a_time_of_a_related_post_or_a_comment_is_not_the_publication_time(
    elsewhere: str,
) -> None:
    paragraph = "The council met on Tuesday and agreed the budget after a long debate. " * 4
    page = (
        "<html><head><title>Budget agreed</title></head><body><article><h1>Budget agreed</h1>"
        f"<p>{paragraph}</p>{elsewhere}</article></body></html>"
    )
    url = "https://blog.example/2019/10/22/budget-agreed/"
    assert ArticlePage(url, page).extract().published_at == "2019-10-22"
    # The article's own time, in its footer, still counts.
    footer = '<footer class="entry-footer"><time datetime="2019-10-22T09:00:00+02:00">x</time>'
    own = page.replace("</article>", f"{footer}</footer></article>")
    assert ArticlePage(url, own).extract().published_at == "2019-10-22T09:00:00+02:00"


def test_without_an_article_element_the_time_under_the_headline_dates_the_page() -> None:
    paragraph = "The council met on Tuesday and agreed the budget after a long debate. " * 4
    page = (
        "<html><head><title>Budget agreed</title></head><body>"
        '<header>Today: <time datetime="2022-02-03T08:00:00+01:00">3 Feb</time></header>'
        "<h1>Budget agreed</h1>"
        '<p>Published <time datetime="2022-01-25T09:30:00+01:00">25.01.2022</time></p>'
        f"<p>{paragraph}</p></body></html>"
    )
    published = ArticlePage("https://www.example.org/a", page).extract().published_at
    assert published == "2022-01-25T09:30:00+01:00"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # A year alone is no day: htmldate's guess of 1 January is not the page's date.
        ("<footer>\u00a9 2026 TP-Link. All rights reserved.</footer>", None),
        ("<h1>The best mesh routers of 2026</h1>", None),
        # 1 January stated as a day stays a day.
        ("<p class='date'>Published January 1, 2026</p>", "2026-01-01"),
        ("<p class='date'>Ver\u00f6ffentlicht am 01.01.2026</p>", "2026-01-01"),
        ("<time datetime='2026-01-01'>New Year's Day</time>", "2026-01-01"),
    ],
)
def test_a_page_date_of_new_years_day_needs_the_day_stated(text: str, day: str | None) -> None:
    html = (
        f"<html><body><article><p>{'Words of the article. ' * 40}</p>{text}</article></body></html>"
    )
    assert find_page_date(html, "https://www.example.com/mesh-wifi/") == day
