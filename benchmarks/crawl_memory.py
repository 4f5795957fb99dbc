"""Benchmark: the crawler's memory over a long crawl; it must level off, not keep climbing.

One full crawl (extraction and every pipeline, to JSON Lines) of `--pages` pages (default
100,000) of the local site of benchmarks/corpus_site.py, with the same settings as
crawl_throughput.py. The crawler process's RSS (/proc VmRSS) is sampled every `--interval`
seconds to a CSV (seconds, RSS MB, article pages served so far); at the end it prints the peak
(VmHWM), the RSS when 25/50/75/100% of the pages had been served, the median RSS of each quarter,
and the least-squares slope of RSS against pages over the second half, in MB per 10,000 pages.
Runs unattended, printing a progress line about every 30 seconds. The peak includes transient
spikes (one big page parsed: tens of MB for a moment); the medians and slope show the trend.

    python benchmarks/crawl_memory.py [--pages 100000] [--interval 5] [--csv memory.csv]

With the defaults, requests waiting to be fetched are in Scrapy's disk queue
(NEWSCRAWLER_DISK_QUEUE) and the run's per-URL sets in temporary SQLite databases
(NEWSCRAWLER_RUN_SETS_ON_DISK); `--set NAME=VALUE` (repeatable) passes a setting to the crawl,
e.g. `--set NEWSCRAWLER_RUN_SETS_ON_DISK=False` to measure them kept in memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from corpus_site import (  # noqa: E402 - needs the benchmarks folder on sys.path
    CorpusSite,
    add_site_arguments,
    load_templates,
    run_crawl,
)

Sample = tuple[float, float, int]  # seconds, RSS MB, pages served


def rss_at(samples: list[Sample], pages: int) -> float | None:
    """RSS at the first sample taken once `pages` pages had been served (the last sample when
    the crawl ended before the next sample after its last page)."""
    found = next((rss for _, rss, served in samples if served >= pages), None)
    return samples[-1][1] if found is None and samples else found


def quarter_medians(samples: list[Sample], total: int) -> list[float | None]:
    """Median RSS of the samples in each quarter of the pages: single samples catch the
    transient peak of one big page; medians show the trend."""
    medians: list[float | None] = []
    for q in range(4):
        values = sorted(
            rss for _, rss, served in samples if q * total / 4 <= served < (q + 1) * total / 4
        )
        medians.append(values[len(values) // 2] if values else None)
    return medians


def slope_per_10k(samples: list[Sample], total: int) -> float | None:
    """Least-squares slope of RSS over pages served, second half of the crawl, MB per 10,000."""
    points = [(served, rss) for _, rss, served in samples if total / 2 <= served < total]
    if len(points) < 3:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if not var:
        return None
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return cov / var * 10_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_site_arguments(parser, 100_000)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--csv", type=Path, default=Path("memory.csv"), help="samples file")
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a crawl setting"
    )
    args = parser.parse_args(argv)
    settings = dict(item.split("=", 1) for item in args.set)
    templates, _ = load_templates(args.corpora, not args.no_cache)
    every = max(1, round(30 / args.interval))
    count = 0

    def progress(seconds: float, rss: float, served: int) -> None:
        nonlocal count
        count += 1
        if count % every == 1 or every == 1:
            print(f"{seconds:7.0f} s  {served:>7} pages  RSS {rss:6.0f} MB", flush=True)

    with CorpusSite(templates, args.pages) as site, tempfile.TemporaryDirectory() as tmp:
        print(f"crawling {args.pages} pages at {site.base}; samples to {args.csv}", flush=True)
        if settings:
            print(f"settings: {settings}", flush=True)
        result = run_crawl(
            site, Path(tmp) / "crawl", settings, sample_every=args.interval, on_sample=progress
        )
        written = result.articles_written()
        if result.returncode != 0:
            raise SystemExit(f"crawl failed (exit {result.returncode}):\n{result.log_tail()}")
    samples = result.samples
    with args.csv.open("w", encoding="utf-8") as f:
        f.write("seconds,rss_mb,pages\n")
        f.writelines(f"{s:.1f},{rss:.1f},{served}\n" for s, rss, served in samples)
    print()
    print(
        f"{args.pages} pages, {written} articles written, {result.elapsed:.0f} s"
        f" ({written / result.elapsed:.1f} pages/s); {len(samples)} samples in {args.csv}"
    )
    print(f"peak RSS {result.max_rss_mb:.0f} MB")
    at = {f"{p}%": rss_at(samples, args.pages * p // 100) for p in (25, 50, 75, 100)}
    print("RSS at " + ", ".join(f"{k} {v:.0f} MB" if v else f"{k} n/a" for k, v in at.items()))
    medians = quarter_medians(samples, args.pages)
    print(
        "median RSS per quarter of the pages: "
        + ", ".join(f"{m:.0f} MB" if m else "n/a" for m in medians)
    )
    slope = slope_per_10k(samples, args.pages)
    print(
        "slope over the second half: "
        + (f"{slope:+.1f} MB per 10,000 pages" if slope is not None else "n/a (too few samples)")
    )
    if args.json:
        summary = {
            "pages": args.pages,
            "articles": written,
            "seconds": result.elapsed,
            "peak_rss_mb": result.max_rss_mb,
            "rss_mb_at": at,
            "median_rss_mb_per_quarter": medians,
            "slope_mb_per_10k_second_half": slope,
        }
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return 0 if written == args.pages else 1


if __name__ == "__main__":
    sys.exit(main())
