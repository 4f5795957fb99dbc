"""Pipeline 4: write each article as one complete JSON line, then mark it seen in the state.

Each line goes to the file in one unbuffered `write` on an O_APPEND descriptor: a graceful stop
(SIGINT/SIGTERM, handled by Scrapy) leaves only whole lines. A hard kill (SIGKILL, power loss) can
cut that last write short; the partial last line is cut off, and kept in the rejects file, when
the file is opened again. The state learns of an article only after its write returned, so a
crash can at worst write an article twice, never lose one.

The check that the state lacks the article, its line and its record are one step (the state's
`write_article`), and the output file is locked (`<output>.lock`) for the crawl: two crawls can
neither write one article twice nor truncate each other's lines. A write that fails (a full
disk) is taken back, from the output or the state, and stops the crawl (safety/writes.py):
output and state stay consistent, and the next run writes the article once.

Stats: `newscrawler/write/articles`, `newscrawler/write/articles/<site>`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from scrapy import signals
from scrapy.exceptions import DropItem

from newscrawler.defaults import get_bool, get_int, get_str
from newscrawler.items import Article
from newscrawler.locks import HeldLock, LockHeldError, PidLock, hold
from newscrawler.pipelines.deduplicate import DuplicateArticleDropped
from newscrawler.rejects import RejectsLog, rejects_for_crawler
from newscrawler.safety.paths import expand_output_path
from newscrawler.safety.writes import stop_after_write_failure
from newscrawler.state import ArticleState, StateError, state_for_crawler
from newscrawler.state.recover import previous_output, reconcile_output

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = [
    "STDOUT",
    "ArticleLimitReached",
    "JsonLinesWriter",
    "OutputConfigError",
    "OutputLock",
    "OutputWriteError",
    "WriteJsonLinesPipeline",
    "output_problem",
    "output_target",
]

DEFAULT_OUTPUT = "articles.jsonl"
# The output name meaning standard output: one line per article, nothing else on it.
STDOUT = "-"
_JSONLINES_FORMATS = {"jsonlines", "jl", "jsonl"}
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


class OutputConfigError(ValueError):
    """The output setting names something this writer cannot write."""


class OutputWriteError(OSError):
    """A line could not be written whole (a full disk, an I/O error); it was taken back."""

    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(
            exc.errno,
            f"cannot write the output {path} ({exc.strerror or exc}): free space or fix the disk",
        )
        self.path = path

    def __str__(self) -> str:
        return str(self.strerror)


class OutputLock(PidLock):
    """One crawl writes an output file at a time: `<output>.lock`, so a second crawl can neither
    interleave its lines nor truncate the file (`-O`) under the first."""

    def __init__(self, output: str | Path) -> None:
        super().__init__(f"{output}.lock")
        self.output = Path(output)

    def held_error(self, pid: int | None) -> LockHeldError:
        return LockHeldError(
            self.path,
            pid,
            f"output {self.output} is being written by another crawl (pid {pid}): "
            "wait for it to end, or give another -o",
        )


def output_problem(path: str) -> str | None:
    """Why `path` cannot be the output (None: it can): only a local `.jsonl` file, or `-`.
    The message quotes the path redacted: a URL given here may carry a password."""
    from newscrawler.safety.redact import redact

    if path == STDOUT:
        return None
    scheme = _URL_RE.match(path)
    # "C:" style drive letters are one letter; anything longer before ":" is a URL scheme.
    if scheme and len(scheme.group(0)) > 2:
        return redact(
            f"{path!r} is a URL; newscrawler writes local .jsonl files only: "
            "write locally and copy the file"
        )
    if not path.lower().endswith(".jsonl"):
        return redact(
            f"{path!r} is not a .jsonl file; newscrawler writes JSON Lines only: name the "
            "output *.jsonl (or - for standard output), and use `newscrawler export` for "
            "other formats"
        )
    return None


def output_target(settings: BaseSettings) -> tuple[str, bool]:
    """(path, overwrite) from NEWSCRAWLER_OUTPUT, else from FEEDS (`-o`/`-O`), else the default."""
    explicit = get_str(settings, "NEWSCRAWLER_OUTPUT")
    if explicit:
        problem = output_problem(str(explicit))
        if problem:
            raise OutputConfigError(problem)
        return str(explicit), False
    feeds = settings.getdict("FEEDS")
    if not feeds:
        return DEFAULT_OUTPUT, False
    if len(feeds) > 1:
        raise OutputConfigError("newscrawler writes one JSON Lines file: give one -o/-O target")
    uri, options = next(iter(feeds.items()))
    uri = str(uri)
    fmt = str((options or {}).get("format", "jsonlines")).lower()
    if fmt not in _JSONLINES_FORMATS:
        raise OutputConfigError(
            f"newscrawler writes JSON Lines only, not {fmt!r}: name the output file *.jsonl"
        )
    parts = urlsplit(uri)
    if parts.scheme not in ("", "file") and len(parts.scheme) > 1:
        raise OutputConfigError(
            f"newscrawler writes to local files only, not {parts.scheme}:// (got {uri!r}); "
            "write locally and copy the file"
        )
    path = unquote(parts.path) if parts.scheme == "file" else uri
    problem = output_problem(path)
    if problem:
        raise OutputConfigError(problem)
    return path, bool((options or {}).get("overwrite", False))


class JsonLinesWriter:
    """Appends complete JSON lines to a file; usable without Scrapy."""

    def __init__(self, path: str | Path, overwrite: bool = False, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._line_start = 0
        self.to_stdout = str(path) == STDOUT
        if self.to_stdout:
            # A copy of descriptor 1: closing the writer leaves the process's stdout open.
            self.partial_tail = b""
            self._fd: int | None = os.dup(1)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        if overwrite:
            flags |= os.O_TRUNC
        self.partial_tail = b"" if overwrite else self._cut_partial_line()
        self._fd = os.open(self.path, flags, 0o644)

    def _cut_partial_line(self) -> bytes:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return b""
        with self.path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            block = min(size, 1 << 20)
            handle.seek(size - block)
            data = handle.read(block)
            if data.endswith(b"\n"):
                return b""
            cut = data.rfind(b"\n")
            keep = size - block + cut + 1 if cut >= 0 else 0
            handle.seek(keep)
            tail = handle.read()
            handle.truncate(keep)
            return tail

    def write(self, record: dict[str, Any]) -> None:
        """Append `record` as one line; on a failure (OutputWriteError) the file is cut back to
        where it was, so it never ends in a partial line."""
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        if self.to_stdout:
            # A pipe cannot be cut back; a reader that went away (BrokenPipeError) ends the crawl.
            while view:
                view = view[os.write(self._fd, view) :]
            return
        try:
            # The end of the file: where this line starts (appends land there; the output lock
            # keeps other processes from appending).
            self._line_start = os.lseek(self._fd, 0, os.SEEK_END)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            if self.fsync:
                os.fsync(self._fd)
        except OSError as exc:
            self.unwrite()
            raise OutputWriteError(self.path, exc) from exc

    def unwrite(self) -> None:
        """Take the last line written back (its article could not be recorded)."""
        if self._fd is None or self.to_stdout:
            return
        try:
            os.ftruncate(self._fd, self._line_start)
        except OSError:
            # Cutting a file frees space, so it fails only on a broken disk; the next open cuts
            # a partial last line, and `recover` records a whole one.
            logger.exception("could not take back the last line of %s", self.path)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class ArticleLimitReached(DropItem):
    """The crawl already wrote its --max-articles: this article is left for a later run."""


class WriteJsonLinesPipeline:
    def __init__(
        self,
        writer: JsonLinesWriter,
        state: ArticleState | None = None,
        rejects: RejectsLog | None = None,
        stats: StatsCollector | None = None,
        crawler: Crawler | None = None,
        lock: HeldLock | None = None,
        max_articles: int = 0,
        stop_crawl: Callable[[str], None] | None = None,
        across_runs: bool = True,
    ) -> None:
        self.writer = writer
        self.state = state
        self.stats = stats
        self.crawler = crawler
        self.lock = lock
        # 0: no limit. Counted here, at the write, so the file holds exactly this many lines
        # however many articles were in flight when the limit was reached.
        self.max_articles = max_articles
        self.written = 0
        self.stop_crawl = stop_crawl
        self._stopping = False
        # False (`--fresh`): articles the state knows are written again, and recorded.
        self.across_runs = across_runs
        self.failure: str | None = None
        """Why writing failed, once it has: the crawl is stopping and writes nothing more."""
        if writer.partial_tail and rejects is not None:
            rejects.add(
                str(writer.path),
                "partial-line",
                writer.partial_tail.decode("utf-8", "replace"),
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WriteJsonLinesPipeline:
        path, overwrite = output_target(crawler.settings)
        fsync = get_bool(crawler.settings, "NEWSCRAWLER_OUTPUT_FSYNC")
        lock: HeldLock | None = None
        unrepaired: StateError | None = None
        if path == STDOUT:
            writer = JsonLinesWriter(path, fsync=fsync)
            state = state_for_crawler(crawler)
        else:
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S")
            spider_name = getattr(crawler.spidercls, "name", "crawl")
            # `%(name)s`/`%(time)s` must each stay one file name inside the template's folder.
            path = str(expand_output_path(path, spider_name, now))
            # Locked before the file is touched: a second crawl must not cut or truncate it.
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            lock = hold(OutputLock(path))
            try:
                writer = JsonLinesWriter(path, overwrite=overwrite, fsync=fsync)
                logger.info("writing articles to %s", writer.path)
                state = state_for_crawler(crawler)
                # A kill between a line's write and its state record would re-emit that
                # article: the output's last lines (and the previous run's, when each run has
                # its own file) repair it.
                previous = (
                    previous_output(writer.path)
                    if get_str(crawler.settings, "NEWSCRAWLER_RUN_RECORD")
                    else None
                )
                try:
                    reconcile_output(state, writer.path, *([previous] if previous else []))
                except StateError as exc:
                    unrepaired = exc
            except BaseException:
                lock.release()
                raise

        def stop_crawl(reason: str) -> None:
            from scrapy.utils.defer import deferred_from_coro

            if crawler.engine is not None:
                deferred_from_coro(crawler.engine.close_spider_async(reason=reason))

        pipeline = cls(
            writer,
            state,
            rejects_for_crawler(crawler),
            crawler.stats,
            crawler,
            lock,
            get_int(crawler.settings, "NEWSCRAWLER_MAX_ARTICLES"),
            stop_crawl,
            get_bool(crawler.settings, "NEWSCRAWLER_DEDUP_ACROSS_RUNS"),
        )
        if unrepaired is not None:
            # The state cannot take the repair (a full disk): nothing may be written on top of
            # it, and the crawl stops as soon as it has started.
            pipeline.failure = str(unrepaired)
            failure = unrepaired

            def stop(**_: Any) -> None:
                stop_after_write_failure(crawler, failure)

            crawler.signals.connect(stop, signal=signals.spider_opened, weak=False)
        return pipeline

    def _close(self, reason: str) -> None:
        """Close the spider once (the article limit reached, standard output closed)."""
        if not self._stopping and self.stop_crawl is not None:
            self._stopping = True
            self.stop_crawl(reason)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if self.failure is not None:
            raise DropItem(f"not written, the crawl is stopping: {item.url}", log_level="DEBUG")
        if self.max_articles and self.written >= self.max_articles:
            self._inc("newscrawler/filter/max-articles")
            self._close("max_articles")
            raise ArticleLimitReached(
                f"over --max-articles {self.max_articles}: {item.canonical_url}",
                log_level="DEBUG",
            )
        record = item.to_dict()
        try:
            if self.state is None:
                self.writer.write(record)
            elif not self.across_runs:
                self.writer.write(record)
                try:
                    self.state.record(item)
                except StateError:
                    self.writer.unwrite()
                    raise
            elif not self.state.write_article(
                item, partial(self.writer.write, record), self.writer.unwrite
            ):
                # Another crawler of this state wrote it since the deduplicate pipeline looked.
                self._inc("newscrawler/deduplicate/dropped")
                self._inc("newscrawler/deduplicate/url-recorded-meanwhile")
                raise DuplicateArticleDropped(
                    f"duplicate (url-recorded-meanwhile): {item.canonical_url}", log_level="DEBUG"
                )
        except BrokenPipeError:
            # `newscrawler crawl -o - | head`: the reader has what it wanted; stop quietly.
            self._close("output_closed")
            raise DropItem("standard output closed", log_level="DEBUG") from None
        except (OutputWriteError, StateError) as exc:
            self._stop(exc)
            raise DropItem(f"not written: {item.url}", log_level="DEBUG") from exc
        self.written += 1
        self._inc("newscrawler/write/articles")
        self._inc(f"newscrawler/write/articles/{item.site}")
        if self.max_articles and self.written >= self.max_articles:
            self._close("max_articles")
        return item

    def _stop(self, exc: OutputWriteError | StateError) -> None:
        """Stop the crawl after a failed write (taken back already): one line, counted."""
        self.failure = str(exc)
        stop_after_write_failure(self.crawler, exc)

    def close_spider(self) -> None:
        self.writer.close()
        if self.lock is not None:
            self.lock.release()
