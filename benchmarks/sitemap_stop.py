"""Benchmark: a crawl of one huge sitemap stops when told to, and its memory stays bounded.

Serves, from 127.0.0.1, a gzip sitemap of `--urls` article URLs (default 1,000,000, about 50 MB
inflated, just within the sitemaps.org limit the crawler applies) and one small article page for
every one of them, then runs two crawls of it:

1. with CLOSESPIDER_PAGECOUNT=`--pages` (default 100): seconds from start to exit, from the
   limit's page to exit, peak RSS, sitemap links read and pages fetched;
2. without a limit, sent SIGTERM `--signal-after` seconds (default 10) after the sitemap was
   served, while the crawl reads it or fetches its pages: seconds from the signal to exit
   (`newscrawler schedule` gives a run 60 s), peak RSS, pages fetched after the signal.

Peak RSS is the crawl process's high-water mark (VmHWM), read every 0.2 s. The crawl runs this
checkout's package unless PYTHONPATH names another (for that checkout's figures):

    python benchmarks/sitemap_stop.py [--urls 1000000] [--pages 100] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITE_ID = "bigsitemap"
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "NEWSCRAWLER_PROGRESS_INTERVAL": "0",
    "LOG_LEVEL": "INFO",
}
PAGE = (
    "<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
    "<p>Story {n} is one of the many pages a very large sitemap lists; its text is long enough"
    " to be an article, and its number makes it unlike every other.</p></article></body></html>"
)
_STAT_RE = re.compile(r"'([^']+)': (\d+)[,}]")


class _Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sitemap: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sitemap = sitemap
        self.pages = 0  # article pages served
        self.sitemap_served: float | None = None  # when, by time.monotonic()
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self._send(b"User-agent: *\nAllow: /\n", "text/plain")
        elif self.path == "/sitemap.xml.gz":
            self._send(self.server.sitemap, "application/x-gzip")
            self.server.sitemap_served = time.monotonic()
        elif self.path.strip("/").isdigit():
            with self.server.lock:
                self.server.pages += 1
            self._send(PAGE.format(n=self.path.strip("/")).encode(), "text/html; charset=utf-8")
        else:
            self.send_error(404)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_sitemap(base: str, urls: int) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    head += b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    entries = b"".join(b"<url><loc>%s/%d</loc></url>" % (base.encode(), n) for n in range(urls))
    return gzip.compress(head + entries + b"</urlset>\n", compresslevel=6)


def site_toml(base: str) -> str:
    return (
        f'id = "{SITE_ID}"\nname = "Big Sitemap"\ndomains = ["127.0.0.1"]\n'
        f'discovery = ["{base}/sitemap.xml.gz"]\n'
        f"article_urls = ['^{re.escape(base)}/\\d+$']\n"
    )


@dataclass
class Run:
    returncode: int
    seconds: float
    stop_seconds: float | None  # from the page limit or the signal to exit
    peak_rss_mb: float
    stats: dict[str, int]
    pages_after_stop: int


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def crawl(
    site: _Site, workdir: Path, settings: dict[str, str], signal_after: float | None, timeout: float
) -> Run:
    """One crawl; with `signal_after`, SIGTERM that many seconds after the sitemap was served."""
    sites_dir = workdir / "sites"
    sites_dir.mkdir(parents=True)
    (sites_dir / f"{SITE_ID}.toml").write_text(site_toml(site.base), encoding="utf-8")
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", SITE_ID, "--sites", str(sites_dir)]
    command += ["-O", "out.jsonl", "--state", "state.sqlite3"]
    for name, value in {**SETTINGS, **settings}.items():
        command += ["-s", f"{name}={value}"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(ROOT)]))
    served_before = site.pages
    site.sitemap_served = None
    log = workdir / "log.txt"
    started = time.monotonic()
    stopped_at: float | None = None
    pages_at_stop = 0
    peak = 0.0
    limit = int(settings.get("CLOSESPIDER_PAGECOUNT", 0))
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=out)
        while child.poll() is None:
            peak = max(peak, _hwm_mb(child.pid))
            served = site.pages - served_before
            given = site.sitemap_served
            if (
                stopped_at is None
                and signal_after is not None
                and given is not None
                and time.monotonic() >= given + signal_after
            ):
                child.send_signal(signal.SIGTERM)
                stopped_at, pages_at_stop = time.monotonic(), served
            elif stopped_at is None and limit and served >= limit:
                stopped_at, pages_at_stop = time.monotonic(), served
            if time.monotonic() - started > timeout:
                child.kill()
            time.sleep(0.2)
    ended = time.monotonic()
    text = log.read_text("utf-8", "replace")
    stats = {name: int(value) for name, value in _STAT_RE.findall(text)}
    return Run(
        child.returncode,
        ended - started,
        ended - stopped_at if stopped_at is not None else None,
        peak,
        stats,
        site.pages - served_before - pages_at_stop,
    )


def report(title: str, run: Run, stop: str) -> None:
    print(f"\n{title}")
    print(f"  exit status {run.returncode}, {run.seconds:.1f} s in all")
    if run.stop_seconds is not None:
        print(f"  {run.stop_seconds:.1f} s from {stop} to exit")
    print(f"  peak RSS {run.peak_rss_mb:.0f} MB")
    read = run.stats.get("newscrawler/spider/links/article", 0)
    print(f"  sitemap links read {read}, pages fetched {run.stats.get('response_received_count')}")
    print(f"  pages served after {stop}: {run.pages_after_stop}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1_000_000, help="URLs in the sitemap")
    parser.add_argument("--pages", type=int, default=100, help="CLOSESPIDER_PAGECOUNT")
    parser.add_argument(
        "--signal-after", type=float, default=10, help="seconds from the sitemap to SIGTERM"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a kill")
    args = parser.parse_args(argv)
    site = _Site(b"")  # the sitemap names the server's port: it is made once it listens
    threading.Thread(target=site.serve_forever, daemon=True).start()
    made = time.monotonic()
    site.sitemap = make_sitemap(site.base, args.urls)
    print(
        f"sitemap of {args.urls} URLs at {site.base}/sitemap.xml.gz"
        f" ({len(site.sitemap) / 1e6:.1f} MB gzip, made in {time.monotonic() - made:.0f} s)"
    )
    runs: list[tuple[str, Callable[[Path], Run], str]] = [
        (
            f"CLOSESPIDER_PAGECOUNT={args.pages}",
            lambda w: crawl(
                site, w, {"CLOSESPIDER_PAGECOUNT": str(args.pages)}, None, args.timeout
            ),
            "the limit's page",
        ),
        (
            f"SIGTERM {args.signal_after:g} s after the sitemap was served",
            lambda w: crawl(site, w, {}, args.signal_after, args.timeout),
            "SIGTERM",
        ),
    ]
    for title, run, stop in runs:
        with tempfile.TemporaryDirectory(prefix="newscrawler-sitemap-stop-") as tmp:
            report(title, run(Path(tmp)), stop)
    site.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
