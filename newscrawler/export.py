"""Output formats besides JSON Lines: the plain-text layout of the source document."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

__all__ = ["ARTICLE_SEPARATOR", "read_articles", "render_text", "write_text"]

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
