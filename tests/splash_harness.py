"""Test harness for JavaScript pages: the fixtures/jspages site over real HTTP on 127.0.0.1, a
test-only `Site` for it, and a real crawl of that site in a child process.

The site is not in the registry (it is not a news site), so the crawl runs through
`python -m tests.splash_harness crawl ...`: the project's settings, Scrapy's `CrawlerProcess`
and `NewsSpider` exactly as `newscrawler crawl` uses them, with the site handed to the spider.
The benchmark (`benchmarks/rendering.py`) uses the same server and runner.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import resource
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.environment import child_environment

ROOT = Path(__file__).resolve().parent.parent
JSPAGES = ROOT / "fixtures" / "jspages" / "pages"
DEFAULT_SPLASH_URL = "http://127.0.0.1:8050"
# How long the server holds assets/slow.js: past the render timeout the slow test sets.
SLOW_SECONDS = 3.0

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}

__all__ = [
    "ForwardProxy",
    "JSPagesServer",
    "jspages_site",
    "run_site_crawl",
    "splash_is_up",
    "splash_url_for_tests",
]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # the tests read `requests` instead

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.requests.append((path, dict(self.headers.items())))
        body = self.server.pages.get(path)
        if body is None:
            file = (self.server.root / path.lstrip("/")).resolve()
            if self.server.root in file.parents and file.is_file():
                body = file.read_bytes()
        if body is None:
            self._send(404, b"not found\n", "text/plain")
            return
        if path.endswith(".xml"):
            body = body.replace(b"{BASE}", self.server.base.encode())
        if path == "/assets/slow.js":
            time.sleep(SLOW_SECONDS)
        encoding = None
        # Compressed when the client asks, as real sites answer: a browser inside Splash must
        # decode what it asked for (see _BROWSER_OWN_HEADERS in newscrawler/splash/middleware.py).
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            body, encoding = gzip.compress(body), "gzip"
        self._send(200, body, _TYPES.get(Path(path).suffix, "application/octet-stream"), encoding)

    def _send(
        self, status: int, body: bytes, content_type: str, encoding: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # A client may have given up (Splash after its timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    base: str
    pages: Mapping[str, bytes]
    requests: list[tuple[str, dict[str, str]]]
    lock: threading.Lock


class JSPagesServer:
    """fixtures/jspages/pages (plus `pages`, path -> body) served on 127.0.0.1, any free port."""

    def __init__(self, root: Path = JSPAGES, pages: Mapping[str, bytes] | None = None) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.root = root.resolve()
        self._server.pages = dict(pages or {})
        self._server.requests = []
        self._server.lock = threading.Lock()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._server.base = self.base
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        """(path, headers) of every request so far."""
        with self._server.lock:
            return list(self._server.requests)

    def __enter__(self) -> JSPagesServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        # Recorded, not forwarded: nothing in these tests should POST through a proxy.
        with self.server.lock:
            self.server.urls.append(self.path)
        self.send_error(502, "this test proxy forwards GET only")

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.urls.append(self.path)
        if not self.path.startswith("http://"):
            self.send_error(400, "a proxy request needs an absolute http URL")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with direct.open(urllib.request.Request(self.path, headers=headers)) as answer:
                status, body, answer_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, body, answer_headers = error.code, error.read(), error.headers
        self.send_response(status)
        for name, value in answer_headers.items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "content-length",
    "transfer-encoding",
}


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    urls: list[str]
    lock: threading.Lock


class ForwardProxy:
    """A plain HTTP forward proxy on 127.0.0.1 that records every URL it was asked for."""

    def __init__(self) -> None:
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.urls = []
        self._server.lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def urls(self) -> list[str]:
        with self._server.lock:
            return list(self._server.urls)

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def jspages_site(base: str, variant: str = "auto") -> Any:
    """The test-only site of fixtures/jspages served at `base`.

    `auto`: rendering only where needed (fallback for shells) and for `/interactive/` pages,
    which get the Lua script that scrolls, clicks "Show more" and waits for the article's end;
    `render-all`: every article page through `render.html`; `plain`: the site asks for nothing.
    """
    from newscrawler.sites import Site
    from newscrawler.splash.scripts import interaction_script

    common: dict[str, Any] = {
        "id": "jspages",
        "name": "JS Pages",
        "domains": ("127.0.0.1",),
        "discovery": (f"{base}/sitemap.xml",),
        "article_urls": (r"\.html$",),
    }
    if variant == "auto":
        return Site(
            **common,
            render_urls=(r"/interactive/",),
            splash_script=interaction_script(
                scroll=2, click="button.show-more", wait_for="p.article-end"
            ),
        )
    if variant == "render-all":
        return Site(**common, render=True)
    if variant == "plain":
        return Site(**common)
    raise ValueError(f"unknown variant {variant!r}")


def splash_url_for_tests() -> str:
    return os.environ.get("NEWSCRAWLER_TEST_SPLASH_URL", DEFAULT_SPLASH_URL)


def splash_is_up(url: str | None = None, timeout: float = 3.0) -> bool:
    try:
        ping = (url or splash_url_for_tests()).rstrip("/") + "/_ping"
        with urllib.request.urlopen(ping, timeout=timeout) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def run_site_crawl(
    base: str,
    cwd: Path,
    *,
    variant: str = "auto",
    start_url: str | None = None,
    settings: Mapping[str, object] | None = None,
    timeout: float = 180,
    proxy: str | None = None,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Crawl the jspages site into `cwd`/out.jsonl in a child process, through `proxy` (set as
    `http_proxy`/`https_proxy`) if given; returns the process and its report (`stats`,
    `seconds`, `maxrss_kb`)."""
    command = [sys.executable, "-m", "tests.splash_harness", "crawl", base, "--variant", variant]
    if start_url:
        command += ["--start-url", start_url]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    env = child_environment(proxy)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    report_file = cwd / "report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return result, report


def _crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from newscrawler.spiders.sites import spider_class_for

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawler.settings")
    site = jspages_site(args.base, args.variant)
    spider_class = type("JSPagesSpider", (spider_class_for(site),), {"site_spec": site})
    settings = get_project_settings()
    settings.setdict(
        {
            "NEWSCRAWLER_OUTPUT": "out.jsonl",
            "NEWSCRAWLER_STATE_PATH": "state.sqlite3",
            "NEWSCRAWLER_REJECTS": "rejects.jsonl",
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "NEWSCRAWLER_PROGRESS_INTERVAL": 0,
        },
        priority="cmdline",
    )
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_class)
    started = time.perf_counter()
    kwargs = {"start_url": args.start_url} if args.start_url else {}
    process.crawl(crawler, **kwargs)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    report = {
        "stats": {k: v for k, v in stats.items() if isinstance(v, int | float | str)},
        "seconds": time.perf_counter() - started,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    Path("report.json").write_text(json.dumps(report, indent=1, sort_keys=True))
    return 1 if process.bootstrap_failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.splash_harness")
    commands = parser.add_subparsers(dest="command", required=True)
    crawl = commands.add_parser("crawl", help="crawl the jspages site served at BASE")
    crawl.add_argument("base", help="base URL of the server, e.g. http://127.0.0.1:8123")
    crawl.add_argument("--variant", default="auto", choices=["auto", "render-all", "plain"])
    crawl.add_argument("--start-url", help="spider argument start_url")
    crawl.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    return _crawl(args)


if __name__ == "__main__":
    sys.exit(main())
