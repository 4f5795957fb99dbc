"""Each pipeline on its own: normalize, validate (+ rejects file), deduplicate, write."""

import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings

from newscrawler.items import Article
from newscrawler.pipelines.deduplicate import DeduplicateArticlesPipeline
from newscrawler.pipelines.normalize import normalize_article
from newscrawler.pipelines.validate import ValidateArticlePipeline
from newscrawler.pipelines.write import (
    JsonLinesWriter,
    OutputConfigError,
    WriteJsonLinesPipeline,
    output_target,
)
from newscrawler.rejects import RejectsLog
from newscrawler.state import SqliteArticleState
from newscrawler.validation import (
    DRAFT7_KEYWORDS,
    _fast_check,
    _validator,
    article_schema,
    validation_problem,
)


def make_article(**overrides: object) -> Article:
    article = Article(
        url="https://Example.com:443/news/1?utm_source=feed#comments",
        site="jmh",
        title="  Tillerson  set to focus on N. Korea ",
        body=["First\u00a0 paragraph.", "", "print PRINT", "  Second paragraph. "],
        tags=["Japan", "japan", "U.S."],
        authors=["Jane Doe"],
        published_at="Wed, 15 Mar 2017 10:04:00 +0900",
        language="en_US",
        fetched_at="2026-11-25T19:53:07Z",
        extraction={"title": "json-ld", "body": "generic", "tags": "meta"},
    )
    for key, value in overrides.items():
        setattr(article, key, value)
    return article


def test_normalize_cleans_text_urls_dates_and_derives_fields() -> None:
    article = normalize_article(make_article())
    assert article.canonical_url == "https://example.com/news/1"
    assert article.title == "Tillerson set to focus on N. Korea"
    assert article.body == ["First paragraph.", "Second paragraph."]  # chrome and empties gone
    assert article.tags == ["Japan", "U.S."]
    assert article.published_at == "2017-03-15T10:04:00+09:00"
    assert article.language == "en-US"
    assert article.word_count == 4
    assert len(article.id) == 32
    assert article.content_hash.startswith("sha256:")
    assert article.extraction["word_count"] == "derived"
    assert validation_problem(article) is None


def test_normalize_drops_the_layer_of_a_field_it_emptied() -> None:
    article = normalize_article(make_article(section="  ", extraction={"section": "meta"}))
    assert article.section is None
    assert "section" not in article.extraction


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"title": ""}, "missing-title"),
        ({"body": ["", "print"]}, "empty-body"),
        ({"url": ""}, "missing-url"),
    ],
)
def test_validate_drops_with_a_counted_reason_in_the_rejects_file(
    tmp_path: Path, overrides: dict[str, object], reason: str
) -> None:
    rejects = RejectsLog(tmp_path / "rejects.jsonl")
    pipeline = ValidateArticlePipeline(rejects)
    article = normalize_article(make_article(**overrides))
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(article)
    rejects.close()
    (line,) = (tmp_path / "rejects.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["reason"] == reason
    assert record["url"] == article.url
    assert record["site"] == "jmh"


def test_validate_checks_the_json_schema_too() -> None:
    article = normalize_article(make_article())
    article.published_at = "2017-03-15 10:04"  # not schema form
    problem = validation_problem(article)
    assert problem is not None and problem[0] == "schema"
    assert "published_at" in problem[1]


def _schema_keywords(schema: object) -> set[str]:
    """Every keyword used anywhere in a schema (property and $defs names are not keywords)."""
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for keyword, value in schema.items():
        if keyword in ("properties", "$defs"):
            for sub in value.values():
                found |= _schema_keywords(sub)
        elif isinstance(value, dict):
            found |= _schema_keywords(value)
        elif isinstance(value, list):
            for sub in value:
                found |= _schema_keywords(sub)
    return found


def test_the_compiled_fast_check_uses_only_keywords_draft7_shares() -> None:
    assert _schema_keywords(article_schema()) <= DRAFT7_KEYWORDS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("published_at", "2017-03-15 10:04"),
        ("published_at", 20170315),
        ("modified_at", "15 March 2017"),
        ("url", "ftp://example.com/a"),
        ("image_url", "/relative.jpg"),
        ("title", ""),
        ("body", []),
        ("body", ["ok", 3]),
        ("tags", ["a", "a"]),
        ("authors", "Jane Doe"),
        ("language", "english!"),
        ("word_count", -1),
        ("revision", 0),
        ("content_hash", "md5:abc"),
        ("extraction", {"title": "guess"}),
        ("extraction", {"nonsense": "json-ld"}),
        ("id", "XYZ"),
        ("fetched_at", "2026-11-25T19:53:07+09:00"),
        ("unknown_field", "x"),
    ],
)
def test_fast_check_and_jsonschema_agree_on_bad_articles(field: str, value: object) -> None:
    document = normalize_article(make_article()).to_dict()
    _fast_check()(document)  # the valid article passes the fast check
    document[field] = value
    jsonschema_says_valid = next(iter(_validator().iter_errors(document)), None) is None
    try:
        _fast_check()(document)
        fast_says_valid = True
    except Exception:
        fast_says_valid = False
    assert not jsonschema_says_valid
    assert fast_says_valid == jsonschema_says_valid


def test_deduplicate_within_a_run_and_across_runs(tmp_path: Path) -> None:
    state = SqliteArticleState(tmp_path / "state.sqlite3")
    first = normalize_article(make_article())
    pipeline = DeduplicateArticlesPipeline(state)
    assert pipeline.process_item(first) is first
    assert first.revision == 1 and first.duplicate_of is None
    with pytest.raises(DropItem, match="url-in-run"):
        pipeline.process_item(normalize_article(make_article()))
    # The same text at another URL is a copy: written, linked to the first (issue 5).
    moved = normalize_article(make_article(url="https://example.com/news/1-copy"))
    assert pipeline.process_item(moved).duplicate_of == first.id
    dropping = DeduplicateArticlesPipeline(state, drop_copies=True)
    dropping.process_item(normalize_article(make_article()))
    with pytest.raises(DropItem, match="content-in-run"):
        dropping.process_item(normalize_article(make_article(url="https://example.com/news/1-b")))
    # The state only learns of an article once it is written.
    assert state.count() == 0
    state.record(first)
    state.close()

    next_run = DeduplicateArticlesPipeline(SqliteArticleState(tmp_path / "state.sqlite3"))
    with pytest.raises(DropItem, match="url-seen"):
        next_run.process_item(normalize_article(make_article()))
    copy = next_run.process_item(normalize_article(make_article(url="https://example.com/other")))
    assert copy.duplicate_of == first.id
    changed = normalize_article(make_article(url="https://example.com/2", title="Another story"))
    assert next_run.process_item(changed) is changed
    # A changed page at a known URL is the next revision of the same article.
    revised = normalize_article(make_article(title="Corrected headline"))
    assert next_run.process_item(revised).revision == 2
    assert revised.id == first.id and revised.duplicate_of is None


def test_writer_writes_utf8_lines_then_records_state(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    state = SqliteArticleState(tmp_path / "state.sqlite3")
    pipeline = WriteJsonLinesPipeline(JsonLinesWriter(out), state)
    article = normalize_article(make_article(title="東京で会談"))
    pipeline.process_item(article)
    pipeline.close_spider()
    raw = out.read_bytes()
    assert "東京で会談".encode() in raw  # no \\u escapes
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert json.loads(raw)["id"] == article.id
    assert state.has_url(article.canonical_url)


def test_writer_cuts_a_partial_last_line_and_keeps_it_in_rejects(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "complete"}\n{"id": "cut off in the mid')
    rejects = RejectsLog(tmp_path / "rejects.jsonl")
    writer = JsonLinesWriter(out)
    WriteJsonLinesPipeline(writer, rejects=rejects)
    writer.write({"id": "next"})
    writer.close()
    rejects.close()
    assert out.read_text().splitlines() == ['{"id": "complete"}', '{"id":"next"}']
    record = json.loads((tmp_path / "rejects.jsonl").read_text())
    assert record["reason"] == "partial-line"
    assert record["detail"] == '{"id": "cut off in the mid'


def test_writer_overwrite_truncates(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"old": 1}\n')
    writer = JsonLinesWriter(out, overwrite=True)
    writer.write({"new": 1})
    writer.close()
    assert out.read_text() == '{"new":1}\n'


def test_output_target_follows_scrapy_feeds_and_refuses_other_formats() -> None:
    assert output_target(Settings()) == ("articles.jsonl", False)
    assert output_target(Settings({"NEWSCRAWLER_OUTPUT": "a.jsonl"})) == ("a.jsonl", False)
    feeds = {"out.jsonl": {"format": "jsonlines", "overwrite": True}}
    assert output_target(Settings({"FEEDS": feeds})) == ("out.jsonl", True)
    with pytest.raises(OutputConfigError, match="JSON Lines only"):
        output_target(Settings({"FEEDS": {"out.csv": {"format": "csv"}}}))
    with pytest.raises(OutputConfigError, match="local files only"):
        output_target(Settings({"FEEDS": {"s3://bucket/x.jsonl": {"format": "jsonlines"}}}))
