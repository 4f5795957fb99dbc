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
from newscrawler.replay.recording import Recording
from newscrawler.sites import get_site
from newscrawler.validation import article_schema

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


def _articles(count: int) -> list[dict[str, object]]:
    from newscrawler.items import Article

    articles = []
    for n in range(count):
        article = Article(
            id=f"{n:032x}",
            site="jmh" if n % 2 else "asahi",
            title=f"Story {n}",
            body=[f"First paragraph {n}.", "Second, with a comma."],
            tags=["Japan", "U.S."],
            authors=["Jane Reporter"],
            published_at=f"2017-03-{10 + n % 10:02d}T10:00:00+09:00",
            language="en-US" if n % 2 else "ja",
            word_count=6,
            extraction={"title": "json-ld"},
        ).to_dict()
        articles.append(article)
    return articles


def _export(args: list[str], data: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    (cwd / "a.jsonl").write_text(data, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "export", "a.jsonl", *args],
        capture_output=True, cwd=cwd, check=False,
    )  # fmt: skip


def test_export_csv_has_a_header_and_one_row_per_article(tmp_path: Path) -> None:
    import csv

    from newscrawler.items import ARTICLE_FIELDS

    articles = _articles(3)
    result = _export(["--format", "csv"], "".join(json.dumps(a) + "\n" for a in articles), tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout.decode("utf-8"))))
    assert tuple(rows[0]) == ARTICLE_FIELDS
    assert len(rows) == 4
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["body"] == "First paragraph 0.\n\nSecond, with a comma."
    assert row["tags"] == "Japan; U.S."
    assert row["subtitle"] == ""
    assert json.loads(row["extraction"]) == {"title": "json-ld"}


def test_export_parquet_is_typed_and_readable_by_pyarrow(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    articles = _articles(5)
    data = "".join(json.dumps(a) + "\n" for a in articles)
    refused = _export(["--format", "parquet"], data, tmp_path)
    assert refused.returncode == 2 and b"-o FILE.parquet" in refused.stderr
    result = _export(["--format", "parquet", "-o", "a.parquet"], data, tmp_path)
    assert result.returncode == 0, result.stderr
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == 5
    assert str(table.schema.field("body").type) == "list<element: string>"
    assert str(table.schema.field("word_count").type) == "int64"
    rows = table.to_pylist()
    assert rows[0]["body"] == articles[0]["body"]
    assert rows[0]["subtitle"] is None
    assert dict(rows[0]["extraction"]) == {"title": "json-ld"}


def test_export_jsonl_filters_by_site_day_and_language(tmp_path: Path) -> None:
    articles = _articles(10)
    data = "".join(json.dumps(a) + "\n" for a in articles)
    result = _export(
        ["--format", "jsonl", "--site", "jmh", "--since", "2017-03-15"], data, tmp_path
    )
    kept = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [a["title"] for a in kept] == ["Story 5", "Story 7", "Story 9"]
    result = _export(["--format", "jsonl", "--language", "ja"], data, tmp_path)
    assert len(result.stdout.decode().splitlines()) == 5


def test_export_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # Far more than a pipe holds, so the writer meets the closed pipe.
    (tmp_path / "a.jsonl").write_text(
        "".join(json.dumps(a) + "\n" for a in _articles(3000)), encoding="utf-8"
    )
    for fmt in ("text", "csv", "jsonl"):
        with subprocess.Popen(
            [sys.executable, "-m", "newscrawler.cli", "export", "--format", fmt, "a.jsonl"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ) as child:  # fmt: skip
            assert child.stdout is not None and child.stderr is not None
            child.stdout.readline()
            child.stdout.close()  # as `| head -1` does
            err = child.stderr.read()
            assert child.wait(timeout=60) == 0, err
        assert err == b"", err
