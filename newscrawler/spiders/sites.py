"""One spider class per site of the registry, so every site id is a Scrapy spider name."""

from __future__ import annotations

from typing import Any

from newscrawler.sites import Site, load_sites
from newscrawler.spiders.news import NewsSpider

__all__ = ["spider_class_for"]


def spider_class_for(site: Site) -> type[NewsSpider]:
    custom_settings: dict[str, Any] = {}
    # A site's own politeness overrides the project defaults, and `-s` still overrides both.
    if site.download_delay is not None:
        custom_settings["DOWNLOAD_DELAY"] = site.download_delay
    if site.concurrency is not None:
        custom_settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = site.concurrency
    class_name = "".join(part.title() for part in site.id.split("_")) + "Spider"
    return type(
        class_name,
        (NewsSpider,),
        {
            "name": site.id,
            "site_id": site.id,
            "custom_settings": custom_settings,
            "__module__": __name__,
            "__doc__": f"Crawls {site.name} ({', '.join(site.domains)}).",
        },
    )


for _site in load_sites().values():
    _spider = spider_class_for(_site)
    globals()[_spider.__name__] = _spider
# Only the named classes stay in the module: Scrapy's loader would see the loop variables too.
del _site, _spider
