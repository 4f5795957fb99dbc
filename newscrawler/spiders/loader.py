"""Spider loader: one spider per registered site; a bad site name or site file is one line."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from scrapy import Spider
from scrapy.spiderloader import SpiderLoader

from newscrawler.sites import SiteFileError, UnknownSiteError

__all__ = ["SiteSpiderLoader"]


class SiteSpiderLoader(SpiderLoader):
    """Scrapy's loader, whose two errors a person causes are printed as one line under
    `scrapy crawl` and `scrapy list` (as `newscrawler` prints them), not as a traceback:
    an unknown site (`load()`, a KeyError as Scrapy's contract says) and a broken site file
    (raised while the spiders are collected, when this loader is made)."""

    def __init__(self, settings: Any) -> None:
        _print_user_errors_in_one_line()
        super().__init__(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return super().load(spider_name)
        except KeyError:
            raise UnknownSiteError(spider_name, sorted(self.list())) from None


def _print_user_errors_in_one_line() -> None:
    """Wrap sys.excepthook (once) so an uncaught UnknownSiteError or SiteFileError prints its
    message only; Scrapy's command line has no other hook, and every other error keeps its
    traceback."""
    previous = sys.excepthook
    if getattr(previous, "one_line_site_errors", False):
        return

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if isinstance(value, UnknownSiteError | SiteFileError):
            sys.stderr.write(f"scrapy: {value}\n")
            return
        previous(kind, value, tb)

    hook.one_line_site_errors = True  # type: ignore[attr-defined]
    sys.excepthook = hook
