"""`newscrawler schedule`: start each enabled site's crawl on its cron expression, each run in its
own `newscrawler crawl <site> --runs-dir DIR` process (which takes the site's lock and writes the
run's output and record), until SIGTERM or SIGINT; then stop the runs gracefully and exit."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from croniter import croniter

from newscrawler.exitcodes import EXIT_OK, describe
from newscrawler.run_settings import RUN_SETTINGS_ENV
from newscrawler.scheduler.locks import SiteLock, lock_path

logger = logging.getLogger(__name__)

__all__ = ["ScheduleError", "Scheduler", "load_schedule"]

# Seconds a run may take to finish its in-flight pages after SIGTERM before it is killed.
STOP_GRACE = 60.0


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says what to fix."""


def load_schedule(
    sites: Mapping[str, str | None], schedule_file: str | Path | None = None
) -> dict[str, str]:
    """Site id -> cron expression: each site's own `schedule`, then the file's (a JSON object
    `{"site": "cron expression" | null}`; null disables a site). Checked here, before any run."""
    jobs = {site: expr for site, expr in sites.items() if expr}
    if schedule_file is not None:
        try:
            data = json.loads(Path(schedule_file).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ScheduleError(f"{schedule_file}: {exc}") from exc
        if not isinstance(data, dict):
            raise ScheduleError(f'{schedule_file}: expected {{"site": "cron expression"}}')
        for site, expr in data.items():
            if site not in sites:
                raise ScheduleError(f"{schedule_file}: unknown site {site!r}")
            if expr is None:
                jobs.pop(site, None)
            else:
                jobs[site] = str(expr)
    for site, expr in jobs.items():
        if not croniter.is_valid(expr):
            raise ScheduleError(f"{site}: {expr!r} is not a cron expression")
    return jobs


class Scheduler:
    def __init__(
        self,
        jobs: Mapping[str, str],
        runs_dir: str | Path,
        crawl_args: Sequence[str] = (),
        python: str = sys.executable,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.jobs = dict(jobs)
        self.runs_dir = Path(runs_dir)
        self.crawl_args = list(crawl_args)
        self.settings = dict(settings or {})
        self.python = python
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.started: list[tuple[str, datetime]] = []
        self._stop = threading.Event()
        now = datetime.now(UTC)
        self.next_at = {site: self._next(site, now) for site in self.jobs}

    def _next(self, site: str, after: datetime) -> datetime:
        when: datetime = croniter(self.jobs[site], after).get_next(datetime)
        return when

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        if signum is not None:
            logger.info("scheduler: %s received, stopping", signal.Signals(signum).name)
        self._stop.set()

    def _reap(self) -> None:
        for site, child in list(self.children.items()):
            code = child.poll()
            if code is not None:
                del self.children[site]
                # The crawl's exit status with its meaning (newscrawler/exitcodes.py), so the
                # scheduler's log tells a run that fetched nothing from one that was stopped.
                logger.log(
                    logging.INFO if code == EXIT_OK else logging.WARNING,
                    "scheduler: %s run (pid %d) ended with status %d (%s)",
                    site,
                    child.pid,
                    code,
                    describe(code),
                )

    def _launch(self, site: str) -> None:
        holder = SiteLock.holder(lock_path(self.runs_dir, site))
        if site in self.children or holder is not None:
            # A run still going when the next one is due: that one is skipped, not queued.
            logger.warning(
                "scheduler: %s is still running (pid %s): skipping this run", site, holder
            )
            return
        log = (self.runs_dir / site).joinpath("crawl.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        command = [self.python, "-m", "newscrawler.cli", "crawl", site]
        command += ["--runs-dir", str(self.runs_dir), *self.crawl_args]
        env = dict(os.environ)
        if self.settings:
            # In the environment, not as `-s`: a command line is readable by every user.
            env[RUN_SETTINGS_ENV] = json.dumps(self.settings)
        with log.open("ab") as out:
            # Own process group: a Ctrl-C at the terminal reaches the scheduler only, which
            # then stops its runs itself, once.
            child = subprocess.Popen(
                command, stdout=out, stderr=out, env=env, start_new_session=True
            )
        self.children[site] = child
        self.started.append((site, datetime.now(UTC)))
        logger.info("scheduler: started %s (pid %d)", site, child.pid)

    def run(self, until: datetime | None = None) -> int:
        """Run until stopped (or `until`); installs SIGTERM/SIGINT handlers in the main thread."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        logger.info("scheduler: %s", ", ".join(f"{s} [{e}]" for s, e in self.jobs.items()))
        while not self._stop.is_set():
            now = datetime.now(UTC)
            if until is not None and now >= until:
                break
            self._reap()
            for site, when in self.next_at.items():
                if when <= now:
                    self._launch(site)
                    self.next_at[site] = self._next(site, now)
            wake = min(self.next_at.values(), default=now)
            self._stop.wait(max(0.05, min(1.0, (wake - datetime.now(UTC)).total_seconds())))
        return self.shutdown()

    def shutdown(self, grace: float = STOP_GRACE) -> int:
        """SIGTERM to every run (Scrapy finishes in-flight pages and closes its files), then
        wait; a run still alive after `grace` seconds is killed."""
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for site, child in self.children.items():
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                logger.warning("scheduler: %s did not stop in %.0f s: killing it", site, grace)
                child.kill()
                child.wait()
        self._reap()
        logger.info("scheduler: stopped")
        return 0
