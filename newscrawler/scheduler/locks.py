"""One run of a site at a time: `DIR/<site>/.lock`, a `newscrawler.locks.PidLock`, held by a
`--runs-dir` run for the process's life (a stale one, left by a killed run, is taken over)."""

from __future__ import annotations

from pathlib import Path

from newscrawler.locks import LockHeldError, PidLock, pid_alive

__all__ = ["SiteLock", "SiteLockedError", "lock_path", "pid_alive"]

LOCK_NAME = ".lock"


class SiteLockedError(LockHeldError):
    """Another live process is running this site."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(path, pid, f"{path}: a run of this site is in progress (pid {pid})")


def lock_path(runs_dir: str | Path, site: str) -> Path:
    return Path(runs_dir) / site / LOCK_NAME


class SiteLock(PidLock):
    """`with SiteLock(path):` runs the body only if no other process holds the site."""

    def held_error(self, pid: int | None) -> LockHeldError:
        return SiteLockedError(self.path, pid)
