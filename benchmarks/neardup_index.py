"""Benchmark: the near-duplicate index at scale, in SQLite and in Redis: adds and queries per
second at N articles, peak memory of the process, and the size of the index in the state.

    python benchmarks/neardup_index.py [--articles 100000] [--queries 2000]
        [--store sqlite --store redis --store memory] [--redis redis://127.0.0.1:6379/0]

Bodies are generated (random words, 120 per article) so that no two are near duplicates;
queries mix exact copies of indexed bodies with unseen ones. Each store runs in a process of its
own, so that its peak RSS (ru_maxrss) is its own. An add is what a crawl does per article: the
signature, the query for an earlier copy, and storing the signature (and its band keys) in the
state; the add rate is printed with and without the query. `memory` is the previous design, a
datasketch MinHashLSH holding every signature in the process, kept as a baseline. The current
RSS is printed at 10%, 50% and 100% of the articles: flat for the stores, growing for `memory`.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
from datasketch import MinHash, MinHashLSH

from newscrawler.incremental.neardup import DEFAULT_THRESHOLD, NearDuplicateIndex
from newscrawler.signatures import NUM_PERM, body_minhash
from newscrawler.state.redis_store import RedisArticleState
from newscrawler.state.sqlite import SqliteArticleState

WORDS = [f"w{i}" for i in range(20_000)]
STORES = ("sqlite", "redis", "memory")


def body(rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(40)) for _ in range(3)]


def rss_mb() -> float:
    """The current resident set size of this process."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MemoryIndex:
    """The previous design: every signature in an in-process MinHashLSH."""

    def __init__(self) -> None:
        self.lsh = MinHashLSH(threshold=DEFAULT_THRESHOLD, num_perm=NUM_PERM)
        self.minhashes: dict[str, MinHash] = {}

    def earliest_copy(self, minhash: MinHash) -> str | None:
        found = [k for k in self.lsh.query(minhash) if self.minhashes[k].jaccard(minhash) >= 0.2]
        return min(found, default=None)

    def add(self, key: str, minhash: MinHash) -> None:
        self.minhashes[key] = minhash
        self.lsh.insert(key, minhash)


def run(store: str, articles: int, queries: int, redis_url: str) -> None:
    rng = random.Random(7)
    folder = tempfile.TemporaryDirectory()
    client = redis.Redis.from_url(redis_url)
    used_before = int(client.info("memory")["used_memory"])
    state: SqliteArticleState | RedisArticleState | None = None
    if store == "sqlite":
        state = SqliteArticleState(Path(folder.name) / "state.sqlite3")
    elif store == "redis":
        state = RedisArticleState(redis_url, f"bench:{uuid.uuid4().hex}:")
    index = NearDuplicateIndex(state) if state is not None else None
    memory = MemoryIndex() if state is None else None
    kept: list[list[str]] = []
    hashing = querying = storing = 0.0
    marks = {articles // 10, articles // 2}
    try:
        for number in range(articles):
            if number in marks:
                print(f"  {store}: RSS {rss_mb():,.0f} MB at {number:,} articles", flush=True)
            paragraphs = body(rng)
            if number % (articles // queries or 1) == 0:
                kept.append(paragraphs)
            key = f"{number:032x}"  # as long as a real article id
            started = time.perf_counter()
            minhash = body_minhash(paragraphs)
            hashed = time.perf_counter()
            if index is not None:
                index.earliest_copy(minhash, exclude=(key,))
                queried = time.perf_counter()
                index.add(key, minhash)
                index.store(key, "example")
            else:
                assert memory is not None
                memory.earliest_copy(minhash)
                queried = time.perf_counter()
                memory.add(key, minhash)
            stored = time.perf_counter()
            hashing += hashed - started
            querying += queried - hashed
            storing += stored - queried
        print(f"  {store}: RSS {rss_mb():,.0f} MB at {articles:,} articles", flush=True)
        each = articles / 1e3
        total = hashing + querying + storing
        print(
            f"{store}: added {articles:,} articles: {articles / total:,.0f}"
            f"/s with the query for an earlier copy, "
            f"{articles / (hashing + storing):,.0f}/s without (signature "
            f"{hashing / each:.2f} ms, query {querying / each:.2f} ms, store "
            f"{storing / each:.2f} ms each)"
        )
        copies = kept[: queries // 2]
        fresh = [body(rng) for _ in range(queries - len(copies))]
        find = index.earliest_copy if index is not None else memory.earliest_copy  # type: ignore[union-attr]
        started = time.perf_counter()
        found = sum(1 for p in copies if find(body_minhash(p)) is not None)
        false = sum(1 for p in fresh if find(body_minhash(p)) is not None)
        seconds = time.perf_counter() - started
        print(
            f"{store}: queried at {articles:,}: {(len(copies) + len(fresh)) / seconds:,.0f} "
            f"queries/s (signature included); copies found {found}/{len(copies)}, unrelated "
            f"bodies matched {false}/{len(fresh)}"
        )
        if store == "sqlite":
            size = sum(p.stat().st_size for p in Path(folder.name).iterdir()) / 2**20
            where = f"{size:,.1f} MB on disk (SQLite file and WAL)"
        elif store == "redis":
            size = (int(client.info("memory")["used_memory"]) - used_before) / 2**20
            where = f"{size:,.1f} MB of Redis used_memory"
        else:
            where = "all in the process"
        print(f"{store}: peak RSS {peak_rss_mb():,.0f} MB; index {where}", flush=True)
    finally:
        if isinstance(state, RedisArticleState):
            state.clear()
        if state is not None:
            state.close()
        client.close()
        folder.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--store", action="append", choices=STORES, help="default: all three")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stores = args.store or list(STORES)
    if args.child:
        run(stores[0], args.articles, args.queries, args.redis)
        return
    for store in stores:
        command = [sys.executable, __file__, "--child", "--store", store, "--redis", args.redis]
        command += ["--articles", str(args.articles), "--queries", str(args.queries)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
