"""Incremental crawling: the skip and revisit plan (units), then real crawls of a local site on
127.0.0.1 across runs: unchanged pages are not requested, a changed page is a new revision, a
revisit is a conditional request and a 304 writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newscrawler.discovery import DiscoveredLink
from newscrawler.incremental import plan_fetch, revisit_due
from newscrawler.state.records import FetchRecord, utc_stamp
from newscrawler.state.sqlite import SqliteArticleState

from .faulty_server import FaultyServer, crawl_test_site, reply

T0 = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


# -- a local news site whose pages can change between runs -----------------------------------


def article_html(title: str, paragraphs: list[str], modified: str | None = None) -> str:
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": "2017-03-15T10:04:00+09:00",
    }
    if modified:
        ld["dateModified"] = modified
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def story(n: int, words: int = 60) -> list[str]:
    """Distinct text for page n (distinct enough that no two pages are near-duplicates)."""
    return [
        " ".join(f"w{n}x{i}y{j}" for j in range(words // 3)) + f" paragraph {i} of story {n}."
        for i in range(3)
    ]


@dataclass
class Page:
    title: str
    paragraphs: list[str]
    lastmod: str | None = "2017-03-15T01:04:00+00:00"
    modified: str | None = None
    version: int = 1

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'


@dataclass
class LocalNewsSite:
    """A sitemap plus article pages, served with ETag and Last-Modified, answering 304 to a
    matching If-None-Match; pages and their sitemap lastmod can be changed between runs."""

    pages: dict[str, Page] = field(default_factory=dict)
    lastmod_in_sitemap: bool = True

    def routes(self, server: FaultyServer) -> dict[str, Any]:
        def sitemap(handler: Any) -> None:
            entries = "".join(
                f"<url><loc>{server.base}{path}</loc>"
                + (
                    f"<lastmod>{p.lastmod}</lastmod>"
                    if self.lastmod_in_sitemap and p.lastmod
                    else ""
                )
                + "</url>"
                for path, p in self.pages.items()
            )
            body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
            reply(body, content_type="application/xml")(handler)

        def article(handler: Any) -> None:
            page = self.pages[handler.path]
            if handler.headers.get("If-None-Match") == page.etag:
                reply(b"", status=304, content_type=None, headers={"ETag": page.etag})(handler)
                return
            headers = {"ETag": page.etag, "Last-Modified": "Wed, 15 Mar 2017 01:04:00 GMT"}
            reply(article_html(page.title, page.paragraphs, page.modified), headers=headers)(
                handler
            )

        routes: dict[str, Any] = {
            "/robots.txt": reply("User-agent: *\nAllow: /\n", content_type="text/plain"),
            "/sitemap.xml": sitemap,
        }
        routes.update({path: article for path in self.pages})
        return routes


def article_hits(server: FaultyServer) -> list[str]:
    return [h.path for h in server.hits() if h.path.startswith("/news/")]


# -- the plan ----------------------------------------------------------------------------------


def fetch_record(first_seen: datetime, last_checked: datetime, **kw: Any) -> FetchRecord:
    values: dict[str, Any] = {
        "url": "https://example.com/a",
        "canonical_url": "https://example.com/a",
        "etag": '"v1"',
        "last_modified": "Wed, 15 Mar 2017 01:04:00 GMT",
        "lastmod": "2017-03-15T01:04:00+00:00",
        "published_at": None,
        "first_seen": utc_stamp(first_seen),
        "last_checked": utc_stamp(last_checked),
    }
    values.update(kw)
    return FetchRecord(**values)


def test_revisits_follow_the_decaying_schedule_once_per_checkpoint() -> None:
    due = [
        revisit_due(T0, T0 + timedelta(minutes=m_checked), T0 + timedelta(minutes=m_now))
        for m_checked, m_now in [(0, 30), (0, 61), (61, 120), (61, 361), (400, 1439), (400, 1441)]
    ]
    assert due == [False, True, False, True, False, True]
    # After the last checkpoint (72 h) only discovery dates bring a page back.
    assert not revisit_due(T0, T0 + timedelta(hours=73), T0 + timedelta(days=30))


def test_the_plan_skips_known_unchanged_urls_and_fetches_changed_ones() -> None:
    link = DiscoveredLink("https://example.com/a", "sitemap", lastmod="2017-03-15T01:04:00+00:00")
    known = fetch_record(T0, T0)
    assert plan_fetch(link, None, T0).action == "new"
    assert plan_fetch(link, known, T0 + timedelta(minutes=5)).action == "skip"
    changed = DiscoveredLink(link.url, "sitemap", lastmod="2017-03-16T00:00:00+00:00")
    plan = plan_fetch(changed, known, T0 + timedelta(minutes=5))
    assert plan.action == "changed"
    assert plan.headers == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Wed, 15 Mar 2017 01:04:00 GMT",
    }
    # A Google News sitemap's publication date that moved is a change too.
    news = DiscoveredLink(link.url, "sitemap", published_at="2017-03-15T12:00:00+09:00")
    assert plan_fetch(news, known, T0 + timedelta(minutes=5)).action == "changed"
    assert plan_fetch(link, known, T0 + timedelta(hours=1, seconds=1)).action == "revisit"


def test_the_state_keeps_its_api_and_gains_fetches(tmp_path: Path) -> None:
    state = SqliteArticleState(tmp_path / "s.sqlite3")
    state.record_fetch("https://e.com/a", "https://e.com/a", etag='"x"', lastmod="2017-03-15")
    state.record_fetch("https://e.com/a", "https://e.com/a", last_modified="Wed, 15 Mar 2017")
    record = state.fetch("https://e.com/a")
    assert record is not None
    assert (record.etag, record.last_modified, record.lastmod) == (
        '"x"',
        "Wed, 15 Mar 2017",
        "2017-03-15",
    )
    assert state.count() == 0 and not state.has_url("https://e.com/a")
    state.close()


class SingleLookupsRefused(SqliteArticleState):
    """A real SQLite state whose one-URL `fetch` must not be called."""

    def fetch(self, url: str) -> FetchRecord | None:
        raise AssertionError(f"a single lookup of {url}")


def test_a_documents_links_are_looked_up_in_one_batch(tmp_path: Path) -> None:
    from newscrawler.incremental.crawl import IncrementalCrawl

    links = [
        DiscoveredLink(f"https://e.com/{n}", "sitemap", lastmod="2017-03-15T01:04:00+00:00")
        for n in range(1200)
    ]
    plans = []
    for state in (SqliteArticleState(tmp_path / "a.sqlite3"), SingleLookupsRefused(tmp_path / "b")):
        for link in links[::2]:  # known, checked just now: skipped
            state.record_fetch(link.url, link.url, lastmod=link.lastmod, now=T0)
        crawl = IncrementalCrawl(state)
        if isinstance(state, SingleLookupsRefused):
            crawl.prefetch(links)
        plans.append([crawl.plan(link, T0 + timedelta(minutes=5)).action for link in links])
        assert not crawl._prefetched  # each used once, then forgotten
        state.close()
    assert plans[0] == plans[1] == ["skip", "new"] * 600


# -- real crawls -------------------------------------------------------------------------------


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


def test_runs_skip_unchanged_pages_and_write_new_revisions(tmp_path: Path) -> None:
    site = LocalNewsSite({f"/news/{n}": Page(f"Story number {n}", story(n)) for n in range(6)})
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        start = server.url("/sitemap.xml")
        first = crawl_test_site(start, tmp_path, output=None, extra_args=["-o", "out.jsonl"])
        assert first.returncode == 0, first.stderr[-3000:]
        assert len(article_hits(server)) == 6
        lines = read_lines(tmp_path / "out.jsonl")
        assert sorted(a["revision"] for a in lines) == [1] * 6

        # Nothing changed: no article page is requested, nothing is written.
        before = len(article_hits(server))
        second = crawl_test_site(start, tmp_path, output=None, extra_args=["-o", "out.jsonl"])
        assert second.returncode == 0, second.stderr[-3000:]
        assert len(article_hits(server)) == before
        assert second.stat("newscrawler/incremental/skipped") == 6
        assert len(read_lines(tmp_path / "out.jsonl")) == 6

        # One page corrected, its sitemap lastmod moved: fetched (conditionally), revision 2.
        page = site.pages["/news/2"]
        page.paragraphs = [*page.paragraphs[:2], "A correction was appended to this story."]
        page.lastmod, page.modified, page.version = "2017-03-16T00:00:00+00:00", "2017-03-16", 2
        third = crawl_test_site(start, tmp_path, output=None, extra_args=["-o", "out.jsonl"])
        assert third.returncode == 0, third.stderr[-3000:]
        hits = [h for h in server.hits("/news/2")]
        assert hits[-1].headers.get("If-None-Match") == '"v1"'
        assert len(article_hits(server)) == before + 1
    lines = read_lines(tmp_path / "out.jsonl")
    assert len(lines) == 7
    revised = lines[-1]
    assert revised["revision"] == 2 and revised["modified_at"] == "2017-03-16"
    assert revised["id"] == next(a["id"] for a in lines if a["url"].endswith("/news/2"))
    assert third.stat("newscrawler/incremental/articles/updated") == 1


def test_a_due_revisit_is_conditional_and_a_304_writes_nothing(tmp_path: Path) -> None:
    # No lastmod in the sitemap: only the revisit schedule brings known pages back.
    site = LocalNewsSite(
        {f"/news/{n}": Page(f"Story number {n}", story(n)) for n in range(3)},
        lastmod_in_sitemap=False,
    )
    routes: dict[str, Any] = {}
    # A checkpoint 1 second after first sight, so the second run finds it due.
    settings = {"NEWSCRAWLER_REVISIT_HOURS": str(1 / 3600)}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        start = server.url("/sitemap.xml")
        first = crawl_test_site(start, tmp_path, settings=settings)
        assert first.returncode == 0, first.stderr[-3000:]
        assert len(read_lines(tmp_path / "out.jsonl")) == 3
        import time

        time.sleep(1.5)
        second = crawl_test_site(start, tmp_path, settings=settings)
        assert second.returncode == 0, second.stderr[-3000:]
        revisits = [h for h in server.hits() if h.path.startswith("/news/")][3:]
        # The checkpoint passed once: the third run skips without a request.
        third = crawl_test_site(start, tmp_path, settings=settings)
        total = len(article_hits(server))
    assert sorted(h.path for h in revisits) == ["/news/0", "/news/1", "/news/2"]
    assert all(h.headers.get("If-None-Match") == '"v1"' for h in revisits)
    assert second.stat("newscrawler/incremental/not_modified") == 3
    assert second.stat("newscrawler/write/articles") is None
    assert (tmp_path / "out.jsonl").read_bytes() == b""  # -O: this run's file, nothing in it
    assert third.stat("newscrawler/incremental/skipped") == 3 and total == 6
