"""Benchmark: the crawl state at scale, SQLite beside Redis: inserts/s, lookups/s and size.

    python benchmarks/state_at_scale.py [--urls 1000000] [--redis redis://127.0.0.1:6379/0]
        [--store sqlite --store redis]

Records N articles (distinct canonical URLs and content hashes) through `record` and their N
fetch rows through `record_fetch`, as the writer does for each article, one call at a time.
Then looks up N/10 random known URLs and N/10 unknown ones, four ways: `article` one call at a
time (as the deduplicate pipeline does), `fetch` one call at a time (as planning a single link
does), and the batched `articles` and `fetches`, 1,000 URLs per call (as planning a sitemap's
links does: a news sitemap lists up to 1,000, a sitemap up to 50,000). Size: the SQLite file
(with its WAL) on disk; for Redis, the growth of `used_memory` (a Redis of its own is best; the
keys, under a fresh prefix, are deleted at the end). Redis calls go over the loopback: one round
trip per single call, one per 1,000 URLs batched.
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


BATCH = 1000


def rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def run(store: ArticleState, count: int) -> dict[str, float]:
    """Calls per second of each kind (URLs per second for the batched lookups)."""
    rates: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(count):
        article = Article(url=url(n), canonical_url=url(n), id=f"id{n}", site="example")
        article.content_hash = f"{n:064x}"
        store.record(article, NOW)
    rates["record"] = rate(count, started)
    started = time.perf_counter()
    for n in range(count):
        store.record_fetch(url(n), url(n), etag=f'"{n:x}"', lastmod="2026-01-01", now=NOW)
    rates["record_fetch"] = rate(count, started)
    rng = random.Random(1)
    probes = [url(n) for n in rng.sample(range(count), count // 10)]
    probes += [url(count + n) for n in range(count // 10)]
    rng.shuffle(probes)
    batches = [probes[i : i + BATCH] for i in range(0, len(probes), BATCH)]
    started = time.perf_counter()
    found = sum(store.article(probe) is not None for probe in probes)
    rates["article"] = rate(len(probes), started)
    started = time.perf_counter()
    assert sum(len(store.articles(batch)) for batch in batches) == found
    rates["articles"] = rate(len(probes), started)
    started = time.perf_counter()
    assert sum(store.fetch(probe) is not None for probe in probes) == found
    rates["fetch"] = rate(len(probes), started)
    started = time.perf_counter()
    assert sum(len(store.fetches(batch)) for batch in batches) == found
    rates["fetches"] = rate(len(probes), started)
    return rates


def report(name: str, rates: dict[str, float], size: str) -> None:
    print(
        f"{name}: inserts {rates['record']:,.0f} articles/s + {rates['record_fetch']:,.0f} "
        f"fetch rows/s; single-call lookups {rates['article']:,.0f}/s (article), "
        f"{rates['fetch']:,.0f}/s (fetch); batched lookups ({BATCH:,} URLs a call) "
        f"{rates['articles']:,.0f} URLs/s (articles), {rates['fetches']:,.0f} URLs/s (fetches); "
        f"{size}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--store", action="append", choices=("sqlite", "redis"))
    args = parser.parse_args()
    stores = args.store or ["sqlite", "redis"]
    if "sqlite" in stores:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "state.sqlite3"
            sqlite = SqliteArticleState(path)
            rates = run(sqlite, args.urls)
            sqlite.close()
            size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
            report("sqlite", rates, f"{size:,.1f} MB on disk")
    if "redis" in stores:
        client = redis.Redis.from_url(args.redis)
        before = int(client.info("memory")["used_memory"])
        prefix = f"bench:{uuid.uuid4().hex}:"
        store = RedisArticleState(args.redis, prefix)
        try:
            rates = run(store, args.urls)
            used = (int(client.info("memory")["used_memory"]) - before) / 2**20
            report("redis", rates, f"{used:,.1f} MB in memory")
        finally:
            store.clear()
            store.close()
            client.close()


if __name__ == "__main__":
    main()
