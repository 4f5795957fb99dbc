"""Per-URL bookkeeping of one run on disk, so a crawl's memory does not grow with its page count.

A run remembers every request fingerprint, every article URL requested or skipped, every canonical
URL and content hash accepted. In Python sets and dicts these cost 90-220 bytes a key (measured by
benchmarks/run_set.py: a 20-byte fingerprint ~95, a URL ~180, a content hash with its article id
~215), so a crawl's memory grew with every page. Here each is a SQLite table in a temporary file
of its own, removed by `close` (or, failing that, when the object is collected or the interpreter
exits); the process holds at most the page cache (CACHE_KIB) of each, ~3.5 us an operation.

Keys are stored as 64-bit digests (blake2b), not as the strings themselves: the digest is the
table's rowid, SQLite's most compact and fastest key (~16 bytes a key on disk). Two different keys
with the same digest would pass for one (a request taken as already made, an article as a copy):
among n keys the odds of any such pair are about n**2 / 2**65 (1e-9 at 200,000 keys, 3e-8 at a
million), far below the odds of a page lost to the network.

`run_set` and `run_map` give the same API backed by Python's own set and dict when the run sets are
kept in memory (NEWSCRAWLER_RUN_SETS_ON_DISK=False).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import weakref
from typing import Protocol

__all__ = [
    "CACHE_KIB",
    "PREFIX",
    "DiskMap",
    "DiskSet",
    "MemoryMap",
    "MemorySet",
    "RunMap",
    "RunSet",
    "key_digest",
    "run_map",
    "run_set",
]

# SQLite's page cache per file, in KiB. The table outgrows it on a long crawl and SQLite then
# reads pages back through the OS cache (~1 us more per lookup), but the process holds at most
# this much per set however many keys it stores. No mmap either: mapped pages count in the RSS.
CACHE_KIB = 1024
# Name of the temporary files: a crash (SIGKILL) leaves one behind per set.
PREFIX = "newscrawler-run-"


def key_digest(key: str | bytes) -> int:
    """The signed 64-bit digest under which `key` is stored (a str is taken as its UTF-8)."""
    data = key.encode("utf-8") if isinstance(key, str) else key
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


class RunSet(Protocol):
    def add(self, key: str | bytes) -> bool: ...
    def __contains__(self, key: object) -> bool: ...
    def __len__(self) -> int: ...
    def close(self) -> None: ...


class RunMap(Protocol):
    def get(self, key: str | bytes) -> str | None: ...
    def setdefault(self, key: str | bytes, value: str) -> str: ...
    def __contains__(self, key: object) -> bool: ...
    def __len__(self) -> int: ...
    def close(self) -> None: ...


def _discard(db: sqlite3.Connection, path: str) -> None:
    db.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class _DiskTable:
    """A temporary SQLite file with one table `keys` (digest rowid, plus `columns`)."""

    def __init__(self, columns: str, directory: str | None = None) -> None:
        fd, self.path = tempfile.mkstemp(".sqlite3", PREFIX, directory)
        os.close(fd)
        # Autocommit: each add is its own transaction, which the pragmas make cheap.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._finalizer = weakref.finalize(self, _discard, self._db, self.path)
        # The file dies with the run: no journal and no fsync (a crash loses nothing anyone
        # would read back); the exclusive lock saves a lock and unlock per statement; the
        # small cache bounds memory.
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "locking_mode=EXCLUSIVE",
            f"cache_size=-{CACHE_KIB}",
        ):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(f"CREATE TABLE keys (key INTEGER PRIMARY KEY{columns})")
        self._len = 0

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str | bytes):
            return False
        found = self._db.execute("SELECT 1 FROM keys WHERE key = ?", (key_digest(key),))
        return found.fetchone() is not None

    def __len__(self) -> int:
        return self._len

    def close(self) -> None:
        """Close and delete the file; again is harmless."""
        self._finalizer()


class DiskSet(_DiskTable):
    """A set of strings or bytes in a temporary SQLite file (see the module docstring)."""

    def __init__(self, directory: str | None = None) -> None:
        super().__init__("", directory)

    def add(self, key: str | bytes) -> bool:
        """Add `key`; True when it was not in the set yet."""
        added = self._db.execute("INSERT OR IGNORE INTO keys VALUES (?)", (key_digest(key),))
        new = added.rowcount == 1
        self._len += new
        return new


class DiskMap(_DiskTable):
    """A str-valued mapping of strings or bytes in a temporary SQLite file."""

    def __init__(self, directory: str | None = None) -> None:
        super().__init__(", value TEXT NOT NULL", directory)

    def get(self, key: str | bytes) -> str | None:
        found = self._db.execute("SELECT value FROM keys WHERE key = ?", (key_digest(key),))
        row = found.fetchone()
        return None if row is None else str(row[0])

    def setdefault(self, key: str | bytes, value: str) -> str:
        """The value of `key`, set to `value` first if it had none (as dict.setdefault)."""
        digest = key_digest(key)
        added = self._db.execute("INSERT OR IGNORE INTO keys VALUES (?, ?)", (digest, value))
        if added.rowcount == 1:
            self._len += 1
            return value
        row = self._db.execute("SELECT value FROM keys WHERE key = ?", (digest,)).fetchone()
        return str(row[0])


class MemorySet(set[str | bytes]):
    """The same API on Python's set: the keys themselves, held in memory."""

    def add(self, key: str | bytes) -> bool:  # type: ignore[override]
        new = key not in self
        super().add(key)
        return new

    def close(self) -> None:
        self.clear()


class MemoryMap(dict[str | bytes, str]):
    """The same API on Python's dict."""

    def close(self) -> None:
        self.clear()


def run_set(on_disk: bool = True, directory: str | None = None) -> RunSet:
    """A set for one run: on disk (bounded memory) or, with `on_disk=False`, in memory."""
    return DiskSet(directory) if on_disk else MemorySet()


def run_map(on_disk: bool = True, directory: str | None = None) -> RunMap:
    """A str-valued mapping for one run, on disk or in memory as `run_set`."""
    return DiskMap(directory) if on_disk else MemoryMap()
