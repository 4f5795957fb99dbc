"""The run's per-URL sets on disk (newscrawler/run_set.py, newscrawler/dupefilter.py): real SQLite
temporary files that behave as Python's set and dict, store 64-bit digests, and go with the set
(even when the process is killed); Scrapy's duplicate filter on top of them, alone and in a real
crawl of a local site."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from scrapy import Request, Spider, signals
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from newscrawler.distributed import DistributedAddon
from newscrawler.dupefilter import RunSetDupeFilter
from newscrawler.incremental.crawl import IncrementalCrawl, incremental_for_crawler
from newscrawler.pipelines.deduplicate import DeduplicateArticlesPipeline
from newscrawler.run_set import (
    CACHE_KIB,
    DiskMap,
    DiskSet,
    MemoryMap,
    MemorySet,
    RunMap,
    RunSet,
    key_digest,
)
from newscrawler.state import SqliteArticleState

from .faulty_server import FaultyServer, crawl_test_site, redirect, reply
from .test_faulty_servers import ROBOTS_OK, page, sitemap

URLS = [f"https://example.com/news/{n}.html" for n in range(1000)]
# Keys enough to outgrow the page cache (~16 bytes each), so that SQLite writes its file.
SPILLED = CACHE_KIB * 1024 // 8


def temporary_files(pid: int | str = "self") -> dict[str, str]:
    """The files SQLite opened for temporary databases in a process (fd -> path): it names them
    etilqs_*, and they show as "(deleted)" since no folder lists them any more."""
    found = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if "/etilqs_" in target:
            found[fd] = target
    return found


def is_closed(table: RunSet | RunMap) -> bool:
    try:
        "key" in table  # noqa: B015
    except sqlite3.ProgrammingError:
        return True
    return False


# -- the sets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [DiskSet, MemorySet])
def test_a_run_set_adds_finds_and_counts_like_a_set(make: type[RunSet]) -> None:
    keys = make()
    assert [keys.add(url) for url in URLS] == [True] * len(URLS)
    assert [keys.add(url) for url in URLS[::10]] == [False] * 100
    assert len(keys) == len(URLS)
    assert all(url in keys for url in URLS)
    assert "https://example.com/news/1000.html" not in keys
    assert keys.add(b"\x00\xff fingerprint") and b"\x00\xff fingerprint" in keys
    assert 42 not in keys  # neither str nor bytes: never a member
    assert len(keys) == len(URLS) + 1
    keys.close()


@pytest.mark.parametrize("make", [DiskMap, MemoryMap])
def test_a_run_map_gets_and_sets_defaults_like_a_dict(make: type[RunMap]) -> None:
    ids = make()
    assert ids.get("hash-1") is None and "hash-1" not in ids
    assert ids.setdefault("hash-1", "id-1") == "id-1"
    # The first value stays, as dict.setdefault keeps it.
    assert ids.setdefault("hash-1", "id-2") == "id-1"
    assert ids.get("hash-1") == "id-1" and "hash-1" in ids
    assert ids.setdefault("hash-2", "id-\u6771\u4eac") == "id-\u6771\u4eac"
    assert ids.get("hash-2") == "id-\u6771\u4eac"
    assert len(ids) == 2
    ids.close()


def test_the_file_is_written_past_the_cache_and_removed_on_close_or_collection() -> None:
    before = temporary_files()
    keys = DiskSet()
    for n in range(100):
        keys.add(f"https://example.com/{n}")
    assert temporary_files() == before  # all in the page cache: no file yet
    for n in range(SPILLED):
        keys.add(f"https://example.com/news/{n}")
    opened = {fd: path for fd, path in temporary_files().items() if fd not in before}
    assert len(opened) == 1
    (fd, path), *_ = opened.items()
    assert path.endswith(" (deleted)")  # already out of its folder: nothing to leave behind
    assert not os.path.exists(path.removesuffix(" (deleted)"))
    assert os.fstat(int(fd)).st_size > CACHE_KIB * 1024
    keys.close()
    keys.close()  # again: harmless
    assert is_closed(keys) and temporary_files() == before
    forgotten = DiskMap()
    for n in range(SPILLED):
        forgotten.setdefault(f"hash-{n}", "id")
    assert len(temporary_files()) == len(before) + 1
    del forgotten
    gc.collect()
    assert temporary_files() == before


def test_a_killed_process_leaves_no_file(tmp_path: Path) -> None:
    # SQLite reads TMPDIR when it starts: a child with its own.
    script = (
        "import sys\n"
        "from newscrawler.run_set import DiskSet\n"
        "keys = DiskSet()\n"
        f"for n in range({SPILLED}): keys.add(str(n))\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("SQLITE_TMPDIR", None)  # which SQLite would prefer
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    opened = list(temporary_files(child.pid).values())
    assert len(opened) == 1 and opened[0].startswith(f"{tmp_path}/etilqs_"), opened
    assert list(tmp_path.iterdir()) == []
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert list(tmp_path.iterdir()) == []


def test_keys_are_stored_as_64_bit_digests_not_as_text() -> None:
    keys, ids = DiskSet(), DiskMap()
    urls = [f"https://example.com/news/{n}.html" for n in range(SPILLED)]
    for url in urls:
        keys.add(url)
        ids.setdefault(url, "article-id")
    digests = [key_digest(url) for url in urls]
    assert all(-(2**63) <= d < 2**63 for d in digests)
    assert key_digest("caf\u00e9") == key_digest("caf\u00e9".encode())
    for table in (keys, ids):
        stored = table._db.execute("SELECT key FROM keys ORDER BY key").fetchall()
        assert [row[0] for row in stored] == sorted(digests)
    # What reached the file: the digests, about 16 bytes a key, and never the URLs.
    for fd in temporary_files():
        with open(f"/proc/self/fd/{fd}", "rb") as file:
            data = file.read()
        assert data and b"example.com" not in data
        assert len(data) < 40 * len(urls)
    keys.close()
    ids.close()


# -- the duplicate filter ----------------------------------------------------------------------


def dupefilter(settings: Mapping[str, object]) -> tuple[RunSetDupeFilter, Spider]:
    crawler = get_crawler(Spider, {"TELNETCONSOLE_ENABLED": False, **settings})
    spider = Spider.from_crawler(crawler, name="t")
    df = build_from_crawler(load_object(crawler.settings["DUPEFILTER_CLASS"]), crawler)
    assert isinstance(df, RunSetDupeFilter)
    return df, spider


def test_the_project_filters_duplicates_with_the_run_set_filter() -> None:
    settings = Settings()
    settings.setmodule("newscrawler.settings", priority="project")
    assert load_object(settings["DUPEFILTER_CLASS"]) is RunSetDupeFilter
    assert settings.getbool("NEWSCRAWLER_RUN_SETS_ON_DISK") is True


def test_the_filter_drops_a_repeated_request_and_counts_it_as_scrapy_does(
    caplog: pytest.LogCaptureFixture,
) -> None:
    df, spider = dupefilter({"DUPEFILTER_CLASS": "newscrawler.dupefilter.RunSetDupeFilter"})
    assert isinstance(df.seen, DiskSet)
    first = Request("https://example.com/news/1.html?b=2&a=1")
    assert df.request_seen(first) is False
    # The same request fingerprint: query order does not matter (canonical URL).
    again = Request("https://example.com/news/1.html?a=1&b=2")
    assert df.request_seen(again) is True
    assert df.request_seen(Request("https://example.com/news/1.html", method="POST")) is False
    assert len(df.seen) == 2
    with caplog.at_level(logging.DEBUG, logger="scrapy.dupefilters"):
        df.log(again, spider)
        df.log(again, spider)
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("dupefilter/filtered") == 2
    # One debug line, then silence (DUPEFILTER_DEBUG shows them all), as in Scrapy.
    assert [r.message for r in caplog.records].count(
        f"Filtered duplicate request: {again} - no more duplicates will be shown"
        " (see DUPEFILTER_DEBUG to show all duplicates)"
    ) == 1
    df.close("finished")
    assert is_closed(df.seen)


def test_a_user_jobdir_keeps_scrapys_filter_and_its_seen_file(tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    settings = {
        "DUPEFILTER_CLASS": "newscrawler.dupefilter.RunSetDupeFilter",
        "JOBDIR": str(jobdir),
    }
    df, _ = dupefilter(settings)
    assert df.seen is None
    assert df.request_seen(Request("https://example.com/a")) is False
    df.close("shutdown")
    assert (jobdir / "requests.seen").stat().st_size > 0
    resumed, _ = dupefilter(settings)
    assert resumed.request_seen(Request("https://example.com/a")) is True
    resumed.close("finished")


def test_a_distributed_crawl_still_takes_the_redis_filter() -> None:
    for priority in ("project", "cmdline"):
        settings = Settings()
        settings.setmodule("newscrawler.settings", priority="project")
        settings.set("NEWSCRAWLER_REDIS_URL", "redis://127.0.0.1:6379/0", priority=priority)
        DistributedAddon().update_settings(settings)
        assert settings["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"


# -- the components that use them --------------------------------------------------------------


def test_incremental_crawl_and_deduplicate_close_their_sets_with_the_spider(
    tmp_path: Path,
) -> None:
    crawler = get_crawler(
        Spider,
        {"NEWSCRAWLER_STATE_PATH": str(tmp_path / "state.sqlite3"), "TELNETCONSOLE_ENABLED": False},
    )
    crawl = incremental_for_crawler(crawler)
    pipeline = DeduplicateArticlesPipeline.from_crawler(crawler)
    tables: list[RunSet | RunMap] = [
        crawl._requested,
        crawl._skipped,
        pipeline.run_urls,
        pipeline.run_hashes,
    ]
    assert [type(t) for t in tables] == [DiskSet, DiskSet, DiskSet, DiskMap]
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert [is_closed(t) for t in tables] == [True, True, False, False]
    pipeline.close_spider()
    assert all(is_closed(t) for t in tables)
    assert crawl.state is not None
    crawl.state.close()


def test_without_run_sets_on_disk_everything_stays_in_memory(tmp_path: Path) -> None:
    state = SqliteArticleState(tmp_path / "state.sqlite3")
    crawl = IncrementalCrawl(state, run_sets_on_disk=False)
    pipeline = DeduplicateArticlesPipeline(state, run_sets_on_disk=False)
    df = RunSetDupeFilter(on_disk=False)
    tables: list[RunSet | RunMap] = [
        crawl._requested,
        crawl._skipped,
        pipeline.run_urls,
        pipeline.run_hashes,
    ]
    assert [type(t) for t in tables] == [MemorySet, MemorySet, MemorySet, MemoryMap]
    assert df.seen is None
    state.close()


# -- a real crawl ------------------------------------------------------------------------------


def with_canonical(body: bytes, url: str) -> bytes:
    return body.replace(b'<meta charset="utf-8">', f'<link rel="canonical" href="{url}">'.encode())


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_real_crawl_filters_and_deduplicates_the_same_on_disk_and_in_memory(
    tmp_path: Path, on_disk: bool
) -> None:
    paths = [f"/news/{i}.html" for i in range(20)]
    routes = {"/robots.txt": ROBOTS_OK}
    routes.update({p: reply(page(f"Harbour works, part {i}")) for i, p in enumerate(paths)})
    # The same text at another URL: linked to the first by its content hash (run_hashes).
    routes["/copy.html"] = reply(page("Harbour works, part 0"))
    # Another URL naming a listed page as canonical: one of the two is dropped (run_urls).
    routes["/alias.html"] = reply(b"")
    # A redirect to a page already requested: dropped by the duplicate filter.
    routes["/moved.html"] = redirect("/news/2.html", 301)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with FaultyServer(routes) as server:
        routes["/alias.html"] = reply(
            with_canonical(page("Harbour works, alias"), server.url(paths[1]))
        )
        # Every article listed twice: requested once (IncrementalCrawl's requested URLs).
        listed = [*paths, "/copy.html", "/alias.html", "/moved.html"]
        routes["/sitemap.xml"] = sitemap(server.base, listed + listed)
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path / "crawl",
            # Near-duplicate links off: these pages share all but their headline.
            settings={
                "NEWSCRAWLER_RUN_SETS_ON_DISK": str(on_disk),
                "NEWSCRAWLER_NEARDUP_ENABLED": "False",
            },
            env={"TMPDIR": str(tmp)},
        )
        hits = [h.path for h in server.hits()]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "newscrawler.dupefilter.RunSetDupeFilter" in run.stderr
    for path in listed:
        assert hits.count(path) == 1, (path, hits)
    assert run.stat("newscrawler/incremental/fetch/new") == len(listed)
    assert run.stat("dupefilter/filtered") == 1
    assert run.stat("newscrawler/deduplicate/url-in-run") == 1
    assert run.stat("newscrawler/deduplicate/linked/content-in-run") == 1
    articles = run.articles()
    assert len(articles) == len(paths) + 1  # the copy is written, linked
    by_url = {a["url"]: a for a in articles}
    # Whichever of the two came second is linked to the other.
    original, copy = by_url[server.url(paths[0])], by_url[server.url("/copy.html")]
    assert {original["duplicate_of"], copy["duplicate_of"]} in (
        {None, original["id"]},
        {None, copy["id"]},
    )
    assert sum(a["duplicate_of"] is not None for a in articles) == 1
    # Nothing left in the crawl's temporary folder.
    assert list(tmp.iterdir()) == []
