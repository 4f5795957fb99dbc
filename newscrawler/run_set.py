"""Per-URL bookkeeping of one run on disk, so a crawl's memory does not grow with its page count.

A run remembers every request fingerprint, every article URL requested or skipped, every canonical
URL and content hash accepted. In Python sets and dicts these cost 90-220 bytes a key (measured by
benchmarks/run_set.py: a 20-byte fingerprint ~95, a URL ~180, a content hash with its article id
~215), so a crawl's memory grew with every page. Here each is a table in a temporary SQLite
database of its own: the process holds at most its page cache (CACHE_KIB), for one SQLite
statement an operation (docs/benchmarks.md, "Run sets"), and the rest lives in a temporary file
that is gone once the set is closed.

The file is SQLite's own anonymous temporary database (`sqlite3.connect("")`): SQLite creates it
in SQLITE_TMPDIR or TMPDIR (else /var/tmp, else /tmp) only when the table outgrows the cache, and
removes its name from the folder as soon as it is open, so the kernel frees it when the
connection closes or the process ends, even by SIGKILL. A named file would be left behind by
every killed crawl (the test suite's SIGKILL tests alone left ~80).

Keys are stored as 64-bit digests (blake2b), not as the strings themselves: the digest is the
table's rowid, SQLite's most compact and fastest key (~16 bytes a key on disk). Two different keys
with the same digest would pass for one (a request taken as already made, an article as a copy):
among n keys the odds of any such pair are about n**2 / 2**65 (1e-9 at 200,000 keys, 3e-8 at a
million), far below the odds of a page lost to the network.

`run_set` and `run_map` give the same API backed by Python's own set and dict when the run sets are
kept in memory (NEWSCRAWLER_RUN_SETS_ON_DISK=False).
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Protocol

__all__ = [
    "CACHE_KIB",
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

# SQLite's page cache per set, in KiB. The table outgrows it on a long crawl and SQLite then
# reads pages back through the OS cache (slower lookups), but the process holds at most
# this much per set however many keys it stores. No mmap either: mapped pages count in the RSS.
CACHE_KIB = 1024


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


class _DiskTable:
    """A temporary SQLite database with one table `keys` (digest rowid, plus `columns`)."""

    def __init__(self, columns: str) -> None:
        # Autocommit: each add is its own transaction, which costs next to nothing since SQLite
        # never locks or syncs a private temporary database (so no `synchronous` to turn off).
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        # No rollback journal: the table dies with the run and nothing is ever rolled back; a
        # journal would be a second temporary file written beside it.
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
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
        """Close the database, which deletes its file; again is harmless."""
        self._db.close()


class DiskSet(_DiskTable):
    """A set of strings or bytes in a temporary SQLite database (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__("")

    def add(self, key: str | bytes) -> bool:
        """Add `key`; True when it was not in the set yet."""
        added = self._db.execute("INSERT OR IGNORE INTO keys VALUES (?)", (key_digest(key),))
        new = added.rowcount == 1
        self._len += new
        return new


class DiskMap(_DiskTable):
    """A str-valued mapping of strings or bytes in a temporary SQLite database."""

    def __init__(self) -> None:
        super().__init__(", value TEXT NOT NULL")

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


def run_set(on_disk: bool = True) -> RunSet:
    """A set for one run: on disk (bounded memory) or, with `on_disk=False`, in memory."""
    return DiskSet() if on_disk else MemorySet()


def run_map(on_disk: bool = True) -> RunMap:
    """A str-valued mapping for one run, on disk or in memory as `run_set`."""
    return DiskMap() if on_disk else MemoryMap()
