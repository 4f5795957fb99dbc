"""Scheduled runs: a cron schedule per site, one process and one lock per run, run records."""

from newscrawler.scheduler.locks import SiteLock, SiteLockedError
from newscrawler.scheduler.records import RunRecorder, format_runs, read_runs, run_record

__all__ = ["RunRecorder", "SiteLock", "SiteLockedError", "format_runs", "read_runs", "run_record"]
