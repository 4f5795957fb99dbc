"""Before a request: fetch a discovered article URL, revisit it conditionally, or skip it.

Pure functions of (what discovery says now, what the state remembers, the clock), so the
decision is tested without a crawl.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newscrawler.defaults import setting_default
from newscrawler.discovery import DiscoveredLink
from newscrawler.state.records import FetchRecord, parse_stamp

__all__ = ["DEFAULT_REVISIT_HOURS", "FetchPlan", "conditional_headers", "plan_fetch", "revisit_due"]

# Corrections and updates cluster in the first hours after publication; after three days a
# page rarely changes, and discovery dates (lastmod) still bring it back when it does.
DEFAULT_REVISIT_HOURS: tuple[float, ...] = tuple(
    float(hours) for hours in setting_default("NEWSCRAWLER_REVISIT_HOURS")
)


@dataclass(frozen=True)
class FetchPlan:
    """`action`: "new" (never fetched), "changed" (discovery dates differ from the state's),
    "revisit" (a revisit checkpoint passed) or "skip"; `headers`: conditional request headers."""

    action: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def fetch(self) -> bool:
        return self.action != "skip"


def revisit_due(
    first_seen: datetime,
    last_checked: datetime,
    now: datetime,
    hours: Sequence[float] = DEFAULT_REVISIT_HOURS,
) -> bool:
    """True when a checkpoint (`first_seen` + each of `hours`) fell after the last check and is
    not in the future: each checkpoint costs at most one request, however often the crawl runs."""
    return any(last_checked < first_seen + timedelta(hours=h) <= now for h in hours)


def conditional_headers(fetch: FetchRecord) -> dict[str, str]:
    headers: dict[str, str] = {}
    if fetch.etag:
        headers["If-None-Match"] = fetch.etag
    if fetch.last_modified:
        headers["If-Modified-Since"] = fetch.last_modified
    return headers


def plan_fetch(
    link: DiscoveredLink,
    fetch: FetchRecord | None,
    now: datetime,
    hours: Sequence[float] = DEFAULT_REVISIT_HOURS,
) -> FetchPlan:
    """What to do with a discovered article URL, given what the state holds for it."""
    if fetch is None:
        return FetchPlan("new")
    headers = conditional_headers(fetch)
    # Sitemap lastmod, feed/WordPress modified dates and Google News publication dates are the
    # site's own word that a page changed: any difference from what was stored means fetch.
    if (link.lastmod and link.lastmod != fetch.lastmod) or (
        link.published_at and link.published_at != fetch.published_at
    ):
        return FetchPlan("changed", headers)
    if revisit_due(parse_stamp(fetch.first_seen), parse_stamp(fetch.last_checked), now, hours):
        return FetchPlan("revisit", headers)
    return FetchPlan("skip")
