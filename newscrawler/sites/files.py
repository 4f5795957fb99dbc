"""Declarative site files: a TOML file per site becomes a `Site` and, for its selectors, a page.

A site file (`<id>.toml`, in `newscrawler/sites/` or a folder of `NEWSCRAWLER_SITES_DIR`):

    id = "asahi"                        # must equal the file name
    name = "朝日新聞"
    other_names = ["Asahi Shimbun"]     # stripped from headlines like `name`
    language = "ja"
    domains = ["asahi.com"]             # required, not empty: the site boundary
    discovery = ["https://www.asahi.com/robots.txt"]   # absolute URLs on those domains
    article_urls = ['^https://www\\.asahi\\.com/articles/[A-Z0-9]+\\.html$']

    [politeness]
    delay = 2.0                         # seconds between requests, 0-3600 (DOWNLOAD_DELAY)
    concurrency = 1                     # requests at a time (CONCURRENT_REQUESTS_PER_DOMAIN)

    [selectors]                         # optional; XPath strings, or {css = "..."}
    authors = "//div[@class='byline']//a"
    body = { css = "div.article-body > p" }

    remove = ["//aside"]                # optional (top level): chrome dropped before extraction

Every mistake is a `SiteFileError` naming the file, the line and what is wrong.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cssselect import GenericTranslator, SelectorError
from lxml import etree

from newscrawler.extraction.page import ArticlePage
from newscrawler.items import EXTRACTED_FIELDS
from newscrawler.safety.config import MAX_DELAY
from newscrawler.safety.hosts import domains_problem, start_url_problem
from newscrawler.sites.base import OLD_WORDS, Site, SiteFileError, compile_pattern

__all__ = ["SELECTOR_FIELDS", "load_site_file", "page_class_for"]

# The fields ArticlePage's site layer reads from SELECTORS: the extracted ones.
SELECTOR_FIELDS = EXTRACTED_FIELDS
_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "name": str,
    "other_names": list,
    "language": str,
    "domains": list,
    "discovery": list,
    "article_urls": list,
    "politeness": dict,
    "selectors": dict,
    "remove": list,
    "render": bool,
    "render_urls": list,
    "render_wait": (int, float),
}
_REQUIRED = ("id", "name", "domains", "discovery")
_POLITENESS_KEYS: dict[str, type | tuple[type, ...]] = {"delay": (int, float), "concurrency": int}
# Splash itself caps its wait at 30 s; the delay's bound is DOWNLOAD_DELAY's (MAX_DELAY).
MAX_RENDER_WAIT = 30.0
_KEY_LINE_RE = r'^\s*(?:"{key}"|{key})\s*='
# The start of the next key or table: where the lines of a multi-line list end.
_NEXT_KEY_RE = re.compile(r'^\s*(?:\[|[A-Za-z0-9_."-]+\s*=)')


def load_site_file(path: Path) -> Site:
    """The `Site` a TOML site file describes; any mistake raises `SiteFileError` with its line."""
    try:
        data_bytes = path.read_bytes()
    except OSError as exc:
        raise SiteFileError(f"{path}: cannot read the site file: {exc.strerror or exc}") from exc
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data_bytes[: exc.start].count(b"\n") + 1
        raise SiteFileError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data_bytes[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends "(at line N, column M)", or "(at end of document)".
        found = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
        line = int(found.group(1)) if found else max(len(text.splitlines()), 1)
        raise SiteFileError(f"{path}:{line}: not valid TOML: {exc}") from exc
    return _SiteFile(path, text, data).site()


class _SiteFile:
    """One parsed site file, checked key by key; errors point at the key's line."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.data = data

    def error(self, keys: tuple[str, ...], message: str) -> SiteFileError:
        line = self.line_of(keys)
        where = f"{self.path}:{line}" if line else str(self.path)
        label = ".".join(keys)
        return SiteFileError(f"{where}: {label + ': ' if label else ''}{message}")

    def line_of(self, keys: tuple[str, ...]) -> int | None:
        """The line where a key is set: `key =` inside its `[table]`, or a dotted
        `table.key =`, or the table header itself; None when the key is absent."""
        if not keys:
            return None
        *tables, key = keys
        table = ".".join(tables)
        current = ""
        key_re = re.compile(_KEY_LINE_RE.format(key=re.escape(key)))
        dotted_re = re.compile(_KEY_LINE_RE.format(key=re.escape(".".join(keys))))
        header_line = None
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = header.group(1)
                if current == ".".join(keys):
                    header_line = number
                continue
            if (current == table and key_re.match(line)) or (not current and dotted_re.match(line)):
                return number
        return header_line

    def get(self, keys: tuple[str, ...]) -> Any:
        value: Any = self.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def strings(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(keys)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(keys, "must be a list of non-empty strings")
        return tuple(value)

    def check_keys(self) -> None:
        for key in self.data:
            if key in OLD_WORDS:
                raise self.error((key,), f"unknown key; a site file calls it {OLD_WORDS[key]}")
            if key not in _TOP_KEYS:
                known = ", ".join(_TOP_KEYS)
                raise self.error((key,), f"unknown key; a site file knows {known}")
        for key in _REQUIRED:
            if key not in self.data:
                raise SiteFileError(f"{self.path}:1: {key}: missing (required: {_REQUIRED})")
        for key, kind in _TOP_KEYS.items():
            if key in self.data and not isinstance(self.data[key], kind):
                expected = kind.__name__ if isinstance(kind, type) else "a number"
                raise self.error((key,), f"must be {_kind_name(expected)}")
        politeness: dict[str, Any] = self.data.get("politeness", {})
        for key, value in politeness.items():
            if key not in _POLITENESS_KEYS:
                raise self.error(("politeness", key), "unknown key; use delay, concurrency")
            allowed: Any = _POLITENESS_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, allowed):
                wanted = "a whole number" if key == "concurrency" else "a number"
                raise self.error(("politeness", key), f"must be {wanted}")
            if key == "delay":
                self.seconds(("politeness", key), value, MAX_DELAY)
            elif value < 1:
                raise self.error(("politeness", key), "out of range; give 1 or more")
        if "render_wait" in self.data:
            self.seconds(("render_wait",), self.data["render_wait"], MAX_RENDER_WAIT)

    def seconds(self, keys: tuple[str, ...], value: float, maximum: float) -> None:
        if not math.isfinite(value) or not 0 <= value <= maximum:
            raise self.error(keys, f"{value!r} is out of range; give seconds from 0 to {maximum:g}")

    def value_error(self, keys: tuple[str, ...], value: str, message: str) -> SiteFileError:
        """An error about one string of a list: on the line that holds it, when one does."""
        start = self.line_of(keys)
        if start is not None:
            spellings = (value, json.dumps(value, ensure_ascii=False)[1:-1])
            for number in range(start, len(self.lines) + 1):
                line = self.lines[number - 1]
                if number > start and _NEXT_KEY_RE.match(line):
                    break
                if any(s and s in line for s in spellings):
                    label = ".".join(keys)
                    return SiteFileError(f"{self.path}:{number}: {label}: {message}")
        return self.error(keys, message)

    def patterns(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        """Regular expressions, compiled by the engine that matches them (`regex`)."""
        patterns = self.strings(keys)
        for pattern in patterns:
            try:
                compile_pattern(pattern)
            except ValueError as exc:
                raise self.value_error(keys, pattern, str(exc)) from None
        return patterns

    def domains(self) -> tuple[str, ...]:
        domains = self.strings(("domains",))
        problem = domains_problem(domains)
        if problem:
            raise self.error(("domains",), problem)
        return tuple(d.lower().rstrip(".") for d in domains)

    def discovery(self, domains: tuple[str, ...]) -> tuple[str, ...]:
        urls = self.strings(("discovery",))
        if not urls:
            raise self.error(("discovery",), "empty; give the site's robots.txt, sitemap or feed")
        for url in urls:
            problem = start_url_problem(url, domains)
            if problem:
                problem = problem.replace("start_url", "URL", 1)
                raise self.value_error(("discovery",), url, problem)
        return urls

    def xpath(self, keys: tuple[str, ...], value: Any) -> str:
        """An XPath string as is, or `{css = "..."}` translated to XPath; checked to compile."""
        if isinstance(value, dict):
            if set(value) != {"css"} or not isinstance(value["css"], str):
                raise self.error(keys, 'a selector is an XPath string or {css = "..."}')
            try:
                value = GenericTranslator().css_to_xpath(value["css"])
            except SelectorError as exc:
                raise self.error(keys, f"bad CSS selector {value['css']!r}: {exc}") from exc
        if not isinstance(value, str) or not value.strip():
            raise self.error(keys, 'a selector is an XPath string or {css = "..."}')
        try:
            etree.XPath(value)
        except etree.XPathSyntaxError as exc:
            raise self.error(keys, f"bad XPath {value!r}: {exc}") from exc
        return value

    def site(self) -> Site:
        self.check_keys()
        site_id = self.data["id"]
        if site_id != self.path.stem:
            raise self.error(("id",), f"is {site_id!r}; rename the file {site_id}.toml")
        selectors: dict[str, str] = {}
        for field, value in self.data.get("selectors", {}).items():
            if field not in SELECTOR_FIELDS:
                raise self.error(
                    ("selectors", field), f"unknown field; one of {', '.join(SELECTOR_FIELDS)}"
                )
            selectors[field] = self.xpath(("selectors", field), value)
        remove = tuple(self.xpath(("remove",), value) for value in self.data.get("remove", []))
        names = (self.data["name"], *self.strings(("other_names",)))
        page_class = (
            page_class_for(site_id, names, selectors, remove)
            if selectors or remove
            else ArticlePage
        )
        politeness = self.data.get("politeness", {})
        domains = self.domains()
        discovery = self.discovery(domains)
        article_urls = self.patterns(("article_urls",))
        render_urls = self.patterns(("render_urls",))
        try:
            # Every value was checked above, each on its own key's line; Site() checks again
            # what a Python site module could get wrong (only the id's form is left).
            return Site(
                id=site_id,
                name=self.data["name"],
                domains=domains,
                discovery=discovery,
                article_urls=article_urls,
                page_class=page_class,
                language=self.data.get("language"),
                download_delay=politeness.get("delay"),
                concurrency=politeness.get("concurrency"),
                other_names=names[1:],
                render=self.data.get("render", False),
                render_urls=render_urls,
                render_wait=self.data.get("render_wait"),
            )
        except ValueError as exc:
            raise self.error(("id",), str(exc)) from None


def _kind_name(name: str) -> str:
    return {
        "str": "a string",
        "list": "a list",
        "dict": "a table",
        "bool": "true or false",
    }.get(name, name)


def page_class_for(
    site_id: str,
    names: tuple[str, ...],
    selectors: Mapping[str, str],
    remove: tuple[str, ...] = (),
) -> type[ArticlePage]:
    """An `ArticlePage` subclass carrying a site file's selectors, like a hand-written one."""
    class_name = "".join(part.title() for part in site_id.split("_")) + "FilePage"
    attributes: dict[str, Any] = {
        "SITE_NAMES": names,
        "SELECTORS": dict(selectors),
        "REMOVE": remove,
        "__module__": __name__,
        "__doc__": f"Page rules of the site file {site_id}.toml.",
    }
    page: type[ArticlePage] = type(class_name, (ArticlePage,), attributes)
    return page
