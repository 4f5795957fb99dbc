"""`newscrawler state rebuild`: a new state from the crawl's output files, for a state file that
is damaged or lost. The output is the truth: every line is an article written, so the state it
gives makes the next run write each article exactly once.

What the output cannot give is rebuilt by the next run instead: the fetch validators (ETag,
Last-Modified, sitemap dates), so that run requests every page once in full, and the unchanged
ones are dropped as known (`deduplicate/url-seen`), not written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newscrawler.items import Article
from newscrawler.locks import LockHeldError, PidLock
from newscrawler.signatures import body_minhash
from newscrawler.state.records import parse_stamp
from newscrawler.state.sqlite import SqliteArticleState

logger = logging.getLogger(__name__)

__all__ = ["RebuildReport", "rebuild_state"]

_FIELDS = {f.name for f in dataclasses.fields(Article)}
# SQLite's files beside a database in WAL mode.
_SIDE_FILES = ("-wal", "-shm")


@dataclass
class RebuildReport:
    """What a rebuild read and wrote."""

    state: Path
    lines: int = 0
    articles: int = 0
    """Distinct articles (canonical URLs) now in the state, at their latest revision."""
    unreadable: int = 0
    """Lines that are not an article (cut short, not JSON, no canonical URL or content hash)."""
    kept_as: Path | None = None
    """Where the replaced state file was moved (None: there was none)."""


def _articles(path: Path, report: RebuildReport) -> Iterator[Article]:
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            report.lines += 1
            try:
                data = json.loads(line)
                article = Article(**{k: v for k, v in data.items() if k in _FIELDS})
            except (ValueError, TypeError, AttributeError):
                report.unreadable += 1
                continue
            if not article.canonical_url or not article.content_hash or not article.id:
                report.unreadable += 1
                continue
            yield article


def _fetched(article: Article) -> datetime | None:
    try:
        return parse_stamp(article.fetched_at)
    except ValueError:
        return None


def _check_unused(state: Path) -> None:
    """Refuse while a crawl holds the state (its lock files are `<state>.<site>.lock`)."""
    for lock in sorted(state.parent.glob(f"{state.name}.*.lock")):
        pid = PidLock.holder(lock)
        if pid is not None:
            raise LockHeldError(
                lock, pid, f"state {state} is in use by a crawl (pid {pid}): wait for it to end"
            )


def rebuild_state(state: str | Path, outputs: Sequence[str | Path]) -> RebuildReport:
    """Build a state from `outputs` (JSON Lines, oldest first) and put it at `state`; the file it
    replaces is kept beside it. Raises LockHeldError while a crawl uses the state, OSError when an
    output cannot be read, ValueError when the outputs hold no article."""
    state = Path(state)
    _check_unused(state)
    report = RebuildReport(state)
    building = state.with_name(state.name + ".rebuilding")
    for path in (building, *(Path(f"{building}{s}") for s in _SIDE_FILES)):
        path.unlink(missing_ok=True)
    store = SqliteArticleState(building)
    try:
        for output in outputs:
            for article in _articles(Path(output), report):
                known = store.article(article.canonical_url)
                if known is not None and known.revision > article.revision:
                    continue  # a later revision came first (files given out of order)
                when = _fetched(article)
                store.record(article, when)
                if article.body:
                    # The near-duplicate index: later copies of this story are linked to it.
                    minhash = body_minhash(article.body).hashvalues.tobytes()
                    store.record_signature(
                        article.id, article.site, minhash, article.duplicate_of, when
                    )
        report.articles = store.count()
        if not report.articles:
            raise ValueError(
                f"no article in {', '.join(map(str, outputs))}: give the crawl's .jsonl files"
            )
        # One self-contained file to move into place, no WAL beside it.
        store.leave_wal()
    except BaseException:
        store.close()
        for path in (building, *(Path(f"{building}{s}") for s in _SIDE_FILES)):
            path.unlink(missing_ok=True)
        raise
    store.close()
    if state.exists():
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
        report.kept_as = state.with_name(f"{state.name}.before-rebuild-{stamp}")
        os.replace(state, report.kept_as)
        # A damaged file's WAL must not be replayed into the new one: it goes with it.
        for suffix in _SIDE_FILES:
            side = Path(f"{state}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{report.kept_as}{suffix}"))
    os.replace(building, state)
    logger.info("state %s rebuilt: %d articles", state, report.articles)
    return report
