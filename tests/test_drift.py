"""Drift alarms: fill rates per site and field, compared with the site's earlier runs."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from newscrawler.drift import FILL_FIELDS, FillRateHistory, FillRatePipeline, find_drift
from newscrawler.items import Article
from newscrawler.progress import summarize
from newscrawler.replay.recording import Recording
from newscrawler.replay.server import RecordingProxyServer

from .conftest import FIXTURES, ROOT
from .environment import child_environment

PAGE = "pages/TheJapanNews_2024_10_13.html.gz"


def _full(n: int) -> dict[str, int]:
    return dict.fromkeys(FILL_FIELDS, n)


def test_a_field_below_half_the_median_of_recent_runs_drifts() -> None:
    history = [{"authors": 1.0, "title": 1.0}, {"authors": 0.9, "title": 1.0}, {"authors": 0.2}]
    filled = {**_full(20), "authors": 8}  # 0.4 < 0.5 x median 0.9
    assert find_drift(20, filled, history, ratio=0.5, min_articles=10) == {"authors": (0.4, 0.9)}
    # At the threshold, with too few articles, or with no history: no alarm.
    assert find_drift(20, {**_full(20), "authors": 9}, history, 0.5, 10) == {}
    assert find_drift(5, {**_full(5), "authors": 0}, history, 0.5, 10) == {}
    assert find_drift(20, {**_full(20), "authors": 0}, [], 0.5, 10) == {}
    # A field the site never fills (median 0) cannot drift.
    assert "source" not in find_drift(20, _full(0), [{"source": 0.0}], 0.5, 10)


def test_history_keeps_the_last_runs_with_enough_articles(tmp_path: Path) -> None:
    history = FillRateHistory(tmp_path / "state.sqlite3")
    for i, (articles, authors) in enumerate([(10, 10), (2, 0), (10, 5), (10, 8)]):
        history.record("site", articles, {"authors": authors}, f"2026-01-0{i + 1}T00:00:00Z")
    recent = history.recent("site", runs=2, min_articles=5)
    assert [run["authors"] for run in recent] == [0.8, 0.5]
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM fill_rates").fetchone()[0] == 4 * len(FILL_FIELDS)


def test_the_pipeline_counts_filled_fields_per_site() -> None:
    class Stats:
        def __init__(self) -> None:
            self.values: dict[str, int] = {}

        def inc_value(self, key: str) -> None:
            self.values[key] = self.values.get(key, 0) + 1

    stats = Stats()
    pipeline = FillRatePipeline(stats)  # type: ignore[arg-type]
    pipeline.process_item(Article(url="u", site="s", title="T", body=["b"], authors=[]))
    pipeline.process_item(Article(url="v", site="s", title="T", body=["b"], authors=["A"]))
    assert stats.values["newscrawler/fill/s/articles"] == 2
    assert stats.values["newscrawler/fill/s/title"] == 2
    assert stats.values["newscrawler/fill/s/authors"] == 1
    assert "newscrawler/fill/s/tags" not in stats.values


def test_summary_lists_the_alarms() -> None:
    stats = {"newscrawler/drift/japannews/authors": 0.0, "finish_reason": "finished"}
    assert "DRIFT              japannews/authors" in summarize(stats, "japannews")


def _crawl(tmp_path: Path, recording: Path, run: int) -> subprocess.CompletedProcess[str]:
    with RecordingProxyServer(Recording.load(recording)) as server:
        env = {**child_environment(server.url), "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "newscrawler.cli",
                "crawl",
                "japannews",
                "-v",  # Scrapy's log (stats dump, per-spider summary) on stderr
                "-O",
                str(tmp_path / f"out{run}.jsonl"),
                # A fresh state each run, so every run fetches and extracts the page again;
                # the fill-rate history is shared.
                "--state",
                str(tmp_path / f"state{run}.sqlite3"),
                "-s",
                f"NEWSCRAWLER_DRIFT_PATH={tmp_path / 'drift.sqlite3'}",
                "-s",
                "NEWSCRAWLER_DRIFT_MIN_ARTICLES=1",
                "-s",
                f"NEWSCRAWLER_REJECTS={tmp_path / 'rejects.jsonl'}",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "NEWSCRAWLER_PROGRESS_INTERVAL=0",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _alter_page(recording: Path, old: bytes, new: bytes) -> None:
    path = recording / PAGE
    html = gzip.decompress(path.read_bytes())
    assert old in html
    path.write_bytes(gzip.compress(html.replace(old, new)))


def test_a_layout_change_raises_the_alarm_across_two_crawls(tmp_path: Path) -> None:
    recording = tmp_path / "site"
    shutil.copytree(FIXTURES / "japannews" / "site", recording)

    first = _crawl(tmp_path, recording, 1)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "'newscrawler/fill/japannews/authors': 1" in first.stderr
    assert "DRIFT" not in first.stderr

    # The site renames its byline class: the page still gives an article, without authors.
    _alter_page(recording, b'class="byline', b'class="credit-line')
    second = _crawl(tmp_path, recording, 2)
    assert second.returncode == 0, second.stderr[-3000:]
    assert (tmp_path / "out2.jsonl").read_text(encoding="utf-8").count("\n") == 1
    assert "'newscrawler/drift/japannews/authors': 0.0" in second.stderr
    assert "DRIFT              japannews/authors" in second.stderr
    assert "newscrawler/drift/japannews/title" not in second.stderr

    # Then the page loses its story altogether: pages, but no article at all.
    (recording / PAGE).write_bytes(gzip.compress(b"<html><body><div id=app></div></body></html>"))
    third = _crawl(tmp_path, recording, 3)
    assert "'newscrawler/drift/japannews/articles': 0.0" in third.stderr, third.stderr[-3000:]
