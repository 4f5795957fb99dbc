"""Spider loader that names the known sites when asked for an unknown one."""

from __future__ import annotations

from scrapy import Spider
from scrapy.spiderloader import SpiderLoader

__all__ = ["SiteSpiderLoader"]


class SiteSpiderLoader(SpiderLoader):
    def load(self, spider_name: str) -> type[Spider]:
        try:
            return super().load(spider_name)
        except KeyError:
            known = ", ".join(sorted(self.list()))
            raise KeyError(f"unknown site {spider_name!r}; known sites: {known}") from None
