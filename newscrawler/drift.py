"""Drift alarms: per-site field fill rates counted each crawl, compared with the site's last runs.

A site that changes its layout rarely breaks a crawl: pages still arrive, but a selector finds
nothing and a field quietly empties. `FillRatePipeline` (right after validation) counts, per
site, the articles and how many had each field filled (`newscrawler/fill/<site>/<field>`).
`DriftAlarm` (an extension) keeps those counts per run in the SQLite table `fill_rates` (in the
state database unless `NEWSCRAWLER_DRIFT_PATH` names another) and at spider close flags:

- a field whose fill rate fell below `NEWSCRAWLER_DRIFT_RATIO` times the median of the site's last
  `NEWSCRAWLER_DRIFT_HISTORY` runs, when both this run and those runs had at least
  `NEWSCRAWLER_DRIFT_MIN_ARTICLES` articles: stat `newscrawler/drift/<site>/<field>` = the rate;
- a site whose article pages reached extraction but gave no valid article:
  `newscrawler/drift/<site>/articles` = 0.0 (pages but no articles).

The summary at the end of the crawl lists the alarms (`newscrawler/progress.py`).
"""

from __future__ import annotations

import logging
import sqlite3
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured

from newscrawler.defaults import get_bool, get_float, get_int, get_str, setting_default
from newscrawler.items import EXTRACTED_FIELDS, Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

__all__ = [
    "FILL_FIELDS",
    "DriftAlarm",
    "DriftSettings",
    "FillRateHistory",
    "FillRatePipeline",
    "find_drift",
]

# The extracted fields whose emptiness signals a layout change: all but the canonical URL (the
# fetched URL when the page names none) and the paywall flag (false is a value, not a gap).
FILL_FIELDS = tuple(f for f in EXTRACTED_FIELDS if f not in ("canonical_url", "paywalled"))
FILL_PREFIX = "newscrawler/fill/"
DRIFT_PREFIX = "newscrawler/drift/"


def fill_key(site: str, field: str) -> str:
    return f"{FILL_PREFIX}{site}/{field}"


# Rejects of article pages that reached extraction and gave nothing (a page that was not
# fetched, or answered 304 Not Modified to an incremental crawl, says nothing about the layout).
_EXTRACTION_REJECTS = (
    "newscrawler/rejected/not-article/",
    "newscrawler/rejected/extraction-error",
    "newscrawler/rejected/needs-rendering",
    "newscrawler/rejected/render-empty",
)


def extracted_pages(stats: Mapping[str, Any]) -> int:
    """Article pages handed to extraction this run: those that gave an article candidate
    (valid or not) plus those rejected on their content."""
    rejected = sum(int(v) for k, v in stats.items() if k.startswith(_EXTRACTION_REJECTS))
    return int(stats.get("newscrawler/spider/articles/extracted", 0)) + rejected


class FillRatePipeline:
    """Counts, per site, valid articles and the fields each has filled; changes nothing."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FillRatePipeline:
        if crawler.stats is None:
            raise NotConfigured("no stats collector")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article) and item.site:
            self.stats.inc_value(fill_key(item.site, "articles"))
            for field in FILL_FIELDS:
                if getattr(item, field, None) not in (None, "", []):
                    self.stats.inc_value(fill_key(item.site, field))
        return item


class FillRateHistory:
    """The `fill_rates` table: one row per (run, site, field) with the run's article count."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Shared with the crawl state: wait for its writers instead of failing.
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute(
            "CREATE TABLE IF NOT EXISTS fill_rates (run_at TEXT NOT NULL, site TEXT NOT NULL,"
            " articles INTEGER NOT NULL, field TEXT NOT NULL, filled INTEGER NOT NULL,"
            " PRIMARY KEY (run_at, site, field))"
        )
        return connection

    def recent(self, site: str, runs: int, min_articles: int) -> list[dict[str, float]]:
        """Fill rates (field -> share of articles) of the site's last `runs` runs that had at
        least `min_articles` articles, newest first."""
        with self._connect() as db:
            run_rows = db.execute(
                "SELECT DISTINCT run_at, articles FROM fill_rates WHERE site = ? AND articles >= ?"
                " ORDER BY run_at DESC LIMIT ?",
                (site, max(min_articles, 1), runs),
            ).fetchall()
            history = []
            for run_at, articles in run_rows:
                rows = db.execute(
                    "SELECT field, filled FROM fill_rates WHERE site = ? AND run_at = ?",
                    (site, run_at),
                ).fetchall()
                history.append({field: filled / articles for field, filled in rows})
        return history

    def record(self, site: str, articles: int, filled: Mapping[str, int], run_at: str) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO fill_rates VALUES (?, ?, ?, ?, ?)",
                [
                    (run_at, site, articles, field, int(filled.get(field, 0)))
                    for field in FILL_FIELDS
                ],
            )


def find_drift(
    articles: int,
    filled: Mapping[str, int],
    history: list[dict[str, float]],
    ratio: float,
    min_articles: int,
) -> dict[str, tuple[float, float]]:
    """Fields whose fill rate fell below `ratio` x the median of the history:
    field -> (this run's rate, the median)."""
    if articles < max(min_articles, 1) or not history:
        return {}
    drifted = {}
    for field in FILL_FIELDS:
        median = statistics.median(run.get(field, 0.0) for run in history)
        rate = filled.get(field, 0) / articles
        if median > 0 and rate < ratio * median:
            drifted[field] = (rate, median)
    return drifted


@dataclass(frozen=True)
class DriftSettings:
    """What the drift alarms run with; defaults in newscrawler/settings.py."""

    enabled: bool  # NEWSCRAWLER_DRIFT_ENABLED
    path: str  # NEWSCRAWLER_DRIFT_PATH, else NEWSCRAWLER_STATE_PATH; "": nowhere to keep rates
    runs: int  # NEWSCRAWLER_DRIFT_HISTORY
    ratio: float  # NEWSCRAWLER_DRIFT_RATIO
    min_articles: int  # NEWSCRAWLER_DRIFT_MIN_ARTICLES

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DriftSettings:
        return cls(
            enabled=get_bool(settings, "NEWSCRAWLER_DRIFT_ENABLED"),
            path=get_str(settings, "NEWSCRAWLER_DRIFT_PATH")
            or get_str(settings, "NEWSCRAWLER_STATE_PATH"),
            runs=get_int(settings, "NEWSCRAWLER_DRIFT_HISTORY"),
            ratio=get_float(settings, "NEWSCRAWLER_DRIFT_RATIO"),
            min_articles=get_int(settings, "NEWSCRAWLER_DRIFT_MIN_ARTICLES"),
        )


class DriftAlarm:
    """At spider close: store this run's fill rates and flag the fields that fell."""

    def __init__(
        self,
        stats: StatsCollector,
        history: FillRateHistory,
        runs: int = setting_default("NEWSCRAWLER_DRIFT_HISTORY"),
        ratio: float = setting_default("NEWSCRAWLER_DRIFT_RATIO"),
        min_articles: int = setting_default("NEWSCRAWLER_DRIFT_MIN_ARTICLES"),
    ) -> None:
        self.stats = stats
        self.history = history
        self.runs = runs
        self.ratio = ratio
        self.min_articles = min_articles

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DriftAlarm:
        config = DriftSettings.from_settings(crawler.settings)
        if not config.enabled:
            raise NotConfigured("NEWSCRAWLER_DRIFT_ENABLED is off")
        if crawler.stats is None:
            raise NotConfigured("no stats collector")
        if not config.path:
            raise NotConfigured("no NEWSCRAWLER_DRIFT_PATH or NEWSCRAWLER_STATE_PATH")
        extension = cls(
            crawler.stats,
            FillRateHistory(config.path),
            runs=config.runs,
            ratio=config.ratio,
            min_articles=config.min_articles,
        )
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        site = getattr(getattr(spider, "site", None), "id", None) or spider.name
        stats = self.stats.get_stats()
        articles = int(stats.get(fill_key(site, "articles"), 0))
        filled = {field: int(stats.get(fill_key(site, field), 0)) for field in FILL_FIELDS}
        pages = extracted_pages(stats)
        if pages and not articles:
            self.stats.set_value(f"{DRIFT_PREFIX}{site}/articles", 0.0)
            logger.warning("drift: %s gave %d article pages but no article", site, pages)
        try:
            history = self.history.recent(site, self.runs, self.min_articles)
            for field, (rate, median) in find_drift(
                articles, filled, history, self.ratio, self.min_articles
            ).items():
                self.stats.set_value(f"{DRIFT_PREFIX}{site}/{field}", round(rate, 3))
                logger.warning(
                    "drift: %s %s filled in %.0f%% of %d articles, median of the last %d runs "
                    "%.0f%%: has the page layout changed?",
                    site,
                    field,
                    rate * 100,
                    articles,
                    len(history),
                    median * 100,
                )
            if articles:
                run_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                self.history.record(site, articles, filled, run_at)
        except sqlite3.Error as exc:  # the history is a help, never a reason to fail a crawl
            logger.warning("drift: fill-rate history %s unusable: %s", self.history.path, exc)
