"""`newscrawler export`: a JSON Lines file of articles in another format (the plain-text layout of
the source document, CSV, Parquet) or as JSON Lines again, filtered by site, day or language."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TextIO

__all__ = [
    "ARTICLE_SEPARATOR",
    "FORMATS",
    "csv_row",
    "keep_article",
    "read_articles",
    "render_text",
    "write_csv",
    "write_jsonl",
    "write_parquet",
    "write_text",
]

# Formats written as text (to standard output or a file); Parquet is binary and needs a file.
TEXT_FORMATS = ("text", "jsonl", "csv")
FORMATS = (*TEXT_FORMATS, "parquet")
# In a CSV cell a list is one text: paragraphs a blank line apart (as in the text layout), names
# and tags "; " apart; `extraction` as its JSON object.
PARAGRAPH_JOIN = "\n\n"
LIST_JOIN = "; "

# Between two articles in one text file: a line holding only a form feed (a page break).
ARTICLE_SEPARATOR = "\n\f\n"


def render_text(article: Mapping[str, Any]) -> str:
    """The source document's layout: the title; one empty line; the paragraphs, two empty lines
    apart; two empty lines; one `  • tag` line per tag, without a final newline."""
    text = str(article.get("title") or "")
    body = [str(p) for p in article.get("body") or []]
    if body:
        text += "\n\n" + "\n\n\n".join(body)
    tags = [str(t) for t in article.get("tags") or []]
    if tags:
        text += "\n\n\n" + "\n".join(f"  • {tag}" for tag in tags)
    return text


def read_articles(path: str | Path | TextIO) -> Iterator[dict[str, Any]]:
    """Articles from a JSON Lines file (blank lines skipped)."""
    handle = open(path, encoding="utf-8") if isinstance(path, (str, Path)) else path  # noqa: SIM115
    try:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise ValueError(f"line {number} is not JSON: {exc}") from None
    finally:
        if isinstance(path, (str, Path)):
            handle.close()


def write_text(articles: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    count = 0
    for article in articles:
        if count:
            out.write(ARTICLE_SEPARATOR)
        out.write(render_text(article))
        count += 1
    return count


def keep_article(
    article: Mapping[str, Any],
    sites: Iterable[str] = (),
    since: date | None = None,
    languages: Iterable[str] = (),
) -> bool:
    """The export's filters: one of `sites`; published on or after `since` (undated kept, as
    in a crawl); in one of `languages` (primary subtags, `en` matches `en-US`)."""
    from newscrawler.items import Article
    from newscrawler.pipelines.filters import filter_reason

    wanted_sites = set(sites)
    if wanted_sites and article.get("site") not in wanted_sites:
        return False
    probe = Article(published_at=article.get("published_at"), language=article.get("language"))
    return filter_reason(probe, since, tuple(languages)) is None


def write_jsonl(articles: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    count = 0
    for article in articles:
        out.write(json.dumps(article, ensure_ascii=False) + "\n")
        count += 1
    return count


def _fields(articles: list[Mapping[str, Any]]) -> list[str]:
    from newscrawler.items import ARTICLE_FIELDS

    extra = {k for a in articles for k in a} - set(ARTICLE_FIELDS)
    return [*ARTICLE_FIELDS, *sorted(extra)]


def csv_row(article: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    row = []
    for name in fields:
        value = article.get(name)
        if value is None:
            row.append("")
        elif isinstance(value, list):
            joiner = PARAGRAPH_JOIN if name == "body" else LIST_JOIN
            row.append(joiner.join(str(v) for v in value))
        elif isinstance(value, dict):
            row.append(json.dumps(value, ensure_ascii=False))
        else:
            row.append(str(value))
    return row


def write_csv(articles: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """A header row of the article fields in schema order, then one row per article."""
    fields: list[str] | None = None
    writer = csv.writer(out)
    count = 0
    for article in articles:
        if fields is None:
            fields = _fields([article])
            writer.writerow(fields)
        writer.writerow(csv_row(article, fields))
        count += 1
    return count


def _parquet_schema() -> Any:
    import pyarrow as pa

    from newscrawler.items import ARTICLE_FIELDS, Article

    types: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        default = getattr(Article(), name)
        if isinstance(default, list):
            types[name] = pa.list_(pa.string())
        elif isinstance(default, dict):
            types[name] = pa.map_(pa.string(), pa.string())
        elif isinstance(default, bool):  # before int: a bool is an int to isinstance
            types[name] = pa.bool_()
        elif isinstance(default, int):
            types[name] = pa.int64()
        else:
            types[name] = pa.string()
    return pa.schema([pa.field(name, kind) for name, kind in types.items()])


def write_parquet(articles: Iterable[Mapping[str, Any]], out: str | Path | BinaryIO) -> int:
    """One row per article, typed: lists as list<string>, `extraction` as map<string,string>,
    counts as int64, flags as bool, every other field a string (null when absent). Written in
    batches of 10,000 rows, so a large file is never held whole in memory."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(
            "Parquet needs pyarrow: python3 -m pip install 'newscrawler[parquet]'"
        ) from None

    schema = _parquet_schema()
    names = schema.names
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()

        for article in articles:
            row = {name: article.get(name) for name in names}
            if row["extraction"] is not None:
                row["extraction"] = list(dict(row["extraction"]).items())
            batch.append(row)
            count += 1
            if len(batch) >= 10_000:
                flush()
        flush()
    return count


TEXT_WRITERS: dict[str, Callable[[Iterable[Mapping[str, Any]], TextIO], int]] = {
    "text": write_text,
    "jsonl": write_jsonl,
    "csv": write_csv,
}
