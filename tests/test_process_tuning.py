"""newscrawler/process_tuning.py: log records below the level are not made, the lines logged stay
the same; long-lived objects are frozen after the first article, and the articles do not change."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawler.process_tuning import raise_logger_levels

from .conftest import FIXTURES, run_newscrawler


class _Capture(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logging_restored() -> Iterator[None]:
    root, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    saved = (root.handlers[:], root.level, scrapy_logger.level, logging.getLogRecordFactory())
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        scrapy_logger.setLevel(saved[2])
        logging.setLogRecordFactory(saved[3])


def _root_with(level: int) -> tuple[_Capture, list[str]]:
    """The root logger with only a capture handler at `level` (set inside the test: pytest adds
    its own handlers to the root for the test's call), as Scrapy's logging configuration leaves
    the loggers; and the messages of the records made."""
    root = logging.getLogger()
    capture = _Capture(level)
    made: list[str] = []
    factory = logging.getLogRecordFactory()

    def counting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        made.append(record.getMessage())
        return record

    root.handlers[:] = [capture]
    root.setLevel(logging.NOTSET)
    logging.getLogger("scrapy").setLevel(logging.DEBUG)
    logging.setLogRecordFactory(counting_factory)
    return capture, made


def _log_each_level() -> None:
    for name in ("scrapy.core.engine", "newscrawler.spiders"):
        logging.getLogger(name).debug("debug from %s", name)
        logging.getLogger(name).info("info from %s", name)


@pytest.mark.usefixtures("logging_restored")
def test_records_below_the_handlers_level_are_not_made() -> None:
    capture, made = _root_with(logging.INFO)
    assert raise_logger_levels() == logging.INFO
    _log_each_level()
    assert capture.lines == ["info from scrapy.core.engine", "info from newscrawler.spiders"]
    assert made == capture.lines  # no DEBUG record was built only to be dropped


@pytest.mark.usefixtures("logging_restored")
def test_a_handler_without_a_level_still_gets_every_record() -> None:
    capture, made = _root_with(logging.NOTSET)
    assert raise_logger_levels() is None
    _log_each_level()
    assert len(capture.lines) == len(made) == 4


def _crawl(tmp_path: Path, *settings: str) -> tuple[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    args = ["crawl", "jmh", "--replay", str(FIXTURES), "-O", "out.jsonl", "--state", "s.sqlite3"]
    for setting in settings:
        args += ["-s", setting]
    result = run_newscrawler(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr, (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def _without_fetch_times(lines: str) -> list[str]:
    articles = [json.loads(line) for line in lines.splitlines()]
    for article in articles:
        article.pop("fetched_at")
    return sorted(json.dumps(article, sort_keys=True) for article in articles)


def test_a_tuned_crawl_freezes_after_the_first_article_and_writes_the_same_articles(
    tmp_path: Path,
) -> None:
    tuned_log, tuned = _crawl(tmp_path / "tuned")
    plain_log, plain = _crawl(tmp_path / "plain", "NEWSCRAWLER_PROCESS_TUNING=False")
    assert tuned and _without_fetch_times(tuned) == _without_fetch_times(plain)
    frozen = [line for line in tuned_log.splitlines() if "'newscrawler/gc/frozen_objects'" in line]
    assert frozen and int(frozen[0].split(":")[-1].strip(" ,}")) > 10_000
    assert "newscrawler/gc/frozen_objects" not in plain_log
    for log in (tuned_log, plain_log):  # the time in collections is measured either way
        assert "'newscrawler/gc/seconds'" in log and "'newscrawler/gc/collections'" in log
    # INFO lines are logged as before; DEBUG lines were never shown at LOG_LEVEL INFO.
    for log in (tuned_log, plain_log):
        assert "Spider opened" in log and "newscrawler summary for jmh" in log
        assert "DEBUG:" not in log and "(DEBUG)" not in log


def test_a_debug_crawl_still_logs_debug_lines(tmp_path: Path) -> None:
    log, _ = _crawl(tmp_path, "LOG_LEVEL=DEBUG")
    assert "DEBUG: Crawled (200)" in log
