"""Author splitting and wire-service sources."""

import pytest

from newscrawler.extraction.authors import authors_from_json_ld, split_authors
from newscrawler.extraction.page import ArticlePage
from newscrawler.extraction.wire import find_wire_source, wire_name


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        (
            "By Takeo Maeda and Tatsuya Tanoue / Yomiuri Shimbun Staff Writers",
            ["Takeo Maeda", "Tatsuya Tanoue"],
        ),
        (
            "Trine Juncher Jørgensen og Tôrtia Reimer-Johansen",
            ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"],
        ),
        ("松岡大地 記者", ["松岡大地"]),
        ("신현주 기자", ["신현주"]),
        ("jane.doe@example.com, Jane Doe", ["Jane Doe"]),
        ("No Author", []),
        ("Kyodo", []),  # a wire service is the story's source, not an author
        ("The Associated Press", []),
        ("Image: Getty Images", []),
        ("Jane Doe, jane doe", ["Jane Doe"]),
        # A surname that is also a role word stays a name; the role written as one stays out.
        ("By Jane Reporter", ["Jane Reporter"]),
        ("Mary Editor and Staff Reporter", ["Mary Editor"]),
        ("Jane Doe, reporter", ["Jane Doe"]),
        ("Senior Editor", []),
        ("Tokyo Correspondent", []),
        # A web address or a company is the outlet, not a person.
        ("tagesschau.de", []),
        ("Redaktion wien.ORF.at", []),
        ("Web Commerce GmbH", []),
        ("Verein für Naturschutz e.V.", []),
        ("James S.A. Corey", ["James S.A. Corey"]),
        # Handles, degrees and agency credits beside the name are not people.
        ("Jane Doe @janedoe", ["Jane Doe"]),
        ("Jane Doe, PhD", ["Jane Doe"]),
        ("Agencies", []),
        ("Daily Planet - Jane Doe", ["Daily Planet", "Jane Doe"]),
    ],
)
def test_split_authors(byline: str, expected: list[str]) -> None:
    assert split_authors(byline) == expected


def test_outlet_named_as_author_is_not_a_person() -> None:
    assert split_authors(["The Japan News", "Jane Doe"], outlets=["The Japan News"]) == ["Jane Doe"]


def test_json_ld_authors_keep_people_and_skip_organizations() -> None:
    value = [
        {"@type": "Person", "name": "Jane Doe"},
        {"@type": "Organization", "name": "Kyodo News"},
        "John Roe",
    ]
    assert authors_from_json_ld(value) == ["Jane Doe", "John Roe"]


@pytest.mark.parametrize(
    ("paragraphs", "source"),
    [
        (["TOKYO (Kyodo) -- Tillerson arrives.", "More text."], "Kyodo"),
        (["WASHINGTON (AP) — The vote was close."], "AP"),
        (["First.", "Last paragraph of the story. (Reuters)"], "Reuters"),
        (["本文です。", "政府は発表した。（共同）"], "Kyodo"),
        (["First.", "Source: Jiji Press"], "Jiji Press"),
        (["An ordinary story with no credit at all."], None),
        (["Talks with AP officials went on (see below)."], None),
    ],
)
def test_find_wire_source(paragraphs: list[str], source: str | None) -> None:
    assert find_wire_source(paragraphs) == source


@pytest.mark.parametrize(
    ("credit", "name"),
    [
        ("JIJI", "Jiji Press"),
        ("Source: Kyodo News", "Kyodo"),
        ("By The Associated Press", "AP"),
        ("By Jane Doe", None),
    ],
)
def test_wire_name(credit: str, name: str | None) -> None:
    assert wire_name(credit) == name


def _authors(html: str, url: str = "https://news.example.com/2024/story") -> list[str]:
    return ArticlePage(url, html).extract().authors


_STORY = "<p>" + "The council met on Tuesday and voted on the budget for next year. " * 5 + "</p>"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        # Each name in its own element, joined by "and", the date beside them.
        (
            '<div class="entry-meta"><span class="byline">By <a href="/a/jd">Jane Doe</a>'
            ' and <a href="/a/jr">John Roe</a></span> <time>May 3, 2024</time></div>',
            ["Jane Doe", "John Roe"],
        ),
        # A label, a date and a reading time glued to the name.
        (
            '<div class="post-author">Written by Jane Doe | Updated March 3, 2024 | 5 min read'
            "</div>",
            ["Jane Doe"],
        ),
        (
            '<p class="c-byline">Von Erika Mustermann und Max Muster</p>',
            ["Erika Mustermann", "Max Muster"],
        ),
        ('<span class="AuthorName">Par Jeanne Dupont</span>', ["Jeanne Dupont"]),
        # Names each in an element of the same kind, with nothing between them.
        (
            '<div class="article-byline"><span class="simple">Anna Muster</span>'
            '<span class="simple">Ben Beispiel</span></div>',
            ["Anna Muster", "Ben Beispiel"],
        ),
        # A job title, a reviewer and a date after the name end the byline.
        (
            '<div class="author">By Jane Doe <span>Founder</span> <span>Head Gardener</span>'
            " <span>Reviewed by John Roe</span> Feb 2, 2024</div>",
            ["Jane Doe"],
        ),
        ('<p class="byline">By Jane Doe, PhD, Staff Writer</p>', ["Jane Doe"]),
        # One name written in parts; month names that are given names.
        (
            '<div class="byline"><span class="first">Ingrid</span> <span class="last">Treborg'
            "</span></div>",
            ["Ingrid Treborg"],
        ),
        (
            '<p class="byline">By Jan Michael Marchart and June Park</p>',
            ["Jan Michael Marchart", "June Park"],
        ),
        # A one-word kicker before the byline is not a person.
        (
            '<div class="authors"><span class="brand">capital</span> <span>von Jane Doe</span>'
            "</div>",
            ["Jane Doe"],
        ),
        # "von" inside a name is not a label; "Updated by" credits an editor.
        ('<p class="byline">Ursula von der Leyen</p>', ["Ursula von der Leyen"]),
        (
            '<div class="byline"><span class="author">By Jane Doe</span>'
            ' <span class="author">Updated by John Roe</span></div>',
            ["Jane Doe"],
        ),
        # "By" glued to the name; a name that starts like a label.
        ('<span class="author">ByDaryl Austin</span>', ["Daryl Austin"]),
        ('<span class="author">Byron Smith</span>', ["Byron Smith"]),
        # Page words in author markup are not names.
        ('<div class="author-box"><a class="author-link">Read more</a></div>', []),
    ],
)
def test_byline_markup_names_the_authors(byline: str, expected: list[str]) -> None:
    html = f"<html><body><article><h1>Budget passes</h1>{byline}{_STORY}</article></body></html>"
    assert _authors(html) == expected


def test_byline_after_the_headline_wins_over_comments_and_related_stories() -> None:
    html = (
        "<html><body><div class='author'>Site Menu Person</div><article><h1>Budget passes</h1>"
        f"<div class='byline'>By Jane Doe</div>{_STORY}</article>"
        "<ul class='related-posts'><li><span class='byline'>By Other Writer</span></li></ul>"
        "<div id='comments'><div class='comment-author'>Pat Commenter</div></div>"
        "</body></html>"
    )
    assert _authors(html) == ["Jane Doe"]


def test_the_article_footer_may_credit_it_the_page_footer_not() -> None:
    story = f"<h1>Budget passes</h1>{_STORY}"
    own = "<footer><address class='p-author h-card'>Frank Boes</address></footer>"
    page = "<footer><span class='author'>Site Owner Name</span></footer>"
    assert _authors(f"<html><body><article>{story}{own}</article></body></html>") == ["Frank Boes"]
    assert _authors(f"<html><body><article>{story}</article>{page}</body></html>") == []


def test_comment_authors_are_not_the_byline() -> None:
    html = (
        f"<html><body><article><h1>Budget passes</h1>{_STORY}</article>"
        "<ol class='commentlist'><li><div class='comment-author vcard'>Pat Commenter</div></li></ol>"
        "<p class='byline'>By Jane Doe</p></body></html>"
    )
    # The byline after the comments is still found; the commenter never is.
    assert _authors(html) == ["Jane Doe"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("<p>Von Erika Mustermann und Max Muster</p>", ["Erika Mustermann", "Max Muster"]),
        ("<div><small>By Jane Doe | March 3, 2024</small></div>", ["Jane Doe"]),
        ("<p>Par Jeanne Dupont, le 3 mai 2024</p>", ["Jeanne Dupont"]),
        # The label in an element of its own, the name in the next.
        ("<div><p>Written by</p><p>Edzel Tabing</p></div>", ["Edzel Tabing"]),
        # Sentences that start like a byline are not one.
        ("<p>By training, the council learned to vote faster.</p>", []),
        ("<p>Von der linearen zur zirkulären Wirtschaft</p>", []),
    ],
)
def test_byline_line_under_the_headline_without_markup(line: str, expected: list[str]) -> None:
    html = f"<html><body><article><h1>Budget passes</h1>{line}{_STORY}</article></body></html>"
    assert _authors(html) == expected


def test_json_ld_author_given_as_a_reference_to_a_person_in_the_graph() -> None:
    graph = (
        '{"@context": "https://schema.org", "@graph": ['
        '{"@type": "Article", "headline": "Budget passes",'
        ' "author": {"@id": "https://news.example.com/#/schema/person/1"}},'
        '{"@type": "Person", "@id": "https://news.example.com/#/schema/person/1",'
        ' "name": "Jane Doe"}]}'
    )
    html = (
        f'<html><head><script type="application/ld+json">{graph}</script></head>'
        f"<body><h1>Budget passes</h1>{_STORY}</body></html>"
    )
    assert _authors(html) == ["Jane Doe"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # A personal site named after its author: the site's name is the person.
        ("https://janedoe.com/2024/budget", ["Jane Doe"]),
        ("https://jane.doe.net/budget", ["Jane Doe"]),
        # An outlet's own name in the author slot is still not a person.
        ("https://news.example.com/2024/budget", []),
    ],
)
def test_site_named_after_its_author(url: str, expected: list[str]) -> None:
    html = (
        '<html><head><meta property="og:site_name" content="Jane Doe">'
        '<meta name="author" content="Jane Doe"></head>'
        f"<body><h1>Budget passes</h1>{_STORY}</body></html>"
    )
    assert _authors(html, url) == expected


def test_an_outlet_named_like_its_host_is_no_person() -> None:
    html = (
        '<html><head><meta property="og:site_name" content="Badische Zeitung">'
        '<meta name="author" content="Badische Zeitung"></head>'
        f"<body><h1>Budget passes</h1>{_STORY}</body></html>"
    )
    assert _authors(html, "https://www.badische-zeitung.de/budget-passes") == []


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (
            '<p class="meta">by <a href="/articles/authors/shannon-grilli">Shannon Grilli</a></p>',
            ["Shannon Grilli"],
        ),
        (
            '<div><a href="https://www.example.com/autoren/jose-garcia-12/">Jos\u00e9 Garc\u00eda</a>'
            ' and <a href="/autoren/erika-muster">Erika Muster</a></div>',
            ["Jos\u00e9 Garc\u00eda", "Erika Muster"],
        ),
        # A link whose text is not the name its address spells is no byline.
        ('<p><a href="/authors/shannon-grilli">More from this author</a></p>', []),
        ('<p><a href="/authors/">Our authors</a></p>', []),
        # An author link in a list of related stories is not this article's.
        (
            '<aside><a href="/authors/john-roe">John Roe</a></aside>'
            '<div class="related-posts"><a href="/authors/john-roe">John Roe</a></div>',
            [],
        ),
    ],
)
def test_links_to_author_pages_after_the_headline(links: str, expected: list[str]) -> None:
    html = f"<html><body><h1>Budget passes</h1>{links}{_STORY}</body></html>"
    assert _authors(html) == expected


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ('<meta name="sailthru.author" content="Jane Doe">', ["Jane Doe"]),
        ('<meta name="parsely-author" content="Jane Doe">', ["Jane Doe"]),
        (
            '<meta name="citation_author" content="Doe, Jane">'
            '<meta name="citation_author" content="Roe, John">',
            ["Jane Doe", "John Roe"],
        ),
        # The outlet in `author` does not hide the writer in `sailthru.author`.
        (
            '<meta name="author" content="Daily Planet">'
            '<meta name="sailthru.author" content="Jane Doe">',
            ["Jane Doe"],
        ),
        # Twitter's label/data pairs, as Yoast writes them.
        (
            '<meta name="twitter:label1" content="Written by">'
            '<meta name="twitter:data1" content="Linda Rosencrance">'
            '<meta name="twitter:label2" content="Est. reading time">'
            '<meta name="twitter:data2" content="7 minutes">',
            ["Linda Rosencrance"],
        ),
        (
            '<meta name="twitter:label1" content="Est. reading time">'
            '<meta name="twitter:data1" content="7 minutes">',
            [],
        ),
    ],
)
def test_author_meta_tags(meta: str, expected: list[str]) -> None:
    html = (
        '<html><head><meta property="og:site_name" content="Daily Planet">'
        f"{meta}</head><body><h1>Budget passes</h1>{_STORY}</body></html>"
    )
    assert _authors(html) == expected
