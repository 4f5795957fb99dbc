"""The output file under a hard kill, and the progress/summary a person sees."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newscrawler.pipelines.write import JsonLinesWriter
from newscrawler.progress import CrawlProgress, summarize

WRITER_LOOP = """
import sys
from newscrawler.pipelines.write import JsonLinesWriter
writer = JsonLinesWriter(sys.argv[1])
body = ["paragraph " * 200] * 20
print("ready", flush=True)
n = 0
while True:
    writer.write({"n": n, "title": "東京", "body": body})
    n += 1
"""


def test_a_killed_writer_loses_no_complete_line_and_the_next_open_repairs_the_tail(
    tmp_path: Path,
) -> None:
    # SIGKILL can cut even a single write() to a regular file short (the kernel stops copying
    # at a fatal signal), so the last line may be partial; the next open must cut it off and
    # keep it, leaving only whole lines.
    out = tmp_path / "out.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER_LOOP, str(out)], stdout=subprocess.PIPE, text=True
    )
    with child:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(0.5)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    data = out.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    lines = complete.splitlines()
    assert len(lines) > 50  # it really was killed mid-stream, not before it started
    assert [json.loads(line)["n"] for line in lines] == list(range(len(lines)))

    writer = JsonLinesWriter(out)
    writer.write({"n": len(lines)})
    writer.close()
    assert writer.partial_tail == data[len(complete) :]
    repaired = out.read_bytes().splitlines()
    assert [json.loads(line)["n"] for line in repaired] == list(range(len(lines) + 1))


def test_progress_line_and_summary_report_the_counts(caplog: pytest.LogCaptureFixture) -> None:
    stats = MemoryStatsCollector(get_crawler())
    for key, value in {
        "response_received_count": 12,
        "newscrawler/write/articles": 9,
        "newscrawler/deduplicate/dropped": 2,
        "newscrawler/deduplicate/url-seen": 2,
        "newscrawler/rejected": 1,
        "newscrawler/rejected/empty-body": 1,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 3,
        "downloader/response_status_count/503": 1,
    }.items():
        stats.set_value(key, value)
    text = summarize(stats.get_stats(), "jmh", "articles.jsonl")
    assert "pages fetched      12" in text
    assert "articles written   9  -> articles.jsonl" in text
    assert "duplicates         2" in text
    assert "rejected           1" in text
    assert "errors             4" in text
    assert "rejected/empty-body" in text and "deduplicate/url-seen" in text
    assert len(text.splitlines()) <= 24  # one screen

    progress = CrawlProgress(stats, interval=10)
    with caplog.at_level(logging.INFO, logger="newscrawler.progress"):
        progress.log_progress(Spider(name="jmh"))
    (record,) = caplog.records
    assert record.getMessage().startswith("jmh: pages 12 (")
    assert "articles 9, duplicates 2, rejects 1, errors 4" in record.getMessage()
