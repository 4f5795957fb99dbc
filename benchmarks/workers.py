"""Benchmark: pages/s of a distributed crawl with 1, 2 and 3 worker processes sharing one Redis.

Each configuration crawls the same local site of benchmarks/corpus_site.py (default 3,000 pages)
from scratch: `newscrawler crawl corpussite --redis URL` started N times at once, each worker with
its own output and state folder, all on a fresh key prefix (deleted afterwards) of the Redis
database in the URL. Pages/s is article pages served from the first article page to the last (the
server's own clock), so neither interpreter start-up nor the workers' idle wait before closing is
in it; the outputs together must hold every article exactly once. Same settings as
crawl_throughput.py: no delay, robots.txt obeyed, 16 requests at a time per worker.

The server and Redis run on the same machine as the workers: with 2 cores, a third worker (and
even a second) competes with them for CPU, so the speed-up says as much about the machine as
about the crawler. Needs redis-server (`bash tools/test-services.sh`).

    python benchmarks/workers.py [--pages 3000] [--workers 1,2,3,3,2,1]
        [--redis redis://127.0.0.1:6379/0] [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import redis

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from corpus_site import (  # noqa: E402 - needs the benchmarks folder on sys.path
    CorpusSite,
    add_site_arguments,
    finish_crawl,
    load_templates,
    start_crawl,
)


def urls_written(workdirs: list[Path]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for workdir in workdirs:
        path = workdir / "out.jsonl"
        if path.exists():
            for line in path.read_bytes().split(b"\n"):
                if line:
                    seen[json.loads(line)["url"]] += 1
    return seen


def run_workers(site: CorpusSite, count: int, redis_url: str, tmp: Path) -> dict[str, Any]:
    prefix = f"ncbench:{uuid.uuid4().hex}:"
    workdirs = [tmp / f"{count}-workers" / f"worker{i}" for i in range(count)]
    site.reset_counts()
    started = time.monotonic()
    children = [
        start_crawl(site, w, {"NEWSCRAWLER_REDIS_PREFIX": prefix}, redis_url) for w in workdirs
    ]
    try:
        results = [
            finish_crawl(c, site, w, started, timeout=3600)
            for c, w in zip(children, workdirs, strict=True)
        ]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    failed = [r for r in results if r.returncode != 0]
    if failed:
        raise SystemExit(f"a worker failed (exit {failed[0].returncode}):\n{failed[0].log_tail()}")
    seen = urls_written(workdirs)
    if len(seen) != site.pages:
        raise SystemExit(f"{count} workers: {len(seen)}/{site.pages} articles written")
    assert site.first_article_at is not None and site.last_article_at is not None
    window = site.last_article_at - site.first_article_at
    return {
        "workers": count,
        "pages": site.article_hits,
        "seconds": window,
        "pages_per_second": site.article_hits / window,
        "written_twice": sum(n - 1 for n in seen.values()),
        "shares": [r.articles_written() for r in results],
        "peak_rss_mb": [round(r.max_rss_mb) for r in results],
        # Other work on the machine shows here: the crawl alone would add about its workers.
        "load_average_1min": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_site_arguments(parser, 3_000)
    parser.add_argument(
        "--workers",
        default="1,2,3,3,2,1",
        help="worker counts, in this order (default 1,2,3,3,2,1: each twice, against drift)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis URL and db")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        redis.Redis.from_url(args.redis).ping()
    except redis.RedisError as exc:
        print(f"no Redis at {args.redis} ({exc}): run `bash tools/test-services.sh`")
        return 2
    templates, _ = load_templates(args.corpora, not args.no_cache)
    counts = [int(n) for n in args.workers.split(",")]
    rows = []
    with CorpusSite(templates, args.pages) as site, tempfile.TemporaryDirectory() as tmp:
        for count in counts:
            print(f"{count} worker(s) ...", flush=True)
            rows.append(run_workers(site, count, args.redis, Path(tmp)))
    print()
    print(
        f"{args.pages} article pages on 127.0.0.1, {os.cpu_count()} cores shared by the workers,"
        " the server (this process) and Redis"
    )
    print(
        f"{'workers':>7} {'seconds':>8} {'pages/s':>8} {'speed-up':>8} {'load':>5}"
        "  articles per worker"
    )
    # Against the mean of the 1-worker runs (a list such as 1,2,3,3,2,1 repeats each).
    ones = [r["pages_per_second"] for r in rows if r["workers"] == 1] or [
        rows[0]["pages_per_second"]
    ]
    single = sum(ones) / len(ones)
    for row in rows:
        speedup = row["pages_per_second"] / single
        print(
            f"{row['workers']:>7} {row['seconds']:>8.1f} {row['pages_per_second']:>8.1f}"
            f" {speedup:>7.2f}x {row['load_average_1min']:>5.1f}"
            f"  {', '.join(map(str, row['shares']))}"
            + (f" ({row['written_twice']} written twice)" if row["written_twice"] else "")
        )
    means = {}
    for count in sorted(set(counts)):
        runs = [r["pages_per_second"] for r in rows if r["workers"] == count]
        means[count] = sum(runs) / len(runs)
    print(
        "mean: "
        + ", ".join(f"{n} -> {v:.1f} pages/s ({v / single:.2f}x)" for n, v in means.items())
    )
    if args.json:
        figures = {"pages": args.pages, "runs": rows, "mean_pages_per_second": means}
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
