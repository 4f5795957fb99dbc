"""Text clean-up, title suffixes, tag splitting, counts, hashes and URL canonicalization."""

import pytest

from newscrawler.extraction.text import (
    clean_text,
    clean_title,
    content_hash,
    split_list,
    word_count,
)
from newscrawler.extraction.urls import article_id, canonicalize_url


def test_clean_text_normalizes_unicode_and_whitespace() -> None:
    # "e" + combining acute -> NFC "é"; entities decoded; control and zero-width chars removed
    assert clean_text("  Caf\u0065\u0301 \n\t&amp;\u200b  bar\x07 ") == "Café & bar"


@pytest.mark.parametrize(
    ("title", "names", "expected"),
    [
        (
            "Tillerson visits Japan | Japan Media Highlights",
            ["Japan Media Highlights"],
            "Tillerson visits Japan",
        ),
        ("Tillerson visits Japan - The Japan News", ["The Japan News"], "Tillerson visits Japan"),
        ("The Japan News - Tillerson visits Japan", ["The Japan News"], "Tillerson visits Japan"),
        ("停戦合意へ｜毎日新聞", ["毎日新聞"], "停戦合意へ"),
        # a dash inside the headline is not a site suffix
        ("U.S. - Japan talks resume", ["The Japan News"], "U.S. - Japan talks resume"),
        ("Trump - Harris debate | AP News", ["AP News"], "Trump - Harris debate"),
        # Korean sites write the bar as the letter "ㅣ"; others as box drawing "│".
        ("부담 커졌다ㅣ한국일보", ["한국일보"], "부담 커졌다"),
        ("Produkttester werden│Nestlé Marktplatz", ["Nestlé Marktplatz"], "Produkttester werden"),
    ],
)
def test_clean_title_strips_only_the_site_name(title: str, names: list[str], expected: str) -> None:
    assert clean_title(title, names) == expected


def test_a_hyphen_inside_a_compound_word_separates_nothing() -> None:
    title = "GdP-Vize Klemmer: Mangelnde Wertsch\u00e4tzung"
    assert clean_title(title, ["GdP"]) == title
    assert clean_title("Headline - GdP", ["GdP"]) == "Headline"


def test_a_leading_part_that_only_begins_with_the_site_name_stays_in_a_visible_headline() -> None:
    # A declared <title> may lead with the site's name and more ("example.com // Headline")...
    assert clean_title("mediaarchitecture.de // Jens Weber", ["mediaarchitecture"]) == "Jens Weber"
    # ...but in the visible headline such a part is the headline's own beginning.
    title = "Welpen kaufen \u2013 Tipps zu jeder Hunderasse"
    assert clean_title(title, ["Welpen"], exact_prefix=True) == title
    assert clean_title(
        "Welpen \u2013 Tipps zu jeder Hunderasse", ["Welpen"], exact_prefix=True
    ) == ("Tipps zu jeder Hunderasse")


def test_split_list_splits_and_dedupes_keeping_first_spelling() -> None:
    assert split_list(["Japan, U.S.; Diplomacy", "japan", "外交、安全保障"]) == [
        "Japan",
        "U.S.",
        "Diplomacy",
        "外交",
        "安全保障",
    ]


def test_word_count_counts_cjk_characters_as_words() -> None:
    assert word_count(["Tillerson set to arrive", "東京に到着"]) == 4 + 5


def test_content_hash_ignores_case_and_spacing_only() -> None:
    a = content_hash("Title", ["One  paragraph.", "Two."])
    assert a == content_hash("title", ["One paragraph.", " Two. "])
    assert a != content_hash("Title", ["One paragraph.", "Three."])
    assert a.startswith("sha256:") and len(a) == 7 + 64


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://JMH.USEmbassy.gov:443/2017031517228/#top",
            "https://jmh.usembassy.gov/2017031517228/",
        ),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://example.com/a?utm_source=x&b=2&a=1&fbclid=z&gclid=q",
            "https://example.com/a?a=1&b=2",
        ),
        ("https://user:secret@example.com/Path/Case", "https://example.com/Path/Case"),
    ],
)
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_article_id_is_stable_and_derived_from_the_canonical_url() -> None:
    first = article_id(canonicalize_url("https://jmh.usembassy.gov/2017031517228/?utm_medium=rss"))
    assert first == article_id("https://jmh.usembassy.gov/2017031517228/")
    assert len(first) == 32 and int(first, 16) >= 0
