"""The Python API: extract one page, or run a crawl and iterate its articles.

    import newscrawler

    article = newscrawler.extract(html, url="https://example.com/news/1")
    for article in newscrawler.crawl(["jmh"], replay="fixtures", max_articles=10):
        print(article.title)

`extract` is the function behind `newscrawler extract`; `crawl` runs `newscrawler crawl -o -` in a
child process and reads its lines as they come. A child, because Scrapy's Twisted reactor runs
once per process and cannot be restarted: a notebook can call `crawl` again and again, and a
crawl that fails cannot take the caller's process down with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from datetime import UTC, date, datetime

from newscrawler.exitcodes import EXIT_OK, describe
from newscrawler.items import Article

__all__ = ["CrawlError", "crawl", "extract"]

_FIELDS = {f.name for f in fields(Article)}


class CrawlError(RuntimeError):
    """The crawl ended with a non-zero exit status (see newscrawler/exitcodes.py); `summary` is
    what the command printed about the run."""

    def __init__(self, exit_code: int, summary: str) -> None:
        self.exit_code = exit_code
        self.summary = summary
        last = summary.strip().splitlines()[-1] if summary.strip() else ""
        super().__init__(f"crawl ended with status {exit_code} ({describe(exit_code)}): {last}")


def extract(html: str | bytes, url: str | None = None) -> Article | None:
    """The article of one page, or None when the page is not an article (a list page, an
    error page, a page with no text). The same article `newscrawler extract` gives: the
    registered site owning `url` extracts it with its own rules, any other page gets the
    generic layers and `site == "generic"`. Without `url`, the page's canonical URL is used;
    a page with neither gives None. `fetched_at` is now."""
    from newscrawler.saved_pages import extract_saved_page

    data = html.encode("utf-8") if isinstance(html, str) else html
    return extract_saved_page(data, url, datetime.now(UTC)).article


def article_from_dict(data: Mapping[str, object]) -> Article:
    """An Article from one JSON line (unknown keys ignored)."""
    return Article(**{k: v for k, v in data.items() if k in _FIELDS})  # type: ignore[arg-type]


def crawl(
    sites: Iterable[str],
    *,
    replay: str | os.PathLike[str] | None = None,
    max_articles: int | None = None,
    since: str | date | None = None,
    languages: Iterable[str] | None = None,
    fresh: bool = False,
    state: str | os.PathLike[str] | None = None,
    settings: Mapping[str, object] | None = None,
) -> Iterator[Article]:
    """Crawl `sites` (ids from `newscrawler list`) and yield each article as it is written.

    The keyword arguments are the `newscrawler crawl` options of the same names: `replay` a
    recorded folder (offline), `max_articles` per site, `since` a day (articles published
    before it are left out), `languages` e.g. `["ja", "en"]`, `fresh` to ignore what the
    state knows, `state` the state database, `settings` any Scrapy or NEWSCRAWLER_* setting.
    Like the command, a crawl skips articles the state already holds (`fresh=True` does not).

    Stopping the iteration early (`break`) stops the crawl. Raises CrawlError when the crawl
    ends with a non-zero status (bad arguments, no page fetched, interrupted), after yielding
    whatever it wrote."""
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", *sites, "-o", "-", "-q"]
    if replay is not None:
        command += ["--replay", os.fspath(replay)]
    if max_articles is not None:
        command += ["--max-articles", str(max_articles)]
    if since is not None:
        command += ["--since", since.isoformat() if isinstance(since, date) else str(since)]
    if languages is not None:
        command += ["--language", ",".join(languages)]
    if fresh:
        command.append("--fresh")
    if state is not None:
        command += ["--state", os.fspath(state)]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    # Standard error (the summary) to a file, not a pipe: a pipe nobody reads while the
    # articles stream would stall the crawl once it filled.
    errors = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed below)
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=errors, text=True, encoding="utf-8"
    )
    assert child.stdout is not None
    finished = False
    try:
        for line in child.stdout:
            if line.strip():
                yield article_from_dict(json.loads(line))
        finished = True
    finally:
        if not finished and child.poll() is None:
            # The caller stopped iterating: stop the crawl as Ctrl-C would, whole lines kept.
            child.send_signal(signal.SIGINT)
        child.wait()
        child.stdout.close()
        errors.seek(0)
        summary = errors.read()
        errors.close()
    if child.returncode != EXIT_OK:
        raise CrawlError(child.returncode, summary)
