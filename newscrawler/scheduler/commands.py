"""The command-line side of scheduled crawling: `crawl --runs-dir`, `runs` and `schedule`."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newscrawler.run_settings import run_settings_from_env, settings_pairs
from newscrawler.scheduler.locks import SiteLock, SiteLockedError, lock_path

__all__ = ["add_commands", "lock_sites", "runs_dir_overrides"]

DEFAULT_RUNS_DIR = "runs"


def runs_dir_overrides(runs_dir: str, now: datetime | None = None) -> dict[str, str]:
    """Settings for a run kept in `<runs_dir>/<site>/<UTC timestamp>.jsonl` plus its record
    `<UTC timestamp>.json` (one timestamp for both, and for every site of the command)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H-%M-%SZ")
    base = str(Path(runs_dir) / "%(name)s" / stamp)
    return {"NEWSCRAWLER_OUTPUT": base + ".jsonl", "NEWSCRAWLER_RUN_RECORD": base + ".json"}


def lock_sites(runs_dir: str, site_ids: list[str]) -> list[SiteLock]:
    """Take every site's lock, or none (SiteLockedError names the run in progress)."""
    locks: list[SiteLock] = []
    try:
        for site in site_ids:
            lock = SiteLock(lock_path(runs_dir, site))
            lock.acquire()
            locks.append(lock)
    except SiteLockedError:
        for lock in locks:
            lock.release()
        raise
    return locks


def _cmd_runs(args: argparse.Namespace) -> int:
    from newscrawler.scheduler.records import format_runs, read_runs

    records = read_runs(args.runs_dir, args.site)
    if args.limit:
        records = records[-args.limit :]
    if not records:
        where = f"{args.runs_dir}/{args.site}" if args.site else args.runs_dir
        print(f"no runs recorded in {where}", file=sys.stderr)
        return 0
    print(format_runs(records))
    return 0


def _cmd_schedule(args: argparse.Namespace) -> int:
    from newscrawler.scheduler.cron import ScheduleError, Scheduler, load_schedule
    from newscrawler.sites import SiteFileError, load_sites

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        sites = load_sites()
        jobs = load_schedule({s.id: s.schedule for s in sites.values()}, args.schedule_file)
    except (SiteFileError, ScheduleError) as exc:
        print(f"newscrawler schedule: {exc}", file=sys.stderr)
        return 2
    if not jobs:
        print(
            "newscrawler schedule: no site has a schedule; set Site(schedule=...) or give "
            "--schedule-file",
            file=sys.stderr,
        )
        return 2

    crawl_args: list[str] = []
    if args.state:
        crawl_args += ["--state", args.state]
    # Checked here, once; handed to each run through its environment, never its command line.
    # The scheduler takes them from its own environment too, to keep them off its command line.
    try:
        settings = {**run_settings_from_env(), **settings_pairs(args.set)}
    except ValueError as exc:
        print(f"newscrawler schedule: {exc}", file=sys.stderr)
        return 2
    return Scheduler(jobs, args.runs_dir, crawl_args, settings=settings).run()


def add_commands(commands: Any) -> None:
    """Register `runs` and `schedule` on the `newscrawler` parser's subcommands."""
    runs = commands.add_parser("runs", help="list recent runs (from their run records)")
    runs.add_argument("site", nargs="?", help="one site id (default: all)")
    runs.add_argument("--runs-dir", default=DEFAULT_RUNS_DIR, help="runs folder (default: runs)")
    runs.add_argument("-n", "--limit", type=int, default=20, help="last N runs (0: all)")
    runs.set_defaults(func=_cmd_runs)

    schedule = commands.add_parser(
        "schedule", help="crawl each scheduled site on its cron expression, until SIGTERM"
    )
    schedule.add_argument("--runs-dir", default=DEFAULT_RUNS_DIR, help="runs folder")
    schedule.add_argument(
        "--schedule-file",
        metavar="FILE",
        help='JSON {"site": "cron expression" | null}, over the sites\' own schedules',
    )
    schedule.add_argument("--state", metavar="PATH", help="state database for every run")
    schedule.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE",
        help="setting passed to every run",
    )  # fmt: skip
    schedule.set_defaults(func=_cmd_schedule)
