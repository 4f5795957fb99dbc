"""Crash safety with real processes: a crawl of a local site (150 pages on 127.0.0.1) is killed
with SIGKILL at random moments, 20 times or more, and restarted each time; pages change every
fifth time. The moments are drawn from what the crawl has done (1 to 5 more articles written,
0 to 10 more pages requested), not from the clock, so they land the same on a slow machine.
The output must hold every article exactly once per revision, every line valid against the
schema, and every restart must work (no corrupted state)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from newscrawler.validation import article_schema

from .faulty_server import SITES_DIR, FaultyServer, delayed
from .test_incremental import LocalNewsSite, Page, story

PAGES = 150
CHANGED = 40  # pages changed at trials 5, 10 and 15 (overlapping groups)
TRIALS = 20
WRITING_KILLS = 5
MAX_TRIALS = 40  # a hang guard: rounds of changes at every fifth trial give writing kills


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


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def lines_written(path: Path, more: int) -> Callable[[], bool]:
    """True once `more` lines were added to `path` (only the added part is read)."""
    start = size(path)

    def reached() -> bool:
        if size(path) <= start:
            return False
        with path.open("rb") as file:
            file.seek(start)
            return file.read().count(b"\n") >= more

    return reached


def pages_requested(server: FaultyServer, more: int) -> Callable[[], bool]:
    """True once this run fetched the sitemap and then `more` article pages."""
    before = len(server.hits())

    def reached() -> bool:
        hits = server.hits()[before:]
        pages = sum(1 for hit in hits if hit.path.startswith("/news/"))
        return any(hit.path == "/sitemap.xml" for hit in hits) and pages >= more

    return reached


def run(
    command: list[str], cwd: Path, env: dict[str, str], kill_when: Callable[[], bool] | None
) -> int:
    """Run one crawl; SIGKILL it as soon as `kill_when()` holds (checked every few ms), or let
    it finish when that never happens. -9 when it was killed."""
    with (cwd / "log.txt").open("ab") as log:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 120  # a hang guard only
        while child.poll() is None:
            if time.monotonic() > deadline:
                child.kill()
                raise AssertionError("the crawl hung")
            if kill_when is not None and kill_when():
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
                return -9
            time.sleep(0.005)
        return child.returncode


def test_sigkill_at_random_moments_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("NEWSCRAWLER_CRASH_SEED", "5")))
    site = LocalNewsSite({f"/news/{n}": Page(f"Crash story {n}", story(n)) for n in range(PAGES)})
    routes: dict[str, Any] = {}
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)
    out = tmp_path / "out.jsonl"
    killed = killed_writing = trial = 0
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        # A little latency per page, so articles are written one after another, not in a burst.
        for path in site.pages:
            routes[path] = delayed(0.05, routes[path])
        command = crawl_command(server.url("/sitemap.xml"))

        # The moments are chosen by what the crawl has done, not by the clock, so a slow
        # machine kills at the same moments as a fast one. Trials go on past TRIALS until
        # enough kills landed while articles were being written (each round of page changes
        # opens a writing kill, so this ends).
        while trial < TRIALS or killed < TRIALS // 2 or killed_writing < WRITING_KILLS:
            assert trial < MAX_TRIALS, f"{killed} killed, {killed_writing} while writing"
            if trial and trial % 5 == 0:
                # Everything written once, then a group of pages changes: each new version
                # must be written exactly once too, whatever the kills that follow.
                assert run(command, tmp_path, env, None) == 0
                for n in range(trial, trial + CHANGED):
                    page = site.pages[f"/news/{n}"]
                    page.version += 1
                    page.paragraphs = [*page.paragraphs, f"Update {page.version} of story {n}."]
                    page.lastmod = f"2017-03-{10 + page.version}T00:00:00+00:00"
            written = size(out)
            if trial % 5 in (0, 2, 4):
                # While writing: once 1 to 5 more articles are in the file.
                kill_when = lines_written(out, rng.randint(1, 5))
            else:
                # Anywhere from discovery on: once 0 to 10 more pages were requested.
                kill_when = pages_requested(server, rng.randint(0, 10))
            if run(command, tmp_path, env, kill_when) == -9:
                killed += 1
                killed_writing += size(out) > written
            trial += 1
        final = run(command, tmp_path, env, None)
    log = (tmp_path / "log.txt").read_text("utf-8", "replace")
    assert final == 0, log[-3000:]
    print(f"{trial} trials: {killed} killed, {killed_writing} while writing articles")

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
