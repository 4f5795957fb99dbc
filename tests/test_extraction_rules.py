"""Generic extraction rules on real pages and on small pages written for one structure each:
the visible headline, wire sources, paragraph breaks, table layouts, not-an-article pages."""

from __future__ import annotations

import gzip
import html

import pytest

from newscrawler.extraction.encoding import decode_html
from newscrawler.extraction.page import ArticlePage, _parser_input
from newscrawler.pipelines.normalize import normalize_article

from .conftest import FIXTURES

PAGES = FIXTURES / "pages"
PARAGRAPH = (
    "The committee met on Tuesday to discuss the budget for the coming year, and members "
    "agreed on most of the proposals after a long debate about regional spending priorities."
)


def page_from(name: str, url: str) -> ArticlePage:
    return ArticlePage(url, decode_html(gzip.decompress((PAGES / name).read_bytes())).text)


def html_page(head: str, body: str) -> str:
    return f"<html lang='en'><head>{head}</head><body>{body}</body></html>"


def test_republished_wire_story_names_its_source_not_an_author() -> None:
    url = "https://www.japantimes.co.jp/news/2020/02/18/national/crime-legal/6000-surgical-masks-stolen/"
    article = normalize_article(page_from("japantimes.co.jp.surgical.html.gz", url).extract())
    assert article.source == "Jiji Press"  # <p class="credit">JIJI</p>
    assert article.authors == []  # author meta says "No Author"
    assert article.title == "Losing face: 6,000 surgical masks stolen from Kobe hospital"
    assert article.published_at == "2020-02-18T18:07:56+09:00"
    assert article.body[0].startswith("KOBE – A total of 6,000 surgical masks")


@pytest.mark.parametrize(
    ("credit", "source"),
    [
        ("<span class='photo-credit'>Reuters</span>", "Reuters"),
        ("<div class='story-byline'>By <b>AP</b></div>", "AP"),
        ("<p class='Source'>Kyodo</p>", None),  # the class test is case-sensitive, as before
        # Three children or more: a block (a list of sources, a footer), not a credit.
        ("<div class='source'><span>Kyodo</span><span></span><span></span></div>", None),
        ("<div class='source'><span>Kyodo</span><span></span></div>", "Kyodo"),
        ("<p data-class='source'>Kyodo</p>", None),  # another attribute
    ],
)
def test_a_credit_element_names_the_wire_source(credit: str, source: str | None) -> None:
    body = f"<article><h1>Budget passes</h1>{credit}<p>{PARAGRAPH}</p></article>"
    article = ArticlePage("https://example.com/a", html_page("", body)).extract()
    assert article.source == source


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("cnn_main_site.html.gz", "https://edition.cnn.com/"),
        ("wired_main_site.html.gz", "https://www.wired.com/"),
    ],
)
def test_real_home_pages_are_not_articles(name: str, url: str) -> None:
    assert page_from(name, url).not_article_kind() == "home"


def article_ld(extra: str = "") -> str:
    return (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget agreed"'
        + extra
        + "}</script>"
    )


@pytest.mark.parametrize(
    ("url", "head", "body", "kind"),
    [
        (
            "https://news.example.com/live/2024/election-night",
            '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Election night live"}</script>',
            f"<h1>Election night live</h1><p>{PARAGRAPH}</p>",
            "live-blog",
        ),
        (
            "https://news.example.com/video/budget-explained",
            '<meta property="og:type" content="video.other">'
            '<script type="application/ld+json">{"@type": "VideoObject", "name": "Budget explained"}</script>',
            "<h1>Budget explained</h1><video src='b.mp4'></video><p>Watch the video.</p>",
            "video",
        ),
        (
            "https://news.example.com/2024/05/budget-agreed",
            article_ld(', "isAccessibleForFree": "False"'),
            "<h1>Budget agreed</h1><div class='paywall'><a href='/subscribe'>Subscribe</a></div>",
            "paywall-stub",
        ),
        (
            "https://news.example.com/tag/budget/",
            '<meta property="og:type" content="website">',
            "<h1>Budget</h1><ul><li><a href='/a'>Budget agreed</a></li><li><a href='/b'>Vote</a></li></ul>",
            "list",
        ),
    ],
)
def test_pages_that_declare_or_show_they_are_not_articles(
    url: str, head: str, body: str, kind: str
) -> None:
    assert ArticlePage(url, html_page(head, body)).not_article_kind() == kind


@pytest.mark.parametrize(
    ("head", "paywalled"),
    [
        (article_ld(', "isAccessibleForFree": "False"'), True),
        (
            article_ld(
                ', "isAccessibleForFree": true, "hasPart": {"@type": "WebPageElement",'
                ' "isAccessibleForFree": false, "cssSelector": ".paid"}'
            ),
            True,
        ),
        (article_ld() + '<meta property="article:content_tier" content="locked">', True),
        (article_ld() + '<meta property="article:content_tier" content="free">', False),
        (article_ld(', "isAccessibleForFree": true'), False),
    ],
)
def test_a_paywalled_article_is_written_with_what_it_shows(head: str, paywalled: bool) -> None:
    # Its opening paragraphs are the article a crawl can have: kept, and marked.
    body = (
        f"<article><h1>Budget agreed</h1><p>{PARAGRAPH}</p><p>Subscribe to read more.</p></article>"
    )
    page = ArticlePage("https://news.example.com/2024/05/budget-agreed", html_page(head, body))
    article = page.extract()
    assert page.not_article_kind() is None
    assert article.paywalled is paywalled
    assert any(PARAGRAPH[:40] in p for p in article.body)
    assert ("paywalled" in article.extraction) is paywalled


LONG_ARTICLE = "".join(
    f"<p>{PARAGRAPH} Paragraph {i} adds its own detail to the story.</p>" for i in range(14)
)
TEASERS = "".join(
    f"<div class='teaser'><h2><a href='/2024/05/story-{i}'>Story number {i} of the day</a></h2>"
    f"<p>A line about story {i}.</p></div>"
    for i in range(14)
)


@pytest.mark.parametrize(
    ("url", "head"),
    [
        # A topic path (an encyclopedia's article, a blog's "topics/<slug>" post).
        ("https://www.example.com/topic/history-of-coffee", ""),
        # JSON-LD that declares only the site, as many themes do on every page.
        (
            "https://www.example.com/blog/how-many-watts-does-a-laptop-use",
            '<script type="application/ld+json">{"@type": "WebSite", "name": "Example"}</script>',
        ),
        # A listicle's ItemList beside its text.
        (
            "https://www.example.com/guides/best-tools",
            '<script type="application/ld+json">{"@type": "ItemList", "itemListElement": []}'
            "</script>",
        ),
    ],
)
def test_a_long_article_is_not_a_list_on_weak_evidence(url: str, head: str) -> None:
    body = f"<article><h1>How the story unfolded</h1>{LONG_ARTICLE}</article>{TEASERS}"
    assert ArticlePage(url, html_page(head, body)).not_article_kind() is None


@pytest.mark.parametrize(
    ("url", "head"),
    [
        # An archive's article, named by its number.
        ("https://www.example.org/archive/63076", '<meta property="og:type" content="article">'),
        # og:type article on a dated slug, beside JSON-LD that declares only the site.
        (
            "https://fr.example.com/culture/2026/01/06/just-coup-it-le-survetement-devient-viral",
            '<meta property="og:type" content="article">'
            '<script type="application/ld+json">{"@type": "WebSite", "name": "Example"}</script>',
        ),
        # og:type article beside a WebSite, on any path.
        (
            "https://www.example.de/energie/heizen-abfallholz-erfindung-funktioniert-601129",
            '<meta property="og:type" content="article">'
            '<script type="application/ld+json">{"@type": "WebSite", "name": "Example"}</script>',
        ),
        # A page of one item (a recipe, a forum thread, an FAQ) beside a WebSite.
        (
            "https://www.example.de/rezepte/607331160490733/Mandarinen-Schmand-Kuchen.html",
            '<script type="application/ld+json">[{"@type": "WebSite", "name": "Example"},'
            ' {"@type": "Recipe", "name": "Mandarinen-Schmand-Kuchen"}]</script>',
        ),
        (
            "https://forum.example.ch/windows-phone/122760-auslieferung.html",
            '<script type="application/ld+json">[{"@type": "WebSite", "name": "Example"},'
            ' {"@type": "DiscussionForumPosting", "headline": "Auslieferung"}]</script>',
        ),
        # The root with a query naming a post is a post, not the home page.
        ("http://archiv.example.de/?p=2895", ""),
        ("https://www.example.ch/?p=5031&lang=de", ""),
    ],
)
def test_a_short_article_is_not_a_list_on_weak_evidence(url: str, head: str) -> None:
    body = f"<article><h1>How the story unfolded</h1><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article>"
    assert ArticlePage(url, html_page(head, body)).not_article_kind() is None


def test_a_live_blog_with_its_updates_is_an_article() -> None:
    head = '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Election night live"}</script>'
    updates = "".join(f"<p>Update {i}: {PARAGRAPH}</p>" for i in range(4))
    page = ArticlePage(
        "https://news.example.com/live/2024/election",
        html_page(head, f"<h1>Election night live</h1>{updates}"),
    )
    assert page.not_article_kind() is None
    assert page.extract().body[0].startswith("Update 0:")


@pytest.mark.parametrize(
    ("url", "head"),
    [
        ("https://news.example.com/topic/budget/", ""),
        (
            "https://news.example.com/budget-stories",
            '<script type="application/ld+json">{"@type": "ItemList", "itemListElement": []}'
            "</script>",
        ),
        (
            "https://news.example.com/budget-coverage",
            '<script type="application/ld+json">{"@type": "CollectionPage"}</script>',
        ),
        # An ItemList is list evidence even with og:type article (a guide's hub page).
        (
            "https://news.example.com/electronics/",
            '<meta property="og:type" content="article">'
            '<script type="application/ld+json">{"@type": "ItemList", "itemListElement": []}'
            "</script>",
        ),
        # A WebSite alone, on a page that declares no article.
        (
            "https://news.example.com/budget-coverage",
            '<script type="application/ld+json">{"@type": "WebSite", "name": "Example"}</script>',
        ),
    ],
)
def test_a_page_of_teasers_is_a_list(url: str, head: str) -> None:
    body = f"<h1>Budget</h1><main>{TEASERS}</main>"
    assert ArticlePage(url, html_page(head, body)).not_article_kind() == "list"


@pytest.mark.parametrize(
    "url", ["https://www.example.com/", "https://www.example.com/?utm_source=x"]
)
def test_the_root_without_an_item_query_is_the_home_page(url: str) -> None:
    body = f"<h1>Example</h1><main>{TEASERS}</main>"
    assert ArticlePage(url, html_page("", body)).not_article_kind() == "home"


def test_an_article_is_an_article_even_on_a_short_path() -> None:
    page = ArticlePage(
        "https://news.example.com/budget-agreed",
        html_page(article_ld(), f"<article><h1>Budget agreed</h1><p>{PARAGRAPH}</p></article>"),
    )
    assert page.not_article_kind() is None


def test_the_visible_headline_wins_over_an_seo_variant_it_confirms() -> None:
    head = (
        '<meta property="og:site_name" content="Example News">'
        '<meta property="og:title" content="Budget: committee agrees on the budget | Example News">'
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Budget: committee agrees on the budget"}</script>'
    )
    body = (
        "<header><h1 class='site-logo'>Example News</h1></header>"
        f"<article><h1>Committee agrees on the budget</h1><p>{PARAGRAPH}</p></article>"
    )
    article = ArticlePage("https://news.example.com/a", html_page(head, body)).extract()
    assert article.title == "Committee agrees on the budget"
    assert article.extraction["title"] == "generic"


@pytest.mark.parametrize(
    ("h1", "declared", "title"),
    [
        # A kicker <span> run into the headline: the declared title separates the words.
        (
            "<span>Nationale Demo</span><span>Der 9. Juli naht</span>",
            "Nationale Demo / Der 9. Juli naht",
            "Nationale Demo / Der 9. Juli naht",
        ),
        # The kicker's colon, lost between two spans, comes back.
        (
            "<span>Ahrtal flood</span> <span>Two resignations</span>",
            "Ahrtal flood: Two resignations",
            "Ahrtal flood: Two resignations",
        ),
        # Only quotes differ: the visible headline keeps its own.
        (
            "\u201cWe stay\u201d, says mayor",
            '"We stay", says mayor',
            "\u201cWe stay\u201d, says mayor",
        ),
    ],
)
def test_a_headline_with_a_glued_kicker_takes_the_declared_spacing(
    h1: str, declared: str, title: str
) -> None:
    assert title_with_og_title(h1, declared) == title


def title_with_og_title(h1: str, og_title: str) -> str | None:
    """The title of an article page with this <h1> and this og:title."""
    head = f'<meta property="og:title" content="{html.escape(og_title)}">'
    body = f"<article><h1>{h1}</h1><p>{PARAGRAPH}</p></article>"
    return ArticlePage("https://news.example.com/a", html_page(head, body)).extract().title


@pytest.mark.parametrize(
    ("h1", "declared", "title"),
    [
        # A kicker (topic label) above the headline, inside the <h1>: the headline is the title.
        (
            "<span>Premier League</span> Liverpool lose at Everton in the title race",
            "Liverpool lose at Everton in the title race",
            "Liverpool lose at Everton in the title race",
        ),
        # The declared title is the h1's beginning, not its end: nothing is cut.
        (
            "Liverpool lose at Everton in the title race, says manager",
            "Liverpool lose at Everton in the title race",
            "Liverpool lose at Everton in the title race, says manager",
        ),
        # Too long to be a kicker: the <h1> stays as it is.
        (
            "In a week of bad news for the club Liverpool lose at Everton and fall four"
            " points behind in the title race",
            "Liverpool lose at Everton and fall four points behind in the title race",
            "In a week of bad news for the club Liverpool lose at Everton and fall four"
            " points behind in the title race",
        ),
    ],
)
def test_a_kicker_run_into_the_h1_is_not_part_of_the_title(
    h1: str, declared: str, title: str
) -> None:
    assert title_with_og_title(h1, declared) == title


def test_a_logo_class_on_the_page_body_does_not_hide_the_headline() -> None:
    # WordPress marks every page of a theme with a custom logo: <body class="wp-custom-logo">.
    head = '<meta property="og:title" content="Anglertalk mit Stephan H\u00f6ferer - Fischerh\u00fctte">'
    body = f"<article><h1>Anglertalk mit Stephan H\u00f6ferer</h1><p>{PARAGRAPH}</p></article>"
    page = f"<html><head>{head}</head><body class='home wp-custom-logo'>{body}</body></html>"
    article = ArticlePage("https://www.example.com/a", page).extract()
    assert article.title == "Anglertalk mit Stephan H\u00f6ferer"
    assert article.extraction["title"] == "generic"
    # A logo <h1> in the header is still not the headline.
    logo = page.replace(
        "<article>", "<header class='site-logo'><h1>Fischerh\u00fctte</h1></header><article>"
    )
    assert ArticlePage("https://www.example.com/a", logo).visible_headline() == (
        "Anglertalk mit Stephan H\u00f6ferer"
    )


def test_of_several_h1s_equally_close_to_the_title_the_headline_is_the_longest() -> None:
    # A section name <h1> and the headline <h1> are both wholly in the <title>.
    head = "<title>Zoll online - Fachmeldungen - Verk\u00fcndung des Tabaksteuergesetzes</title>"
    body = (
        "<h1>Fachmeldungen</h1>"
        f"<article><h1>Verk\u00fcndung des Tabaksteuergesetzes</h1><p>{PARAGRAPH}</p></article>"
    )
    page = ArticlePage("https://www.zoll.example/a", html_page(head, body))
    assert page.visible_headline() == "Verk\u00fcndung des Tabaksteuergesetzes"


def test_an_unrelated_h1_does_not_replace_the_declared_headline() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget agreed after long debate"}</script>'
    body = f"<h1>Politics</h1><article><p>{PARAGRAPH}</p></article>"
    article = ArticlePage("https://news.example.com/a", html_page(head, body)).extract()
    assert article.title == "Budget agreed after long debate"
    assert article.extraction["title"] == "json-ld"


def test_a_headline_of_four_words_or_more_wins_over_a_different_seo_title() -> None:
    # The title a reader sees is the <h1>; og:title and <title> are written for search
    # engines ("Online Class: Definition, Best Platforms in 2025, and More!").
    head = (
        '<meta property="og:title" content="Meditation Class Cost: Prices in 2025">'
        "<title>Meditation Class Cost: Prices in 2025 | Example</title>"
    )
    body = f"<article><h1>Average Private Meditation Sessions Cost</h1><p>{PARAGRAPH}</p></article>"
    article = ArticlePage(
        "https://www.example.com/meditation-cost", html_page(head, body)
    ).extract()
    assert article.title == "Average Private Meditation Sessions Cost"
    assert article.extraction["title"] == "generic"


@pytest.mark.parametrize(
    ("h1", "declared", "title"),
    [
        # A button in an <h1> ("save article"): every letter of it is somewhere in the headline,
        # but not its words.
        (
            "Artikel merken",
            "Die Eisheiligen 2024: Wann sie sind - und wie das Wetter wird",
            "Die Eisheiligen 2024: Wann sie sind - und wie das Wetter wird",
        ),
        # A short headline in a script without spaces is compared by its characters.
        (
            "\u6771\u4eac\u90fd\u77e5\u4e8b\u9078",
            "\u6771\u4eac\u90fd\u77e5\u4e8b\u9078\u306e\u7d50\u679c",
            "\u6771\u4eac\u90fd\u77e5\u4e8b\u9078",
        ),
        # A short Latin headline the declared title repeats is still confirmed.
        ("Budget agreed", "Budget agreed | Example News", "Budget agreed"),
    ],
)
def test_a_short_h1_is_confirmed_by_words_or_by_characters_of_spaceless_scripts(
    h1: str, declared: str, title: str
) -> None:
    assert title_with_og_title(h1, declared) == title


def test_site_suffix_in_the_html_title_is_cut_by_the_host_name() -> None:
    body = f"<article><p>{PARAGRAPH}</p></article>"
    article = ArticlePage(
        "https://www.ethify.org/vegetarier",
        html_page("<title>Vegetarier sein? | Ethify</title>", body),
    ).extract()
    assert article.title == "Vegetarier sein?"


def test_line_breaks_keep_words_apart_and_split_paragraphs_after_a_sentence() -> None:
    second = PARAGRAPH.replace("committee", "council")
    body = (
        f"<article><h1>Budget agreed</h1><p>{PARAGRAPH}<br><br>{second}</p>"
        "<p>Signed,<br>The Editors of the Example News Desk and their many colleagues in Tokyo</p></article>"
    )
    article = normalize_article(
        ArticlePage("https://news.example.com/a", html_page("", body)).extract()
    )
    assert article.body[:2] == [PARAGRAPH, second]
    assert "Signed, The Editors" in article.body[2]


def test_a_table_layout_article_is_extracted() -> None:
    rows = "".join(
        f"<tr><td class='content'>{PARAGRAPH.replace('budget', f'budget item {i}')}</td></tr>"
        for i in range(6)
    )
    body = f"<table><tr><td><h1>Budget agreed</h1></td></tr>{rows}</table>"
    article = normalize_article(
        ArticlePage("https://news.example.com/a", html_page("", body)).extract()
    )
    assert len(article.body) >= 5
    assert "budget item 3" in " ".join(article.body)


def test_a_template_default_lang_is_overridden_by_the_article_text() -> None:
    text = (
        "東京の市場は堅調に推移した。政府は新たな経済対策を発表し、与野党の議論が続いている。" * 10
    )
    html = (
        f"<html lang='en'><body><article><h1>東京の市場</h1><p>{text}</p></article></body></html>"
    )
    article = ArticlePage("https://news.example.com/a", html).extract()
    assert (article.language, article.extraction["language"]) == ("ja", "generic")


def test_markup_language_is_kept_when_the_text_agrees() -> None:
    html = html_page(
        "",
        f"<article><h1>Budget</h1><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article>",
    )
    html = html.replace("lang='en'", "lang='en-GB'")
    article = ArticlePage("https://news.example.com/a", html).extract()
    assert (article.language, article.extraction["language"]) == ("en-GB", "meta")


def test_generic_bylines_come_from_rel_author_and_itemprop_outside_the_footer() -> None:
    body = (
        "<article><h1>Budget passes</h1>"
        "<p>By <a rel='author' href='/people/jane'>Jane Doe</a></p>"
        "<div itemprop='author' itemscope><span itemprop='name'>Kenji Sato</span></div>"
        f"<p>{PARAGRAPH}</p></article>"
        "<footer><a rel='author' href='/about'>Example Daily</a>"
        "<div itemprop='author'><span itemprop='name'>Footer Person</span></div></footer>"
    )
    article = ArticlePage("https://example.com/a", html_page("", body)).extract()
    assert article.authors == ["Jane Doe", "Kenji Sato"]
    assert article.extraction["authors"] == "generic"


def test_a_leading_xml_declaration_and_doctype_are_left_out_of_the_parse() -> None:
    doctype = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
    )
    body = f"<article><h1>Budget passes</h1><p>{PARAGRAPH}</p><p>{doctype} in text</p></article>"
    html = f'<?xml version="1.0" encoding="utf-8"?>\n  {doctype.lower()}\n{html_page("", body)}'
    data = _parser_input(html)
    assert data.startswith(b"\n<html")
    assert doctype.encode() in data  # only the leading one goes, not one quoted in the text
    article = normalize_article(ArticlePage("https://example.com/a", html).extract())
    assert article.title == "Budget passes"
    assert article.body[0] == PARAGRAPH


def test_svg_style_and_template_elements_are_not_part_of_the_page() -> None:
    # An icon's <title> is not in the headline; the text after an icon stays in its paragraph.
    icon = "<svg viewBox='0 0 8 8'><title>Share on Facebook</title><path d='M0 0h8v8z'/></svg>"
    body = (
        f"<article><h1>{icon}Budget passes</h1><style>p {{ color: red }}</style>"
        f"<p>{PARAGRAPH}</p><p>The mayor{icon} said it was a fair budget for every district of "
        "the city, and that the ferry would keep its winter timetable.</p>"
        "<template><p>Template text that a script would copy into the page.</p></template>"
        "</article>"
    )
    article = normalize_article(ArticlePage("https://example.com/a", html_page("", body)).extract())
    assert article.title == "Budget passes"
    assert article.body[0] == PARAGRAPH
    assert article.body[1].startswith("The mayor said it was a fair budget")
    assert not any("Template text" in p or "Facebook" in p for p in article.body)


def test_an_h1_that_prints_the_document_title_loses_its_bar_suffix() -> None:
    h1 = "Was wir \u00fcber uns nicht h\u00f6ren wollen | FASSETTE.NET"
    declared = "Was wir \u00fcber uns nicht h\u00f6ren wollen"
    assert title_with_og_title(h1, declared) == declared
    # A dash is a headline's own ("Product - Variant"); bars the declared title has are too.
    product = "Qualit\u00e0 Oro - Perfect Symphony - 250g Dose"
    assert title_with_og_title(product, "Qualit\u00e0 Oro - Perfect Symphony") == product
    letters = "Letters: Coddling criminals | Undermining road | Tax dollars | Recount"
    assert title_with_og_title(letters, "Letters: Coddling criminals | Undermining road") == (
        letters
    )


def test_a_dateline_of_the_publication_day_ahead_of_the_headline_is_cut() -> None:
    def title(h1: str, published: str) -> str | None:
        head = (
            f'<meta property="article:published_time" content="{published}">'
            f'<meta property="og:title" content="{html.escape(h1)}">'
        )
        body = f"<article><h1>{h1}</h1><p>{PARAGRAPH}</p></article>"
        return ArticlePage("https://news.example.com/a", html_page(head, body)).extract().title

    assert title("23.01.2022 - Wierer jubelt in Antholz", "2022-01-23T10:00:00+01:00") == (
        "Wierer jubelt in Antholz"
    )
    assert title("1. Februar 2022 Raab trifft die L\u00e4nder", "2022-02-01") == (
        "Raab trifft die L\u00e4nder"
    )
    # Another day is the headline's subject, not its dateline.
    anniversary = "9. November 1989 \u2013 der Tag, an dem die Mauer fiel"
    assert title(anniversary, "2019-11-09") == anniversary
    assert title("23.02.2022 - Wierer jubelt in Antholz", "2022-01-23") == (
        "23.02.2022 - Wierer jubelt in Antholz"
    )


def test_a_declared_title_cut_short_at_an_inner_quote_is_completed_from_the_html_title() -> None:
    # content="... de "incapacitado"" ends the attribute at the inner quote.
    head = (
        '<meta property="og:title" content="Senador califica a Biden de "incapacitado"">'
        '<title>Senador califica a Biden de "incapacitado"</title>'
    )
    article = ArticlePage("https://www.example.com/a", html_page(head, f"<p>{PARAGRAPH}</p>"))
    assert article.extract().title == 'Senador califica a Biden de "incapacitado"'


def test_the_html_title_loses_a_suffix_named_by_the_home_link_or_the_template() -> None:
    body = (
        "<header><a href='/'><img src='logo.png'></a><a href='http://www.xinhua.example/'>"
        "\u65b0\u534e\u7f51</a><a href='/'>Home</a></header>"
        f"<article><p>{PARAGRAPH}</p></article>"
    )
    page = ArticlePage(
        "http://www.xinhua.example/local/c_1.htm",
        html_page("<title>\u6b66\u6c49\u7684\u58f0\u97f3-\u65b0\u534e\u7f51</title>", body),
    )
    assert page.extract().title == "\u6b66\u6c49\u7684\u58f0\u97f3"
    # "Home" names no site: a title ending in it keeps it.
    home = ArticlePage(
        "http://www.xinhua.example/a",
        html_page("<title>Working from - Home</title>", body),
    )
    assert home.extract().title == "Working from - Home"
    # WordPress's classic theme: "Site » Blog Archive » Headline".
    kubrick = ArticlePage(
        "https://disfunctions.example/a",
        html_page("<title>Disfunctions.example » Blog Archiv » Podcasts in Plex</title>", body),
    )
    assert kubrick.extract().title == "Podcasts in Plex"


def test_a_kicker_element_glued_to_the_headline_takes_the_declared_dash() -> None:
    h1 = '<span>Die Zukunft der Arbeit</span><span>"Wir dekorieren die Liegest\u00fchle um"</span>'
    declared = 'Die Zukunft der Arbeit - "Wir dekorieren die Liegest\u00fchle um"'
    assert title_with_og_title(h1, declared) == declared


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("17:41 JST, October 13, 2024", True),
        ("Updated: March 3, 2024 10:04 a.m.", True),
        ("Monday, 12 May 2025", True),
        ("The 2024 budget in numbers", False),
        ("Market 2024", False),
    ],
)
def test_a_date_line_above_the_text_is_not_a_paragraph(line: str, dropped: bool) -> None:
    # The date has its own field; trafilatura's balanced mode keeps the line above the text.
    body = f"<article><h1>Budget agreed</h1><p>{line}</p><p>{PARAGRAPH}</p><p>{PARAGRAPH} Again.</p></article>"
    article = ArticlePage("https://news.example.com/a", html_page("", body)).extract()
    assert (article.body[0] != line) is dropped


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        # A line break or a block inside the <h1> separates words.
        ("WEEKEND<br>CODING<br> <span>AGENT</span>", "WEEKEND CODING AGENT"),
        ("<div>Top MBA Programs</div><div>Your Guide</div>", "Top MBA Programs Your Guide"),
        # ... but not a word from the punctuation after it.
        (
            "<div>Stuttgart hat's drauf</div><span>: </span><span>Stadt der Superlative</span>",
            "Stuttgart hat's drauf: Stadt der Superlative",
        ),
        # A kicker marked as one, and the separator read to screen readers, are not the title.
        (
            "<span class='dachzeile'>Interne Unterlagen im Netz</span> "
            "<span class='headline'>Daten von Rheinmetall gehackt</span>",
            "Daten von Rheinmetall gehackt",
        ),
        (
            "<span class='article-heading__kicker'>Klimaschutz</span>"
            "<span class='visually-hidden'>: </span><span>Bohren, bis es hei\u00df wird</span>",
            "Bohren, bis es hei\u00df wird",
        ),
        (
            "<span class='go-article-header__kicker'>Akkutechnik<span class='vh'>:</span></span>"
            " <span>Hat Quantumscape genug Akkus gebaut?</span>",
            "Hat Quantumscape genug Akkus gebaut?",
        ),
        # A quotation dash opening a Norwegian headline is the headline's.
        ("- Angsten <span class='tm116'>vil \u00f8ke</span>", "- Angsten vil \u00f8ke"),
    ],
)
def test_the_headline_text_of_an_h1(h1: str, title: str) -> None:
    page = ArticlePage(
        "https://news.example.com/2024/05/a", html_page("", f"<h1>{h1}</h1><p>{PARAGRAPH}</p>")
    )
    assert page.visible_headline() == title


def test_an_h1_that_links_to_the_home_page_is_the_sites_name() -> None:
    head = "<title>rustc_codegen_gcc: Progress Report #39</title>"
    for h1 in (
        "<h1><a href='https://blog.example.org/'>Antoyo Blog Of Things</a></h1>",
        "<a href='/'><h1>Antoyo Blog Of Things</h1></a>",
    ):
        page = ArticlePage("https://blog.example.org/2025/12/report", html_page(head, h1))
        assert page.visible_headline() is None
        assert page.title()[0] == "rustc_codegen_gcc: Progress Report #39"
    # A link elsewhere in the headline leaves it the headline.
    linked = "<h1>Why <a href='/'>we</a> moved our servers to the cellar</h1>"
    page = ArticlePage("https://blog.example.org/a", html_page(head, linked))
    assert page.visible_headline() == "Why we moved our servers to the cellar"


def test_section_headings_set_as_h1s_are_not_the_headline() -> None:
    head = "<meta property='og:title' content='Small adventures with small language models'>"
    body = "".join(
        f"<h1>{h}</h1><p>{PARAGRAPH}</p>"
        for h in ("Small is the new large", "Text analysis: data breaches", "Where to run it")
    )
    page = ArticlePage("https://blog.example.com/2025/12/slm.html", html_page(head, body))
    assert page.visible_headline() is None
    assert page.title()[0] == "Small adventures with small language models"


def test_a_byline_set_inside_the_h1_is_not_the_title() -> None:
    head = "<meta property='og:title' content='Top Strategies to Optimize Blockchain Security'>"
    body = (
        "<h1>Top Strategies to Optimize Blockchain Security"
        "<div class='meta'>Posted on July 1, 2024 by infuy</div></h1>"
    )
    page = ArticlePage("https://www.example.com/blog/top-strategies/", html_page(head, body))
    assert page.title()[0] == "Top Strategies to Optimize Blockchain Security"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "How meditation rewires brains and improves health | Opinion",
            "How meditation rewires brains and improves health",
        ),
        (
            "Best Residential Movers in NYC 2025 | Top 19 Companies",
            "Best Residential Movers in NYC 2025",
        ),
        # Bars that are the headline's own, and a short headline, stay.
        ("Letters: Budget | Schools | Parking", "Letters: Budget | Schools | Parking"),
        ("Budget | Opinion", "Budget | Opinion"),
        (
            "Why the council voted | A long look at the reasons behind it",
            "Why the council voted | A long look at the reasons behind it",
        ),
    ],
)
def test_a_short_part_after_the_last_bar_is_not_the_title(title: str, expected: str) -> None:
    page = ArticlePage(
        "https://news.example.com/2024/05/a", html_page("", f"<h1>{title}</h1><p>{PARAGRAPH}</p>")
    )
    assert page.title()[0] == expected
