"""The text export reproduces the source document; the JSON Schema matches the Article item."""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

from itemadapter import ItemAdapter

from newscrawler.export import ARTICLE_SEPARATOR, render_text, write_text
from newscrawler.items import ARTICLE_FIELDS, Article
from newscrawler.pipelines.validate import article_schema
from newscrawler.replay.recording import Recording
from newscrawler.sites import get_site

from .conftest import FIXTURES, ROOT

SEED = FIXTURES / "jmh" / "seed" / "000_570d4b081ac06c31.txt"
SEED_URL = "https://jmh.usembassy.gov/2017031517228/"
# The seed's first line is the page's print button: chrome, not part of the article.
PRINT_CHROME = "print PRINT\n\n\n"


def seed_content() -> tuple[str, list[str], list[str]]:
    text = SEED.read_text(encoding="utf-8").removeprefix(PRINT_CHROME)
    head, _, rest = text.partition("\n\n")
    *paragraphs, bullets = rest.split("\n\n\n")
    tags = [line.removeprefix("  • ") for line in bullets.split("\n")]
    return head, paragraphs, tags


def test_text_export_renders_the_seed_byte_for_byte() -> None:
    title, paragraphs, tags = seed_content()
    assert len(paragraphs) == 14 and tags == ["Ambassador", "Ukraine", "COVID-19", "Trending Japan"]
    rendered = render_text({"title": title, "body": paragraphs, "tags": tags})
    assert rendered.encode("utf-8") == SEED.read_bytes().removeprefix(PRINT_CHROME.encode())


def test_text_export_of_the_crawled_seed_page_matches_the_seed() -> None:
    # The crawled post gives back the seed's title and paragraphs exactly; the seed's bullet
    # list is the site's trending widget, which the crawler rightly does not take as tags.
    recorded = Recording.load(FIXTURES / "jmh" / "site").get(SEED_URL)
    assert recorded is not None
    article = get_site("jmh").page_class(SEED_URL, recorded.body().decode("utf-8")).extract()
    title, paragraphs, trending = seed_content()
    assert article.title == title
    assert article.body == paragraphs
    assert article.tags == []
    rendered = render_text({**article.to_dict(), "tags": trending})
    assert rendered == SEED.read_text(encoding="utf-8").removeprefix(PRINT_CHROME)


def test_export_command_reads_jsonl_and_separates_articles(tmp_path: Path) -> None:
    title, paragraphs, _ = seed_content()
    first = {"title": title, "body": paragraphs[:2], "tags": ["Japan"]}
    second = {"title": "東京で会談", "body": ["本文。"], "tags": []}
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in (first, second)) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "export", "--format", "text", str(path)],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    out = io.StringIO()
    write_text([first, second], out)
    assert result.stdout.decode("utf-8") == out.getvalue()
    assert out.getvalue() == render_text(first) + ARTICLE_SEPARATOR + "東京で会談\n\n本文。"


def test_schema_properties_are_the_item_fields_in_order() -> None:
    schema = article_schema()
    assert tuple(schema["properties"]) == ARTICLE_FIELDS
    assert tuple(schema["required"]) == ARTICLE_FIELDS


def test_every_item_field_has_a_docstring() -> None:
    source = (ROOT / "newscrawler" / "items.py").read_text(encoding="utf-8")
    (cls,) = [
        n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "Article"
    ]
    documented = set()
    for node, following in zip(cls.body, cls.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            documented.add(node.target.id)
    assert documented == set(ARTICLE_FIELDS)


def test_article_works_through_itemadapter() -> None:
    adapter = ItemAdapter(Article(url="https://example.com/"))
    assert adapter.is_item(Article())
    assert set(adapter.field_names()) == set(ARTICLE_FIELDS)
    assert adapter["revision"] == 1 and adapter["duplicate_of"] is None
    assert [f.name for f in dataclasses.fields(Article)] == list(ARTICLE_FIELDS)


def test_to_dict_is_a_deep_copy_in_schema_order() -> None:
    # Every field filled, lists and the layer dict included: the same mapping as
    # dataclasses.asdict, and changing it leaves the article as it was.
    article = Article(
        id="0" * 32,
        url="https://example.com/a",
        canonical_url="https://example.com/a",
        site="example",
        source="Kyodo",
        title="Title",
        subtitle="Sub",
        body=["One.", "Two."],
        tags=["a", "b"],
        section="News",
        authors=["A. Writer"],
        published_at="2017-03-15",
        modified_at="2017-03-16T10:00:00+09:00",
        language="ja",
        image_url="https://example.com/a.jpg",
        word_count=2,
        content_hash="sha256:" + "0" * 64,
        fetched_at="2026-11-25T19:53:07Z",
        revision=2,
        duplicate_of="1" * 32,
        extraction={"title": "json-ld", "body": "generic"},
    )
    document = article.to_dict()
    assert document == dataclasses.asdict(article)
    assert tuple(document) == ARTICLE_FIELDS
    assert all(document[name] == getattr(article, name) for name in ARTICLE_FIELDS)
    document["body"].append("Three.")
    document["tags"].clear()
    document["extraction"]["tags"] = "meta"
    assert article.body == ["One.", "Two."] and article.tags == ["a", "b"]
    assert article.extraction == {"title": "json-ld", "body": "generic"}
