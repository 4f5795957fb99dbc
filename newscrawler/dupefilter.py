"""Scrapy's duplicate filter with the run's request fingerprints on disk (newscrawler/run_set.py).

Scrapy's RFPDupeFilter keeps every request fingerprint of the crawl in a Python set, ~95 bytes
each (20-byte digests): memory that grows with every page. This filter is the same class (same
fingerprints, same `dupefilter/filtered` stat, same log lines) with the fingerprints in a
temporary SQLite file.

With a JOBDIR set by the user it is Scrapy's filter unchanged: fingerprints in memory and in
`requests.seen` for a resume. That file's format is Scrapy's implementation detail (documented
as such), so the filter that writes it is Scrapy's own; a resumable crawl pays its memory.
NEWSCRAWLER_RUN_SETS_ON_DISK=False keeps Scrapy's behaviour too. A distributed crawl replaces
this class with scrapy-redis' filter (newscrawler/distributed.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir

from newscrawler.defaults import get_bool
from newscrawler.run_set import DiskSet

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from scrapy.utils.request import RequestFingerprinterProtocol

__all__ = ["RunSetDupeFilter"]


class RunSetDupeFilter(RFPDupeFilter):
    """RFPDupeFilter whose fingerprints are in a DiskSet unless JOBDIR is set or `on_disk` is
    False. Scrapy's deprecated `fingerprints` property is then empty: the set holds digests."""

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
        on_disk: bool = True,
    ) -> None:
        super().__init__(path, debug, fingerprinter=fingerprinter)
        self.seen: DiskSet | None = DiskSet() if on_disk and not path else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            job_dir(settings),
            settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            on_disk=get_bool(settings, "NEWSCRAWLER_RUN_SETS_ON_DISK"),
        )

    def request_seen(self, request: Request) -> bool:
        if self.seen is None:
            return super().request_seen(request)
        return not self.seen.add(self.fingerprinter.fingerprint(request))

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.seen is not None:
            self.seen.close()
