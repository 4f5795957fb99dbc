"""The run sets on disk (newscrawler/run_set.py) against Python's set and dict: time per
operation and memory per key, for N article URLs, N Scrapy request fingerprints (20-byte SHA-1)
and N content hashes with an article id.

The times of both are taken in this process, one after the other. Memory is measured two ways:
tracemalloc (Python's own allocations, what the keys cost in a set) and the growth of the RSS
(which also sees SQLite's page cache, outside tracemalloc). Each figure comes from a fresh child
process: memory freed by one structure would otherwise be reused by the next, and tracemalloc's
own records would swell the RSS.

    python benchmarks/run_set.py [--keys 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator

from newscrawler.run_set import DiskMap, DiskSet

KINDS = (
    "set-urls",
    "disk-urls",
    "set-fingerprints",
    "disk-fingerprints",
    "dict-hashes",
    "disk-hashes",
)


def urls(n: int) -> Iterator[str]:
    """URLs as long as a news site's (~90 characters), made on the fly."""
    for i in range(n):
        yield f"https://www.example-news.com/politics/2026/11/29/story-{i:07d}-council-votes-on-budget.html"


def fingerprints(n: int) -> Iterator[bytes]:
    """Scrapy 2.19's request fingerprints: 20-byte SHA-1 digests."""
    for i in range(n):
        yield hashlib.sha1(str(i).encode()).digest()


def hashes(n: int) -> Iterator[str]:
    """Content hashes as the articles carry them (hex), with an article id as the value."""
    for i in range(n):
        yield hashlib.sha256(str(i).encode()).hexdigest()


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4  # resident pages of 4 KiB


def fill(kind: str, n: int) -> tuple[object, Callable[[], None]]:
    """The structure of `kind` holding n keys, and how to close it."""
    if kind == "set-urls":
        plain: set[str | bytes] = set()
        for url in urls(n):
            plain.add(url)
        return plain, plain.clear
    if kind == "set-fingerprints":
        plain = set()
        for fp in fingerprints(n):
            plain.add(fp)
        return plain, plain.clear
    if kind == "dict-hashes":
        mapping: dict[str, str] = {}
        for i, h in enumerate(hashes(n)):
            mapping.setdefault(h, f"{i:016x}")
        return mapping, mapping.clear
    if kind == "disk-hashes":
        ids = DiskMap()
        for i, h in enumerate(hashes(n)):
            ids.setdefault(h, f"{i:016x}")
        return ids, ids.close
    disk = DiskSet()
    for key in urls(n) if kind == "disk-urls" else fingerprints(n):
        disk.add(key)
    return disk, disk.close


def measure_memory(kind: str, n: int, how: str) -> float:
    """In a child: bytes per key by tracemalloc or by RSS growth (tracemalloc's own records
    would swell the RSS, so never both in one process)."""
    DiskSet().close()  # SQLite and its module loaded before the baseline
    if how == "tracemalloc":
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if how == "tracemalloc" else rss_kib() * 1024
    held, close = fill(kind, n)
    after = tracemalloc.get_traced_memory()[0] if how == "tracemalloc" else rss_kib() * 1024
    close()
    del held
    return (after - before) / n


def per_op(
    label: str,
    keys: list[str] | list[bytes],
    add: Callable[[str | bytes], object],
    has: Callable[[str | bytes], bool],
) -> None:
    started = time.perf_counter()
    for key in keys:
        add(key)
    added = time.perf_counter() - started
    started = time.perf_counter()
    for key in keys:
        has(key)
    found = time.perf_counter() - started
    n = len(keys)
    print(f"  {label:<28} add {added / n * 1e6:6.2f} us   contains (hit) {found / n * 1e6:6.2f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # kind, how
    args = parser.parse_args()
    n = args.keys
    if args.child:
        kind, how = args.child
        print(measure_memory(kind, n, how))
        return

    print(f"{n:,} keys, time per operation (this process):")
    url_keys, fp_keys = list(urls(n)), list(fingerprints(n))
    for label, keys in (("URLs", url_keys), ("fingerprints", fp_keys)):
        plain: set[str | bytes] = set()
        per_op(f"set, {label}", keys, plain.add, plain.__contains__)
        disk = DiskSet()
        per_op(f"DiskSet, {label}", keys, disk.add, disk.__contains__)
        disk.close()
    hash_keys = list(hashes(n))
    mapping: dict[str | bytes, str] = {}
    per_op(
        "dict.setdefault, hashes",
        hash_keys,
        lambda k: mapping.setdefault(k, "id"),
        lambda k: mapping.get(k) is not None,
    )
    ids = DiskMap()
    per_op(
        "DiskMap.setdefault, hashes",
        hash_keys,
        lambda k: ids.setdefault(k, "id"),
        lambda k: ids.get(k) is not None,
    )
    ids.close()

    print(f"\nbytes per key, {n:,} keys (each figure from a fresh process)")
    print(f"  {'':<20} {'tracemalloc':>11}   {'RSS growth':>10}")
    for kind in KINDS:
        figures = []
        for how in ("tracemalloc", "rss"):
            command = [sys.executable, __file__, "--keys", str(n), "--child", kind, how]
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            figures.append(float(done.stdout))
        print(f"  {kind:<20} {figures[0]:9.1f} B   {figures[1]:8.1f} B")


if __name__ == "__main__":
    main()
