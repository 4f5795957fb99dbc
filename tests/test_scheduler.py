"""Scheduled runs: schedules, per-site locks (stale ones too), run records and `newscrawler runs`,
and a real `newscrawler schedule` process running a local site on a cron expression until
SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newscrawler.exitcodes import EXIT_LOCKED
from newscrawler.scheduler.cron import ScheduleError, load_schedule
from newscrawler.scheduler.locks import SiteLock, SiteLockedError, lock_path
from newscrawler.scheduler.records import format_runs, read_runs, run_record

from .faulty_server import FaultyServer
from .test_incremental import LocalNewsSite, Page, story

FAST = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "NEWSCRAWLER_PROGRESS_INTERVAL=0"]


def test_schedules_come_from_sites_and_a_file(tmp_path: Path) -> None:
    sites = {"jmh": "0 * * * *", "apnews": None, "mainichi": "*/5 * * * *"}
    assert load_schedule(sites) == {"jmh": "0 * * * *", "mainichi": "*/5 * * * *"}
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps({"apnews": "30 6 * * *", "mainichi": None}))
    assert load_schedule(sites, path) == {"jmh": "0 * * * *", "apnews": "30 6 * * *"}
    path.write_text(json.dumps({"nosuch": "* * * * *"}))
    with pytest.raises(ScheduleError, match="unknown site 'nosuch'"):
        load_schedule(sites, path)
    with pytest.raises(ScheduleError, match="not a cron expression"):
        load_schedule({"jmh": "every hour"})


def test_a_site_lock_excludes_a_second_run_and_a_stale_one_is_taken_over(tmp_path: Path) -> None:
    path = lock_path(tmp_path, "jmh")
    with SiteLock(path):
        assert SiteLock.holder(path) == os.getpid()
        with pytest.raises(SiteLockedError, match="in progress"):
            SiteLock(path).acquire()
    assert SiteLock.holder(path) is None
    # A run killed with SIGKILL leaves its PID in the file, but no lock.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path.write_text(f"{dead.pid}\n")
    lock = SiteLock(path)
    lock.acquire()
    assert lock.stale_pid == dead.pid
    lock.release()


def test_run_record_counts_and_the_runs_table(tmp_path: Path) -> None:
    stats = {
        "response_received_count": 9,
        "newscrawler/incremental/skipped": 4,
        "newscrawler/incremental/articles/new": 3,
        "newscrawler/incremental/articles/updated": 1,
        "newscrawler/neardup/linked": 2,
        "newscrawler/rejected": 1,
        "newscrawler/drift/selector/title": 1,
    }
    record = run_record(stats)
    assert record["pages_fetched"] == 9 and record["skipped_unchanged"] == 4
    assert (record["articles_new"], record["articles_updated"], record["duplicates"]) == (3, 1, 2)
    assert record["drift"] == {"selector/title": 1}
    folder = tmp_path / "jmh"
    folder.mkdir()
    base = {"site": "jmh", "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T00:01:00Z"}
    (folder / "a.json").write_text(json.dumps({**base, **record, "status": "finished"}))
    killed = {**base, "start": "2026-01-02T00:00:00Z", "end": None}
    (folder / "b.json").write_text(json.dumps({**killed, "status": "running", "pid": 2**22 + 7}))
    runs = read_runs(tmp_path)
    assert [r["status"] for r in runs] == ["finished", "killed"]
    table = format_runs(runs).splitlines()
    assert table[0].split()[:4] == ["site", "start", "end", "status"]
    assert "selector/title" in table[1] and "killed" in table[2]


def site_file(folder: Path, start_url: str, schedule: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "localnews.py"
    path.write_text(
        "from newscrawler.sites import Site\n"
        f"SITE = Site(id='localnews', name='Local News', allowed_domains=('127.0.0.1',),\n"
        f"            start_urls=({start_url!r},), schedule={schedule!r})\n"
    )
    return path


def test_schedule_runs_a_site_on_its_cron_expression_until_sigterm(tmp_path: Path) -> None:
    site = LocalNewsSite({f"/news/{n}": Page(f"Scheduled story {n}", story(n)) for n in range(4)})
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        # Every 2 seconds (croniter's sixth field is seconds).
        site_file(tmp_path / "sites", server.url("/sitemap.xml"), "* * * * * */2")
        env = {**os.environ, "NEWSCRAWLER_SITES_DIR": str(tmp_path / "sites")}
        command = [sys.executable, "-m", "newscrawler.cli", "schedule", "--runs-dir", "runs"]
        command += ["--state", "state.sqlite3"] + [a for s in FAST for a in ("-s", s)]
        scheduler = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while len(read_runs(tmp_path / "runs")) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        scheduler.send_signal(signal.SIGTERM)
        output = scheduler.communicate(timeout=60)[0].decode()
    assert scheduler.returncode == 0, output
    assert "SIGTERM received, stopping" in output and "scheduler: stopped" in output
    runs = read_runs(tmp_path / "runs", "localnews")
    assert len(runs) >= 3, output
    finished = [r for r in runs if r["status"] == "finished"]
    # The first run writes the 4 stories; later runs skip them without a request.
    assert finished[0]["articles_new"] == 4
    assert all(r["articles_new"] == 0 and r["skipped_unchanged"] == 4 for r in finished[1:])
    assert all(r["status"] in ("finished", "shutdown") for r in runs)
    lines = [
        json.loads(line)
        for path in sorted((tmp_path / "runs" / "localnews").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert sorted(a["title"] for a in lines) == [f"Scheduled story {n}" for n in range(4)]
    assert SiteLock.holder(lock_path(tmp_path / "runs", "localnews")) is None
    listed = subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "runs", "localnews", "--runs-dir", "runs"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert len(listed.stdout.splitlines()) == len(runs) + 1


def test_crawl_with_runs_dir_refuses_while_the_site_runs(tmp_path: Path) -> None:
    with SiteLock(lock_path(tmp_path / "runs", "jmh")):
        result = subprocess.run(
            [sys.executable, "-m", "newscrawler.cli", "crawl", "jmh", "--runs-dir", "runs"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == EXIT_LOCKED
    assert "a run of this site is in progress (pid" in result.stderr
    assert not list((tmp_path / "runs" / "jmh").glob("*.jsonl"))
