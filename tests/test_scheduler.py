"""Scheduled runs: schedules, per-site locks (stale ones too), run records and `newscrawler runs`,
and a real `newscrawler schedule` process running a local site on a cron expression until
SIGTERM."""

from __future__ import annotations

import contextlib
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
from newscrawler.run_settings import RUN_SETTINGS_ENV
from newscrawler.scheduler.cron import ScheduleError, load_schedule
from newscrawler.scheduler.locks import SiteLock, SiteLockedError, lock_path
from newscrawler.scheduler.records import format_runs, read_runs, run_record

from .faulty_server import FaultyServer, crawl_test_site, delayed
from .test_boundaries import closed_port
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
        f"SITE = Site(id='localnews', name='Local News', domains=('127.0.0.1',),\n"
        f"            discovery=({start_url!r},), schedule={schedule!r})\n"
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


def _children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc/*/stat: the field after the name)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


@pytest.mark.parametrize("given", ["-s", "environment"])
def test_schedule_hands_settings_to_runs_outside_their_command_line(
    tmp_path: Path, given: str
) -> None:
    """Any user can read a process's command line; `-s SPLASH_URL=http://user:pw@host` given
    to the scheduler must not appear in its runs' command lines, yet take effect in them. The
    scheduler also takes them from NEWSCRAWLER_RUN_SETTINGS, off its own command line."""
    secret = "sch3dule-s3cret"
    site = LocalNewsSite({"/news/1": Page("Scheduled story", story(1))})
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        # A slow sitemap keeps the first run alive while its command line is read.
        routes["/sitemap.xml"] = delayed(6, routes["/sitemap.xml"])
        site_file(tmp_path / "sites", server.url("/sitemap.xml"), "* * * * * */2")
        env = {**os.environ, "NEWSCRAWLER_SITES_DIR": str(tmp_path / "sites")}
        splash = f"http://splash:{secret}@127.0.0.1:{closed_port()}"
        command = [sys.executable, "-m", "newscrawler.cli", "schedule", "--runs-dir", "runs"]
        command += ["--state", "state.sqlite3"]
        if given == "-s":
            command += ["-s", f"SPLASH_URL={splash}"]
        else:
            env[RUN_SETTINGS_ENV] = json.dumps({"SPLASH_URL": splash})
        command += [a for s in [*FAST, "DOWNLOAD_TIMEOUT=10"] for a in ("-s", s)]
        scheduler = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        runs: list[int] = []
        deadline = time.monotonic() + 60
        while not runs and time.monotonic() < deadline:
            time.sleep(0.1)
            runs = _children_of(scheduler.pid)
        assert runs, "the scheduler started no run"
        cmdline = Path(f"/proc/{runs[0]}/cmdline").read_bytes().decode().split("\0")
        run_dir = tmp_path / "runs" / "localnews"
        while not read_runs(tmp_path / "runs") and time.monotonic() < deadline:
            time.sleep(0.1)  # until the run is crawling (its record written), then stop it
        scheduler.send_signal(signal.SIGTERM)
        output = scheduler.communicate(timeout=90)[0].decode()
    assert scheduler.returncode == 0, output
    assert "crawl" in cmdline and "localnews" in cmdline, cmdline
    assert not [arg for arg in cmdline if secret in arg or "SPLASH_URL" in arg], cmdline
    # The run did get the setting: it checked Splash at start-up (optional for this site).
    log = "".join(path.read_text() for path in run_dir.glob("*.log"))
    assert "cannot reach Splash at http://***@127.0.0.1" in log, log[-3000:]
    assert secret not in log and secret not in output


def test_a_run_record_cannot_leave_its_folder(tmp_path: Path) -> None:
    """NEWSCRAWLER_RUN_RECORD is confined as NEWSCRAWLER_OUTPUT is: `..` after `%(name)s`
    wrote the record outside the runs folder."""
    template = "runs/%(name)s/../../escaped.json"
    with FaultyServer({}) as server:
        run = crawl_test_site(
            server.url("/sitemap.xml"), tmp_path, settings={"NEWSCRAWLER_RUN_RECORD": template}
        )
        hits = server.hits()
    assert run.returncode == 2, run.stderr[-3000:]
    assert (
        f"NEWSCRAWLER_RUN_RECORD: {template!r} expands to 'runs/site/../../escaped.json', "
        "outside 'runs'"
    ) in run.stderr
    assert not (tmp_path / "escaped.json").exists()
    assert hits == []


def test_scheduler_log_names_what_a_run_s_exit_status_means(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from newscrawler.scheduler.cron import Scheduler

    scheduler = Scheduler({"jmh": "0 0 1 1 *"}, tmp_path)
    # Real processes ending as crawls do: fetched nothing (3), interrupted (4).
    for site, code in (("jmh", 3), ("asahi", 4)):
        child = subprocess.Popen([sys.executable, "-c", f"raise SystemExit({code})"])
        child.wait()
        scheduler.children[site] = child
    with caplog.at_level("INFO", logger="newscrawler.scheduler.cron"):
        scheduler._reap()
    assert "jmh run (pid" in caplog.text
    assert "ended with status 3 (no page could be fetched)" in caplog.text
    assert "ended with status 4 (interrupted)" in caplog.text
    assert scheduler.children == {}
