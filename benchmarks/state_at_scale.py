"""Benchmark: the crawl state at scale, SQLite beside Redis: inserts/s, lookups/s and size.

    python benchmarks/state_at_scale.py [--urls 1000000] [--redis redis://127.0.0.1:6379/0]

Records N articles (distinct canonical URLs and content hashes) through `record`, then looks up
N/10 random known URLs and N/10 unknown ones through `article` / `has_url`, one call at a time,
as the deduplicate pipeline does. Size: the SQLite file (with its WAL) on disk; for Redis, the
growth of `used_memory` (a Redis of its own is best; the keys, under a fresh prefix, are deleted
at the end). Redis calls go over the loopback, one round trip each: that is what a worker pays.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis

from newscrawler.items import Article
from newscrawler.state import ArticleState
from newscrawler.state.redis_store import RedisArticleState
from newscrawler.state.sqlite import SqliteArticleState

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def url(n: int) -> str:
    return f"https://news.example.com/2026/01/01/story-number-{n}-of-the-day.html"


def run(store: ArticleState, count: int) -> tuple[float, float]:
    """(inserts per second, lookups per second)."""
    started = time.perf_counter()
    for n in range(count):
        article = Article(url=url(n), canonical_url=url(n), id=f"id{n}", site="example")
        article.content_hash = f"{n:064x}"
        store.record(article, NOW)
    inserts = count / (time.perf_counter() - started)
    rng = random.Random(1)
    probes = [url(rng.randrange(count)) for _ in range(count // 10)]
    probes += [url(count + n) for n in range(count // 10)]
    started = time.perf_counter()
    for probe in probes:
        store.article(probe)
    lookups = len(probes) / (time.perf_counter() - started)
    return inserts, lookups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite3"
        sqlite = SqliteArticleState(path)
        inserts, lookups = run(sqlite, args.urls)
        sqlite.close()
        size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
        print(f"sqlite: {inserts:,.0f} inserts/s  {lookups:,.0f} lookups/s  {size:,.1f} MB on disk")
    client = redis.Redis.from_url(args.redis)
    before = int(client.info("memory")["used_memory"])
    prefix = f"bench:{uuid.uuid4().hex}:"
    store = RedisArticleState(args.redis, prefix)
    try:
        inserts, lookups = run(store, args.urls)
        used = (int(client.info("memory")["used_memory"]) - before) / 2**20
        rates = f"{inserts:,.0f} inserts/s  {lookups:,.0f} lookups/s"
        print(f"redis:  {rates}  {used:,.1f} MB in memory")
    finally:
        store.clear()
        store.close()


if __name__ == "__main__":
    main()
