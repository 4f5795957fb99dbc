"""Benchmark: end-to-end crawl throughput on a local site of real pages, against its two bounds.

In one command, over the same N pages of benchmarks/corpus_site.py (default 10,000):

a. framework only: `newscrawler crawl` with NEWSCRAWLER_EXTRACT=False and ITEM_PIPELINES={}
   (robots.txt, sitemaps, scheduling, downloads; the page is counted, nothing extracted);
b. full crawl: the same command with extraction and every pipeline, to JSON Lines;
b'. the same full crawl with NEWSCRAWLER_PROCESS_TUNING=False (Python's garbage-collector
   defaults and Scrapy's logging levels), to show what newscrawler/process_tuning.py buys;
c. extraction alone: in one process without Scrapy, the spider's extraction path over the same
   page bodies (decode, site page class, extract, not-an-article check).

Both crawls run as a user would: no download delay, robots.txt obeyed, 16 requests at a time,
AutoThrottle off, log level INFO, fresh state and output per run. Pages/s of a crawl is article
pages over Scrapy's elapsed time (spider opened to closed, so sitemap parsing and the final state
commit are in, interpreter start-up is not). Peak RSS is the crawler process's high-water mark
(VmHWM), and for (c) that of its own process, which also holds the ~1,100 page templates.
The server runs in this process and shares the machine's cores with the crawler.

    python benchmarks/crawl_throughput.py [--pages 10000] [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from corpus_site import (  # noqa: E402 - needs the benchmarks folder on sys.path
    BENCHMARK_SETTINGS,
    FRAMEWORK_ONLY,
    SITE_ID,
    CorpusSite,
    CrawlResult,
    Template,
    add_site_arguments,
    load_templates,
    memory_mb,
    run_crawl,
    site_toml,
)

from newscrawler.extraction.article import page_to_article  # noqa: E402
from newscrawler.sites import Site  # noqa: E402
from newscrawler.sites.files import load_site_file  # noqa: E402


def extract_like_the_spider(site: Site, url: str, body: bytes) -> bool:
    """The spider's extraction of one page (NewsSpider.parse_article without Scrapy); whether
    it gave an article."""
    return page_to_article(site, url, body, "text/html").article is not None


def extraction_alone(templates: list[Template], base: str, pages: int) -> dict[str, Any]:
    """Phase (c), run in a child process of its own (for its own peak RSS)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{SITE_ID}.toml"
        path.write_text(site_toml(base), encoding="utf-8")
        site = load_site_file(path)
    rss_before = (memory_mb(os.getpid()) or (0.0, 0.0))[0]
    articles = 0
    started = time.monotonic()
    for number in range(pages):
        url = f"{base}/news/{number}.html"
        body = templates[number % len(templates)].render(url, number)
        articles += extract_like_the_spider(site, url, body)
    seconds = time.monotonic() - started
    peak = (memory_mb(os.getpid()) or (0.0, 0.0))[1]
    return {
        "pages": pages,
        "articles": articles,
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
    }


def run_extraction_alone(args: argparse.Namespace, base: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--extraction-alone", base, "--pages", str(args.pages)]
    command += ["--corpora", str(args.corpora)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"extraction alone failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def crawl_row(name: str, result: CrawlResult, pages: int, counted: int) -> dict[str, Any]:
    if result.returncode != 0 or counted != pages:
        raise SystemExit(
            f"{name}: exit {result.returncode}, {counted}/{pages} pages:\n{result.log_tail()}"
        )
    return {
        "run": name,
        "pages": counted,
        "seconds": result.elapsed,
        "pages_per_second": counted / result.elapsed,
        "peak_rss_mb": result.max_rss_mb,
        "gc_seconds": result.stats.get("newscrawler/gc/seconds"),
    }


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_site_arguments(parser, 10_000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--extraction-alone", metavar="BASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.extraction_alone:
        templates, _ = load_templates(args.corpora, log=lambda _: None)
        print(json.dumps(extraction_alone(templates, args.extraction_alone, args.pages)))
        return 0
    templates, total = load_templates(args.corpora, not args.no_cache)
    rows: list[dict[str, Any]] = []
    with CorpusSite(templates, args.pages) as site, tempfile.TemporaryDirectory() as tmp:
        print(f"{args.pages} pages from {len(templates)} corpus pages at {site.base}; {load()}")
        print("(a) framework only ...", flush=True)
        result = run_crawl(site, Path(tmp) / "framework", FRAMEWORK_ONLY)
        counted = int(result.stats.get("newscrawler/spider/pages/not_extracted", 0))
        rows.append(crawl_row("framework only", result, args.pages, counted))
        print(f"(b) full crawl to JSON Lines ... ({load()})", flush=True)
        result = run_crawl(site, Path(tmp) / "full", {})
        full_stats = result.stats
        rows.append(crawl_row("full crawl", result, args.pages, result.articles_written()))
        print(f"(b') full crawl, process tuning off ... ({load()})", flush=True)
        untuned = run_crawl(site, Path(tmp) / "untuned", {"NEWSCRAWLER_PROCESS_TUNING": "False"})
        untuned_row = crawl_row("full, untuned", untuned, args.pages, untuned.articles_written())
        print(f"(c) extraction alone ... ({load()})", flush=True)
        alone = run_extraction_alone(args, site.base)
        if alone["articles"] != args.pages:
            raise SystemExit(f"extraction alone: {alone['articles']}/{args.pages} articles")
        rows.append(
            {
                "run": "extraction alone",
                "pages": alone["pages"],
                "seconds": alone["seconds"],
                "pages_per_second": alone["pages"] / alone["seconds"],
                "peak_rss_mb": alone["peak_rss_mb"],
                "gc_seconds": None,
            }
        )
        print(f"done ({load()})")
    framework, full, extraction = rows
    print()
    print(
        f"{args.pages} article pages on 127.0.0.1 (corpus pages {len(templates)} of {total});"
        f" concurrency {BENCHMARK_SETTINGS['CONCURRENT_REQUESTS']}, no delay, robots.txt obeyed"
    )
    print(f"{'run':<18} {'seconds':>8} {'pages/s':>8} {'peak RSS':>9} {'in GC':>7}")
    for row in [*rows, untuned_row]:
        gc_seconds = "" if row["gc_seconds"] is None else f"{row['gc_seconds']:>6.1f}s"
        print(
            f"{row['run']:<18} {row['seconds']:>8.1f} {row['pages_per_second']:>8.1f}"
            f" {row['peak_rss_mb']:>6.0f} MB {gc_seconds:>7}"
        )
    print(
        f"(extraction alone: {alone['rss_before_mb']:.0f} MB of it before the first page,"
        " mostly the page templates)"
    )
    keeps = full["pages_per_second"] / extraction["pages_per_second"]
    share = full["pages_per_second"] / framework["pages_per_second"]
    linked = int(full_stats.get("newscrawler/neardup/linked", 0))
    linked += sum(
        int(v) for k, v in full_stats.items() if k.startswith("newscrawler/deduplicate/linked/")
    )
    print(f"full crawl / extraction alone: {keeps:.2f} (target >= 0.80)")
    print(f"full crawl / framework only:   {share:.2f}")
    tuned_gain = full["pages_per_second"] / untuned_row["pages_per_second"]
    print(f"full crawl / full, untuned:    {tuned_gain:.2f}")
    print(f"full crawl: {linked} articles linked to an earlier copy (duplicate_of)")
    if args.json:
        figures = {
            "pages": args.pages,
            "templates": len(templates),
            "runs": rows,
            "full_over_extraction": keeps,
            "full_over_framework": share,
            "untuned": untuned_row,
            "full_over_untuned": tuned_gain,
        }
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
