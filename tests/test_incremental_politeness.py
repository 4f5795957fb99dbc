"""Politeness of incremental crawls: robots.txt Crawl-delay obeyed (Scrapy ignores it), and a
user agent naming the crawler and a configurable contact URL."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from .faulty_server import FaultyServer, crawl_test_site, reply
from .test_incremental import LocalNewsSite, Page, story

CRAWL_DELAY = 1.0


def test_crawl_delay_spaces_requests_and_the_user_agent_names_a_contact(tmp_path: Path) -> None:
    site = LocalNewsSite({f"/news/{n}": Page(f"Polite story {n}", story(n)) for n in range(4)})
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        routes["/robots.txt"] = reply(
            f"User-agent: *\nCrawl-delay: {CRAWL_DELAY:g}\nAllow: /\n", content_type="text/plain"
        )
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            settings={"NEWSCRAWLER_CONTACT_URL": "https://example.org/crawler-contact"},
        )
        hits = [h for h in server.hits() if h.path.startswith("/news/")]
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(run.articles()) == 4
    # The server's own clock: the crawler sends each request at least CRAWL_DELAY after the
    # one before; the server sees it later by however long the machine took to pass it on,
    # which a busy machine varies. So each gap keeps at least half the
    # delay and the whole run its sum, less that half. Without the Crawl-delay, DOWNLOAD_DELAY=0
    # and two requests at a time, the gaps would be close to zero.
    times = sorted(h.time for h in hits)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= CRAWL_DELAY / 2, gaps
    assert times[-1] - times[0] >= len(gaps) * CRAWL_DELAY - CRAWL_DELAY / 2, gaps
    agent = hits[0].headers["User-Agent"]
    assert agent.startswith("newscrawler/") and "(+https://example.org/crawler-contact)" in agent
