"""Crash safety with real processes: a crawl of a local site (150 pages on 127.0.0.1) is killed
with SIGKILL at random moments, 20 times, and restarted each time; pages change half-way. The
output must hold every article exactly once per revision, every line valid against the schema,
and every restart must work (no corrupted state)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema

from newscrawler.pipelines.validate import article_schema

from .faulty_server import SITES_DIR, FaultyServer, delayed
from .test_incremental import LocalNewsSite, Page, story

PAGES = 150
CHANGED = 40  # pages changed at trials 5, 10 and 15 (overlapping groups)
TRIALS = 20


def crawl_command(start_url: str) -> list[str]:
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", "hostile", "-v"]
    command += ["-a", f"start_url={start_url}", "--state", "state.sqlite3", "-o", "out.jsonl"]
    for setting in (
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=False",
        "NEWSCRAWLER_PROGRESS_INTERVAL=0",
        "CONCURRENT_REQUESTS=4",
    ):
        command += ["-s", setting]
    return command


def run(command: list[str], cwd: Path, env: dict[str, str], kill_after: float | None) -> int:
    with (cwd / "log.txt").open("ab") as log:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log)
        if kill_after is None:
            return child.wait(120)
        try:
            return child.wait(kill_after)
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            return -9


def test_sigkill_at_random_moments_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("NEWSCRAWLER_CRASH_SEED", "5")))
    site = LocalNewsSite({f"/news/{n}": Page(f"Crash story {n}", story(n)) for n in range(PAGES)})
    routes: dict[str, Any] = {}
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)
    out = tmp_path / "out.jsonl"
    killed = killed_writing = 0
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        # A little latency per page, so a crawl lasts long enough to be killed mid-write.
        for path in site.pages:
            routes[path] = delayed(0.05, routes[path])
        command = crawl_command(server.url("/sitemap.xml"))
        for trial in range(TRIALS):
            if trial and trial % 5 == 0:
                # Everything written once, then a group of pages changes: each new version
                # must be written exactly once too, whatever the kills that follow.
                assert run(command, tmp_path, env, None) == 0
                for n in range(trial, trial + CHANGED):
                    page = site.pages[f"/news/{n}"]
                    page.version += 1
                    page.paragraphs = [*page.paragraphs, f"Update {page.version} of story {n}."]
                    page.lastmod = f"2017-03-2{page.version}T00:00:00+00:00"
            size = out.stat().st_size if out.exists() else 0
            # Scrapy starts in about a second; the crawl itself takes one to two more.
            if run(command, tmp_path, env, rng.uniform(1.0, 3.0)) == -9:
                killed += 1
                killed_writing += (out.stat().st_size if out.exists() else 0) > size
        final = run(command, tmp_path, env, None)
    log = (tmp_path / "log.txt").read_text("utf-8", "replace")
    assert final == 0, log[-3000:]
    print(f"{TRIALS} trials: {killed} killed, {killed_writing} while writing articles")
    assert killed >= TRIALS // 2 and killed_writing >= 5

    data = out.read_bytes()
    assert data.endswith(b"\n")
    validator = jsonschema.Draft202012Validator(article_schema())
    lines = [json.loads(line) for line in data.split(b"\n") if line]
    for article in lines:
        validator.validate(article)
    versions = Counter((a["title"], a["revision"]) for a in lines)
    assert max(versions.values()) == 1, [k for k, v in versions.items() if v > 1]
    expected = {
        (page.title, revision)
        for page in site.pages.values()
        for revision in range(1, page.version + 1)
    }
    assert set(versions) == expected
    assert len({a["id"] for a in lines}) == PAGES
