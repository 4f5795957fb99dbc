"""NEWSCRAWLER_EXTRACT=False, the framework-only baseline of benchmarks/crawl_throughput.py: an
article page is fetched and counted, and nothing is extracted or yielded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawler.items import Article
from newscrawler.sites import Site
from newscrawler.spiders.news import NewsSpider

SITE = Site(
    id="switches",
    name="Switches Test Site",
    domains=("127.0.0.1",),
    discovery=("http://127.0.0.1/robots.txt",),
)
PAGE = (
    b"<html><head><title>Bridge repairs begin</title></head><body><article>"
    b"<h1>Bridge repairs begin</h1><p>Work on the two river bridges started on Monday and will"
    b" last until the end of the summer, the council said.</p><p>Traffic is diverted through the"
    b" harbour road while the east bridge is closed.</p></article></body></html>"
)


class SwitchesSpider(NewsSpider):
    name = "switches"
    site_spec = SITE


def parse(extract: bool | None, tmp_path: Path) -> tuple[list[Any], dict[str, Any]]:
    settings: dict[str, object] = {"NEWSCRAWLER_REJECTS": str(tmp_path / "rejects.jsonl")}
    if extract is not None:
        settings["NEWSCRAWLER_EXTRACT"] = extract
    crawler = get_crawler(SwitchesSpider, settings)
    spider = SwitchesSpider.from_crawler(crawler)
    crawler.spider = spider
    assert crawler.stats is not None
    crawler.stats.open_spider()
    url = "http://127.0.0.1/news/1.html"
    response = HtmlResponse(
        url, body=PAGE, headers={"Content-Type": "text/html"}, request=Request(url)
    )
    output = list(spider.parse_article(response))
    return output, crawler.stats.get_stats()


def test_extraction_switched_off_yields_nothing_and_counts_the_page(tmp_path: Path) -> None:
    output, stats = parse(False, tmp_path)
    assert output == []
    assert stats["newscrawler/spider/pages/not_extracted"] == 1
    assert "newscrawler/spider/articles/extracted" not in stats
    assert not (tmp_path / "rejects.jsonl").exists()


def test_extraction_is_on_by_default(tmp_path: Path) -> None:
    output, stats = parse(None, tmp_path)
    assert len(output) == 1 and isinstance(output[0], Article)
    assert output[0].title == "Bridge repairs begin"
    assert stats["newscrawler/spider/articles/extracted"] == 1
    assert "newscrawler/spider/pages/not_extracted" not in stats
