"""The article contract checked: an article that must not be written, and why. Pure functions,
without Scrapy, shared by the validate pipeline and `newscrawler extract`."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

from newscrawler.items import Article

if TYPE_CHECKING:
    import jsonschema

__all__ = ["DRAFT7_KEYWORDS", "article_schema", "validation_problem"]


@lru_cache(maxsize=1)
def article_schema() -> dict[str, Any]:
    text = resources.files("newscrawler").joinpath("schema/article.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema  # only for an article the fast check refuses: it names the field

    cls = jsonschema.validators.validator_for(article_schema())
    return cls(article_schema(), format_checker=cls.FORMAT_CHECKER)


# Keywords the schema may use for the compiled fast check: each means the same in JSON Schema
# draft-07 (fastjsonschema's newest draft) as in the schema's 2020-12.
DRAFT7_KEYWORDS = frozenset(
    [
        "$defs",
        "$id",
        "$ref",
        "$schema",
        "additionalProperties",
        "description",
        "enum",
        "items",
        "minItems",
        "minLength",
        "minimum",
        "pattern",
        "properties",
        "propertyNames",
        "required",
        "title",
        "type",
        "uniqueItems",
    ]
)


@lru_cache(maxsize=1)
def _fast_check() -> Any:
    """The schema compiled to Python code: several times faster than jsonschema on a valid
    article (docs/benchmarks.md), so every article pays for the fast check only; an
    article it refuses is judged again by jsonschema, whose error names the field. "$defs"
    references are plain JSON pointers to fastjsonschema."""
    schema = {**article_schema(), "$schema": "http://json-schema.org/draft-07/schema#"}
    return fastjsonschema.compile(schema)


def _schema_error(document: dict[str, Any]) -> jsonschema.ValidationError | None:
    try:
        _fast_check()(document)
    except fastjsonschema.JsonSchemaException:
        return next(iter(_validator().iter_errors(document)), None)
    return None


def validation_problem(article: Article, min_body_chars: int = 1) -> tuple[str, str] | None:
    """(reason, detail) when the article must not be written, else None."""
    if not article.url:
        return "missing-url", "the page has no URL"
    if not article.title:
        return "missing-title", "no layer found a headline"
    if not article.body or sum(len(p) for p in article.body) < min_body_chars:
        return "empty-body", "no layer found article text"
    error = _schema_error(article.to_dict())
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(article)"
        return "schema", f"{where}: {error.message}"
    return None
