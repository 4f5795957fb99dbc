"""Discovery documents fed to the engine as it needs them (newscrawler/spiders/feed.py), through
real crawls of a local site: robots.txt -> a sitemap index -> sitemaps. Small batches and slices
make the feed go through every path: every link is still fetched and written once, child sitemaps
are requested one at a time, a second run over known pages reads every link without a request
and ends, and with the feed off the crawl is the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawler.settings import CONCURRENT_REQUESTS

from .faulty_server import Behaviour, FaultyServer, crawl_test_site, reply

SITEMAPS = 3
PER_SITEMAP = 30
# Small enough that each sitemap takes several batches and slices.
FEED = {"NEWSCRAWLER_FEED_BATCH": "8", "NEWSCRAWLER_FEED_STEPS": "12"}
HANG_GUARD = 600  # seconds; a crawl takes seconds
PAGE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>{title} is one story of many, each listed once in one of the sitemaps of the index,"
    " and long enough to be an article of its own.</p></article></body></html>"
)


def site(server: FaultyServer, routes: dict[str, Behaviour]) -> list[str]:
    """robots.txt naming a sitemap index of SITEMAPS sitemaps; the article paths."""
    xml = '<?xml version="1.0" encoding="UTF-8"?>'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    paths: list[str] = []
    children = ""
    for s in range(SITEMAPS):
        mine = [f"/story/{s}-{n}" for n in range(PER_SITEMAP)]
        paths += mine
        urls = "".join(f"<url><loc>{server.base}{p}</loc></url>" for p in mine)
        routes[f"/sitemap-{s}.xml"] = reply(
            f"{xml}<urlset {ns}>{urls}</urlset>", content_type="application/xml"
        )
        children += f"<sitemap><loc>{server.base}/sitemap-{s}.xml</loc></sitemap>"
    routes["/sitemap-index.xml"] = reply(
        f"{xml}<sitemapindex {ns}>{children}</sitemapindex>", content_type="application/xml"
    )
    routes["/robots.txt"] = reply(
        f"User-agent: *\nAllow: /\nSitemap: {server.base}/sitemap-index.xml\n",
        content_type="text/plain",
    )
    for path in paths:
        routes[path] = reply(PAGE.format(title=f"Story {path.rsplit('/', 1)[1]}"))
    return paths


@pytest.mark.parametrize("feed", ["on", "off"])
def test_every_link_of_an_index_is_fetched_once_and_a_known_site_reads_all_and_ends(
    feed: str, tmp_path: Path
) -> None:
    settings = {**FEED, "NEWSCRAWLER_FEED_ENABLED": str(feed == "on")}
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        paths = site(server, routes)
        first = crawl_test_site(
            server.url("/robots.txt"), tmp_path, settings=settings, timeout=HANG_GUARD
        )
        hits = server.hits()
        second = crawl_test_site(
            server.url("/robots.txt"),
            tmp_path,
            settings=settings,
            output="again.jsonl",
            timeout=HANG_GUARD,
        )
        again = server.hits()[len(hits) :]
    assert first.returncode == 0, first.stderr[-3000:]
    assert "'finish_reason': 'finished'" in first.stderr
    fetched = [h.path for h in hits if h.path.startswith("/story/")]
    # Every one (a slow answer may be asked for again after DOWNLOAD_TIMEOUT: not counted).
    assert set(fetched) == set(paths)
    written = [a["url"] for a in first.articles()]
    assert sorted(written) == sorted(server.url(p) for p in paths)  # each one once
    if feed == "on":
        # Depth first: the next sitemap is asked for once this one's links were all handed
        # to the engine, which takes all but the last batch to have left the scheduler and
        # all but CONCURRENT_REQUESTS of those to be done. (Queued at once, the sitemaps are
        # all asked for before their pages.)
        least = PER_SITEMAP - int(FEED["NEWSCRAWLER_FEED_BATCH"]) - CONCURRENT_REQUESTS
        order = [h.path for h in hits]
        for s in range(1, SITEMAPS):
            before = order[: order.index(f"/sitemap-{s}.xml")]
            done = sum(path.startswith(f"/story/{s - 1}-") for path in before)
            assert done >= least, (s, done)
        # The pages, the sitemaps and the index (named by robots.txt).
        assert first.stat("newscrawler/feed/requests") == len(paths) + SITEMAPS + 1
    else:
        assert first.stat("newscrawler/feed/requests") is None
    # Known and unchanged: every link read, none fetched, and the crawl ends.
    assert second.returncode == 0, second.stderr[-3000:]
    assert "'finish_reason': 'finished'" in second.stderr
    assert [h.path for h in again if h.path.startswith("/story/")] == []
    assert second.stat("newscrawler/spider/links/article") == len(paths)
