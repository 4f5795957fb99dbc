"""One run of a site at a time: a lock file per site, held with flock() for the process's life.

The kernel drops an flock() when its process dies, however it dies (SIGKILL included), so a lock
file left by a killed run is never mistaken for a live run: it is reported as stale (its PID is
no longer running) and taken over.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["SiteLock", "SiteLockedError", "lock_path", "pid_alive"]

LOCK_NAME = ".lock"


class SiteLockedError(RuntimeError):
    """Another live process is running this site."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(f"{path}: a run of this site is in progress (pid {pid})")
        self.path = path
        self.pid = pid


def lock_path(runs_dir: str | Path, site: str) -> Path:
    return Path(runs_dir) / site / LOCK_NAME


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class SiteLock:
    """`with SiteLock(path):` runs the body only if no other process holds the site."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.stale_pid: int | None = None
        """PID found in a lock file left by a run that is no longer alive (taken over)."""

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SiteLockedError(self.path, _read_pid(self.path)) from None
        previous = _read_pid(self.path)
        if previous is not None and previous != os.getpid():
            self.stale_pid = previous
            logger.warning(
                "stale lock %s of pid %d (%s): taking it over",
                self.path,
                previous,
                "still running, without the lock" if pid_alive(previous) else "not running",
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # Emptied before unlocking: a lock file with a PID always means a run that did not end.
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> SiteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @staticmethod
    def holder(path: str | Path) -> int | None:
        """The PID running the site behind `path`, or None when nobody holds it."""
        path = Path(path)
        if not path.exists():
            return None
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(path) or -1
        finally:
            os.close(fd)  # closing drops a lock this probe may have taken
        return None
