"""Run records: one JSON file per run (start, end, counts, drift flags) beside the run's output,
written by the `RunRecorder` extension; read back and tabulated by `newscrawler runs`."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured

from newscrawler.defaults import get_str
from newscrawler.outcome import site_outcome
from newscrawler.progress import _counts
from newscrawler.safety.paths import expand_output_path

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = ["RunRecorder", "format_runs", "read_runs", "run_record"]

DRIFT_PREFIX = "newscrawler/drift/"
RECORD_SUFFIX = ".json"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_record(stats: dict[str, Any]) -> dict[str, Any]:
    """The counts of a run from its Scrapy stats."""
    counts = _counts(stats)

    def stat(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    linked = sum(
        int(v) for k, v in stats.items() if k.startswith("newscrawler/deduplicate/linked/")
    )
    return {
        "pages_fetched": counts["pages"],
        "skipped_unchanged": stat("newscrawler/incremental/skipped"),
        "not_modified": stat("newscrawler/incremental/not_modified"),
        "articles_new": stat("newscrawler/incremental/articles/new"),
        "articles_updated": stat("newscrawler/incremental/articles/updated"),
        # Copies written with duplicate_of, plus duplicates dropped (unchanged pages excluded).
        "duplicates": linked
        + stat("newscrawler/neardup/linked")
        + stat("newscrawler/neardup/dropped")
        + stat("newscrawler/deduplicate/content-in-run")
        + stat("newscrawler/deduplicate/content-seen"),
        "rejected": counts["rejects"],
        "errors": counts["errors"],
        "drift": {
            k[len(DRIFT_PREFIX) :]: v
            for k, v in sorted(stats.items())
            if k.startswith(DRIFT_PREFIX)
        },
    }


def _write_json(path: Path, record: dict[str, Any]) -> None:
    """Replace `path` atomically: a reader (or a crash) never sees half a record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", "utf-8")
    os.replace(tmp, path)


class RunRecorder:
    """Writes the run record at start (status "running") and again when the engine stops."""

    def __init__(self, stats: StatsCollector, path_template: str, output: str | None) -> None:
        self.stats = stats
        self.path_template = path_template
        self.output = output
        self.record: dict[str, Any] = {}
        self.path: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        template = get_str(crawler.settings, "NEWSCRAWLER_RUN_RECORD")
        if not template or crawler.stats is None:
            # No message: Scrapy would log a warning for every site of every crawl without
            # --runs-dir, which is the usual case, not a problem.
            raise NotConfigured
        output = get_str(crawler.settings, "NEWSCRAWLER_OUTPUT") or None
        recorder = cls(crawler.stats, str(template), output)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.engine_stopped, signal=signals.engine_stopped)
        return recorder

    def spider_opened(self, spider: Spider) -> None:
        # Confined as the output is: `%(name)s` stays one name inside the template's folder.
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S")
        self.path = expand_output_path(self.path_template, spider.name, stamp)
        output = self.output.replace("%(name)s", spider.name) if self.output else None
        self.record = {"site": spider.name, "status": "running", "pid": os.getpid()}
        self.record.update({"start": _now(), "end": None, "output": output})
        _write_json(self.path, self.record)

    def engine_stopped(self) -> None:
        if self.path is None:
            return
        stats = dict(self.stats.get_stats())
        self.record.update(status=str(stats.get("finish_reason", "finished")), end=_now())
        self.record.update(run_record(stats))
        outcome = site_outcome(stats, str(self.record.get("site", "")))
        # The status this site alone would give the command (newscrawler/exitcodes.py).
        self.record.update(exit_code=outcome.exit_code, problem=outcome.problem())
        _write_json(self.path, self.record)
        logger.info("run record written to %s", self.path)


def read_runs(runs_dir: str | Path, site: str | None = None) -> list[dict[str, Any]]:
    """Every run record under `runs_dir` (of one site, or all), oldest first. A "running" record
    whose process is gone is reported as "killed"."""
    from newscrawler.scheduler.locks import pid_alive

    root = Path(runs_dir)
    folders = [root / site] if site else sorted(p for p in root.glob("*") if p.is_dir())
    records: list[dict[str, Any]] = []
    for folder in folders:
        for path in sorted(folder.glob("*" + RECORD_SUFFIX)):
            try:
                record = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            if record.get("status") == "running" and not pid_alive(int(record.get("pid", 0))):
                record["status"] = "killed"
            records.append(record)
    return sorted(records, key=lambda r: (str(r.get("start")), str(r.get("site"))))


_COLUMNS = (
    ("site", "site"),
    ("start", "start"),
    ("end", "end"),
    ("status", "status"),
    ("pages_fetched", "pages"),
    ("skipped_unchanged", "skipped"),
    ("not_modified", "304"),
    ("articles_new", "new"),
    ("articles_updated", "updated"),
    ("duplicates", "dups"),
    ("rejected", "rejected"),
    ("errors", "errors"),
    ("exit_code", "exit"),
    ("drift", "drift"),
)


def format_runs(records: list[dict[str, Any]]) -> str:
    """A plain-text table, one run a line."""
    rows = [[title for _, title in _COLUMNS]]
    for record in records:
        row = []
        for key, _ in _COLUMNS:
            value = record.get(key)
            if key == "drift":
                value = ",".join(value or {}) or "-"
            row.append("-" if value is None else str(value))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
