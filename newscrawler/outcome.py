"""What one site's crawl came to, from its Scrapy stats: the counts a summary, a run record and the
exit status are made of, so the three cannot disagree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from newscrawler.exitcodes import EXIT_INTERRUPTED, EXIT_NOTHING_FETCHED, EXIT_OK

__all__ = ["PROXY_ERROR_STAT", "SiteOutcome", "crawl_exit_code", "site_outcome"]

# Set by newscrawler.safety.proxy.ProxyErrorMiddleware: the last fetch error the proxy caused,
# with the proxy's URL (redacted), for the summary and the run record.
PROXY_ERROR_STAT = "newscrawler/proxy/last_error"

# Finish reasons of a crawl stopped from outside (Ctrl-C, SIGTERM), not by running out of work.
# "unfinished": never closed, as after a second Ctrl-C stopped the process at once.
_INTERRUPTED_REASONS = {"shutdown", "unfinished"}

# Articles the state already held: not fetched again (unchanged in discovery), answered 304 to a
# conditional request, or fetched and found identical to what is known.
_KNOWN_STATS = (
    "newscrawler/incremental/skipped",
    "newscrawler/incremental/not_modified",
    "newscrawler/deduplicate/url-seen",
    "newscrawler/deduplicate/content-seen",
)
_IN_RUN_DUPLICATE_STATS = (
    "newscrawler/deduplicate/url-in-run",
    "newscrawler/deduplicate/content-in-run",
    "newscrawler/neardup/dropped",
)


def _int(stats: Mapping[str, Any], key: str) -> int:
    try:
        return int(stats.get(key, 0) or 0)
    except (TypeError, ValueError):
        return 0


def _errors(stats: Mapping[str, Any]) -> int:
    errors = sum(
        _int(stats, k)
        for k in stats
        if k.startswith("downloader/exception_type_count/") or k == "spider_exceptions/count"
    )
    return errors + sum(
        _int(stats, k) for k in stats if k.startswith("downloader/response_status_count/5")
    )


@dataclass
class SiteOutcome:
    """One site's crawl in numbers."""

    site: str
    finish_reason: str
    pages: int
    """Responses downloaded from the site (any status), robots.txt not counted."""
    written: int
    known: int
    """Articles the state already held (skipped, 304, or fetched and unchanged)."""
    duplicates: int
    """Copies within this run, dropped."""
    rejects: int
    errors: int
    filtered: dict[str, int] = field(default_factory=dict)
    """Articles left out by a crawl filter (--since, --language, --max-articles), per filter."""
    elapsed: float = 0.0
    proxy_error: str | None = None
    robots_unreachable: bool = False
    article_links: int = -1
    """Article URLs discovery found (sitemaps, feeds, APIs); -1 when not counted."""
    drift: list[str] = field(default_factory=list)
    """Fields whose fill rate fell (newscrawler/drift.py): the site's layout may have changed."""

    @property
    def interrupted(self) -> bool:
        return self.finish_reason in _INTERRUPTED_REASONS

    @property
    def nothing_fetched(self) -> bool:
        return self.pages == 0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.nothing_fetched:
            return EXIT_NOTHING_FETCHED
        return EXIT_OK

    def problem(self) -> str | None:
        """One line on what went wrong with this site, or None."""
        if self.nothing_fetched:
            if self.proxy_error:
                why = self.proxy_error
            elif self.robots_unreachable:
                why = "robots.txt unreachable, so nothing may be crawled (RFC 9309)"
            elif self.errors:
                why = f"{self.errors} fetch error(s)"
            else:
                why = "nothing to fetch"
            return f"{self.site}: no page could be fetched: {why}"
        if self.proxy_error:
            return f"{self.site}: {self.proxy_error}"
        if self.article_links == 0 and not self.interrupted:
            return (
                f"{self.site}: discovery found no article URL (an empty sitemap or feed?); "
                "nothing to crawl"
            )
        if self.drift:
            return f"{self.site}: DRIFT {', '.join(self.drift)} (fill rate fell: layout changed?)"
        return None


def site_outcome(stats: Mapping[str, Any], site: str) -> SiteOutcome:
    """The outcome of `site`'s crawl from its stats (a run still going, or one that never
    closed, has no finish reason: it counts as interrupted when the process was stopped)."""
    # Every response downloaded counts, a redirect or an error status too: the site answered.
    pages = _int(stats, "downloader/response_count") - _int(stats, "robotstxt/response_count")
    filtered = {
        k.rsplit("/", 1)[1]: _int(stats, k)
        for k in stats
        if k.startswith("newscrawler/filter/") and _int(stats, k)
    }
    proxy_error = stats.get(PROXY_ERROR_STAT)
    return SiteOutcome(
        site=site,
        finish_reason=str(stats.get("finish_reason") or "unfinished"),
        pages=max(pages, 0),
        written=_int(stats, "newscrawler/write/articles"),
        known=sum(_int(stats, k) for k in _KNOWN_STATS),
        duplicates=sum(_int(stats, k) for k in _IN_RUN_DUPLICATE_STATS),
        rejects=_int(stats, "newscrawler/rejected"),
        errors=_errors(stats),
        filtered=filtered,
        elapsed=float(stats.get("elapsed_time_seconds") or 0.0),
        proxy_error=str(proxy_error) if proxy_error else None,
        robots_unreachable=bool(_int(stats, "newscrawler/robots/unreachable")),
        article_links=_int(stats, "newscrawler/spider/links/article")
        if any(k.startswith("newscrawler/spider/discovery/") for k in stats)
        else -1,
        drift=sorted(k.split("/", 2)[2] for k in stats if k.startswith("newscrawler/drift/")),
    )


def crawl_exit_code(
    outcomes: Iterable[SiteOutcome], interrupted: bool = False, distributed: bool = False
) -> int:
    """The command's exit status: interrupted first (the rest is then incomplete), then a site
    none of whose pages could be fetched, else 0.

    `distributed`: a worker of a shared crawl may find the queue emptied by the others and
    fetch nothing, which is no failure; it exits 3 only when its fetches failed."""
    outcomes = list(outcomes)
    if interrupted or any(o.interrupted for o in outcomes):
        return EXIT_INTERRUPTED
    for outcome in outcomes:
        failed = outcome.errors > 0 or outcome.robots_unreachable or outcome.proxy_error
        if outcome.nothing_fetched and (failed or not distributed):
            return EXIT_NOTHING_FETCHED
    return EXIT_OK
