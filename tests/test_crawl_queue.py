"""Pending requests wait on disk (newscrawler/crawl_queue.py): a real crawl of a local site puts
every article request through Scrapy's disk queue, writes every article, and leaves no queue
folder behind; NEWSCRAWLER_DISK_QUEUE=False and a user's JOBDIR keep Scrapy's own behaviour."""

from __future__ import annotations

import os
from pathlib import Path

from .faulty_server import CrawlRun, FaultyServer, crawl_test_site, reply
from .test_faulty_servers import ROBOTS_OK, page, sitemap

PAGES = 60


def queue_dirs(temporary: Path) -> set[str]:
    return {n for n in os.listdir(temporary) if n.startswith("newscrawler-queue-")}


def crawl(tmp_path: Path, settings: dict[str, str] | None = None) -> CrawlRun:
    paths = [f"/news/{i}.html" for i in range(PAGES)]
    routes = {"/robots.txt": ROBOTS_OK}
    routes.update({p: reply(page(f"Harbour works, part {i}")) for i, p in enumerate(paths)})
    # A temporary folder of the crawl's own: other crawls on the machine make and remove
    # queue folders in the shared one at any moment.
    temporary = tmp_path / "tmp"
    temporary.mkdir(parents=True, exist_ok=True)
    with FaultyServer(routes) as server:
        server.routes["/sitemap.xml"] = sitemap(server.base, paths)
        run = crawl_test_site(
            server.url("/sitemap.xml"), tmp_path, settings=settings, env={"TMPDIR": str(temporary)}
        )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_article_requests_wait_on_disk_and_the_queue_folder_goes_with_the_crawl(
    tmp_path: Path,
) -> None:
    run = crawl(tmp_path)
    assert len(run.articles()) == PAGES
    # Every request went through the disk queue (the sitemap itself and the articles); none
    # fell back to memory for want of pickling.
    assert run.stat("scheduler/enqueued/disk") == PAGES + 1
    assert run.stat("scheduler/enqueued/memory") is None
    assert run.stat("scheduler/unserializable") is None
    assert queue_dirs(tmp_path / "tmp") == set()


def test_the_disk_queue_can_be_switched_off(tmp_path: Path) -> None:
    run = crawl(tmp_path, {"NEWSCRAWLER_DISK_QUEUE": "False"})
    assert len(run.articles()) == PAGES
    assert run.stat("scheduler/enqueued/memory") == PAGES + 1
    assert run.stat("scheduler/enqueued/disk") is None


def test_a_user_jobdir_keeps_scrapys_resumable_queue(tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    run = crawl(tmp_path / "crawl", {"JOBDIR": str(jobdir)})
    assert len(run.articles()) == PAGES
    assert run.stat("scheduler/enqueued/disk") == PAGES + 1
    # Scrapy's own files stay for a resume: the queue state and the seen requests.
    assert (jobdir / "requests.queue" / "active.json").exists()
    assert (jobdir / "requests.seen").stat().st_size > 0
