"""Benchmark: pages per second and peak memory of a crawl with and without Splash rendering.

The same generated article pages (static HTML plus a small script, so that both paths give the
same articles) are served on 127.0.0.1 and crawled twice by the real crawler: once fetched
directly, once with every page rendered through Splash's `render.html`. Needs a running Splash
(`bash tools/splash-server.sh`); run from the repository root:

    python benchmarks/rendering.py [--pages 60] [--concurrency 4] [--json out.json]

Peak memory is the crawler process's maximum RSS, and for Splash the peak RSS of the Splash
process tree sampled every 50 ms during the crawl (read from /proc, so only for a Splash
started by tools/splash-server.sh on this machine; Docker's is shown as n/a).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.splash_harness import (  # noqa: E402 - needs the repository root on sys.path
    JSPagesServer,
    run_site_crawl,
    splash_is_up,
    splash_url_for_tests,
)

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Benchmark story {n}: council report on district {n} | JS Pages</title>
<meta property="og:site_name" content="JS Pages"></head>
<body><header><a href="/">JS Pages</a> <nav><a href="/news/">News</a></nav></header>
<main><article><h1>Benchmark story {n}: council report on district {n}</h1>
<p>The council published its yearly report on district {n} on Monday, covering roads, schools
and the parks the district maintains, and asked residents for comments before the end of the
month.</p>
<p>Spending in district {n} rose by {pct} percent compared with last year, mostly for the repair
of two bridges and for longer opening hours at the community centre.</p>
<p>The report will be discussed at the council meeting on the {day}th, which is open to the
public and streamed on the council's website.</p>
</article></main>
<script>document.body.setAttribute("data-ready", "{n}");</script>
</body></html>
"""


def make_pages(count: int) -> dict[str, bytes]:
    pages = {
        f"/bench/story-{n}.html": PAGE.format(n=n, pct=n % 17 + 2, day=n % 27 + 1).encode()
        for n in range(count)
    }
    urls = "".join(f"<url><loc>{{BASE}}{path}</loc></url>\n" for path in pages)
    pages["/bench/sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode()
    return pages


def _tree_rss_kb(pid: int) -> int:
    """RSS of a process and its descendants (Splash keeps QtWebEngine helpers as children)."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo.extend(children.get(current, []))
    return total


class PeakSampler:
    """Samples a process tree's RSS in a thread; `peak_kb` is the largest value seen."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.start_kb = _tree_rss_kb(pid) if pid else 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and self.pid:
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def splash_pid() -> int | None:
    run_dir = Path(os.environ.get("SPLASH_RUN_DIR", "/tmp/splash-server"))
    try:
        pid = int((run_dir / "splash.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def run(mode: str, server: JSPagesServer, pages: int, concurrency: int) -> dict[str, Any]:
    settings: dict[str, object] = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "LOG_LEVEL": "WARNING",
        "SPLASH_URL": splash_url_for_tests() if mode == "render" else "",
    }
    variant = "render-all" if mode == "render" else "plain"
    pid = splash_pid()
    with tempfile.TemporaryDirectory() as tmp, PeakSampler(pid) as sampler:
        result, report = run_site_crawl(
            server.base,
            Path(tmp),
            variant=variant,
            start_url=f"{server.base}/bench/sitemap.xml",
            settings=settings,
            timeout=600,
        )
        written = sum(1 for _ in (Path(tmp) / "out.jsonl").open()) if result.returncode == 0 else 0
    if result.returncode != 0 or written != pages:
        raise SystemExit(
            f"{mode} crawl failed ({written}/{pages} articles):\n{result.stderr[-3000:]}"
        )
    seconds = float(report["stats"]["elapsed_time_seconds"])
    return {
        "mode": mode,
        "articles": written,
        "seconds": seconds,
        "pages_per_second": written / seconds,
        "crawler_peak_rss_mb": report["maxrss_kb"] / 1024,
        "splash_peak_rss_mb": sampler.peak_kb / 1024 if pid else None,
        "splash_rss_before_mb": sampler.start_kb / 1024 if pid else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60, help="article pages (default 60)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests at a time")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not splash_is_up():
        print(f"no Splash at {splash_url_for_tests()}: run `bash tools/splash-server.sh`")
        return 2
    with JSPagesServer(pages=make_pages(args.pages)) as server:
        run("plain", server, args.pages, args.concurrency)  # warm-up: imports, disk caches
        rows = [run(mode, server, args.pages, args.concurrency) for mode in ("plain", "render")]
    plain, render = rows

    def mb(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0f} MB"

    print(f"{args.pages} pages, {args.concurrency} at a time, 127.0.0.1")
    print(
        f"{'mode':<8} {'seconds':>8} {'pages/s':>8} {'crawler peak':>13}"
        f" {'Splash before':>14} {'Splash peak':>12}"
    )
    for row in rows:
        # Splash runs in both cases but only works in the second; its idle size is the first.
        rendered = row["mode"] == "render"
        print(
            f"{row['mode']:<8} {row['seconds']:>8.2f} {row['pages_per_second']:>8.1f}"
            f" {mb(row['crawler_peak_rss_mb']):>13}"
            f" {mb(row['splash_rss_before_mb']) if rendered else '-':>14}"
            f" {mb(row['splash_peak_rss_mb']) if rendered else '-':>12}"
        )
    ratio = plain["pages_per_second"] / render["pages_per_second"]
    print(f"rendering is {ratio:.1f}x slower per page", end="")
    if render["splash_peak_rss_mb"] is not None:
        total = render["crawler_peak_rss_mb"] + render["splash_peak_rss_mb"]
        print(
            f"; memory with rendering (crawler + Splash) {total:.0f} MB,"
            f" {total / plain['crawler_peak_rss_mb']:.1f}x the crawler alone"
        )
    else:
        print()
    if args.json:
        args.json.write_text(json.dumps({"pages": args.pages, "runs": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
