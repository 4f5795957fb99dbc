"""Author splitting and wire-service sources."""

import pytest

from newscrawler.extraction.authors import authors_from_json_ld, split_authors
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
