"""Locks that keep two processes off one file: a lock file beside it, held with flock() for the
holder's life, naming the holder's PID, removed when the holder releases it. Used for the site
of a `--runs-dir` run, for the crawl state of a site, and for the output file.

The kernel drops an flock() when its process dies, however it dies (SIGKILL included), so a lock
file left by a killed run is never mistaken for a live run: it is reported as stale (its PID is
no longer running) and taken over.

flock() locks an open file description, so two opens of one lock file in one process exclude
each other too; several crawlers of one process (`newscrawler crawl --all`) share a lock through
`hold`, which counts the holders in the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = [
    "HeldLock",
    "LockFileError",
    "LockHeldError",
    "PidLock",
    "hold",
    "pid_alive",
    "read_pid",
]


class LockHeldError(RuntimeError):
    """Another live process holds the lock; the message names it and its PID."""

    def __init__(self, path: Path, pid: int | None, message: str | None = None) -> None:
        super().__init__(message or f"{path} is held by another process (pid {pid})")
        self.path = path
        self.pid = pid


class LockFileError(OSError):
    """The lock file could not be created or written (a full disk, a read-only folder)."""

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        super().__init__(
            exc.errno, f"cannot write the lock file {path} ({reason}): free space or fix the disk"
        )
        self.path = path

    def __str__(self) -> str:
        return str(self.strerror)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class PidLock:
    """`with PidLock(path):` runs the body only if no other process holds `path`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.stale_pid: int | None = None
        """PID found in a lock file left by a process that no longer holds it (taken over)."""

    def held_error(self, pid: int | None) -> LockHeldError:
        """The error raised when another process holds the lock; subclasses word it."""
        return LockHeldError(self.path, pid)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        fd = self._lock_file()
        previous = read_pid(self.path)
        if previous is not None and previous != os.getpid():
            self.stale_pid = previous
            logger.warning(
                "stale lock %s of pid %d (%s): taking it over",
                self.path,
                previous,
                "still running, without the lock" if pid_alive(previous) else "not running",
            )
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as exc:
            # Held without a PID, another process could not be told who holds it: given up.
            self._remove_and_close(fd)
            raise LockFileError(self.path, exc) from exc
        self._fd = fd

    def _lock_file(self) -> int:
        """Open and flock the file at `path`. Its last holder removes it on release: a file
        opened just before that is no longer at `path`, and locking it would exclude no one, so
        the lock is taken again on the file now there."""
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise LockFileError(self.path, exc) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise self.held_error(read_pid(self.path)) from None
            opened = os.fstat(fd)
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (
                opened.st_dev,
                opened.st_ino,
            ):
                return fd
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _remove_and_close(self, fd: int) -> None:
        # Removed while still locked (see `_lock_file`), so no lock file is left behind by a
        # run that ended; one left with a PID in it means a run that did not.
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # in case it could not be removed
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        self._remove_and_close(self._fd)
        self._fd = None

    def __enter__(self) -> PidLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @staticmethod
    def holder(path: str | Path) -> int | None:
        """The PID holding `path`, -1 when its lock file names none, None when nobody holds it."""
        path = Path(path)
        if not path.exists():
            return None
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_pid(path) or -1
        finally:
            os.close(fd)  # closing drops a lock this probe may have taken
        return None


@dataclass
class _Holders:
    lock: PidLock
    count: int = 0


# Locks this process holds, by resolved lock path, with how many holders share each.
_HELD: dict[Path, _Holders] = {}


def _key(path: Path) -> Path:
    return Path(os.path.realpath(path))


class HeldLock:
    """One holder's share of a lock of this process (see `hold`); `release` once it is done."""

    def __init__(self, lock: PidLock) -> None:
        self.lock = lock
        self._released = False

    @property
    def path(self) -> Path:
        return self.lock.path

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        key = _key(self.lock.path)
        holders = _HELD.get(key)
        if holders is None:
            return
        holders.count -= 1
        if holders.count <= 0:
            del _HELD[key]
            holders.lock.release()


def hold(lock: PidLock) -> HeldLock:
    """Take `lock` for one holder of this process: from the kernel for the first holder (which
    raises the lock's `LockHeldError` when another process has it), released after the last."""
    key = _key(lock.path)
    holders = _HELD.get(key)
    if holders is None:
        lock.acquire()
        holders = _HELD[key] = _Holders(lock)
    holders.count += 1
    return HeldLock(holders.lock)
