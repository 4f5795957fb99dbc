"""A local news site for the crawl benchmarks: N article pages made of the corpora's real pages.

Page i (`/news/<i>.html`) is corpus page i mod M, as served bytes, with two changes:

- its `<link rel=canonical>` and `og:url` are replaced by the page's own URL, so the copies of one
  corpus page are distinct articles, not one canonical URL crawled N/M times;
- its first long `<p>` starts with "Copy <i>. ", which the extractor keeps in the body, so no two
  pages have the same content hash. Copies of one corpus page remain near-duplicates of each other,
  and the crawler links them with `duplicate_of` as it would syndicated copies of a story.

A corpus page is used only when a trial extraction of a marked copy (the crawler's page class and
normalization) keeps the marker and the page's own canonical URL and gives a valid article of at
least 200 characters; every page served is then one article written. The pages that pass, made
once from the corpora (about a minute), are cached in the temporary folder (keyed by the corpora
path and this file; `--no-cache` rebuilds them, e.g. after the extractor changed).

The server is threaded and serves from memory: a page is its template's byte strings joined, so
100,000 pages cost no more than the ~1,100 templates. It has robots.txt (naming the sitemap
index), a sitemap index and sitemaps of at most 50,000 URLs, and writes a site file
`corpussite.toml` for `newscrawler crawl --sites DIR`. Pages are sent uncompressed, as
`text/html` without a charset: the crawler reads the encoding from the page, as the corpora
saved it.

Used by crawl_throughput.py, crawl_memory.py and workers.py; on its own it serves a site until
interrupted:

    python benchmarks/corpus_site.py [--pages 10000] [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The benchmarks import each other as top-level modules (the folder is not a package).
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from extraction import DEFAULT_CORPORA, LOADERS  # noqa: E402 - needs the folder on sys.path

from newscrawler.extraction.article import page_to_article  # noqa: E402
from newscrawler.extraction.urls import canonicalize_url  # noqa: E402
from newscrawler.pipelines.normalize import normalize_article  # noqa: E402
from newscrawler.sites import Site  # noqa: E402
from newscrawler.sites.files import load_site_file  # noqa: E402
from newscrawler.validation import validation_problem  # noqa: E402

__all__ = [
    "SITE_ID",
    "CorpusSite",
    "CrawlResult",
    "Template",
    "load_templates",
    "run_crawl",
]

SITE_ID = "corpussite"
SITEMAP_MAX_URLS = 50_000
MIN_BODY_CHARS = 200
HTML_TYPE = "text/html"

_CANONICAL_RE = re.compile(rb"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.I)
_OG_URL_RE = re.compile(rb"<meta\b[^>]*\bproperty\s*=\s*[\"']?og:url\b[^>]*>", re.I)
_HEAD_RE = re.compile(rb"<head\b[^>]*>", re.I)
_HTML_RE = re.compile(rb"<html\b[^>]*>", re.I)
_BODY_RE = re.compile(rb"<body\b", re.I)
_P_RE = re.compile(rb"<p\b[^>]*>", re.I)
_P_END_RE = re.compile(rb"</p\s*>|<p\b", re.I)
_TAG_RE = re.compile(rb"<[^>]*>")
_CACHE_PREFIX = "newscrawler-corpus-site-"


@dataclass(frozen=True)
class Template:
    """A corpus page cut where the page's URL and its copy marker go."""

    source: str  # corpus/name
    before_url: bytes
    before_marker: bytes
    rest: bytes

    def render(self, url: str, number: int) -> bytes:
        return b"".join(
            (
                self.before_url,
                b'<link rel="canonical" href="%s">' % url.encode("ascii"),
                self.before_marker,
                marker(number),
                self.rest,
            )
        )


def marker(number: int) -> bytes:
    return b"Copy %d. " % number


def site_toml(base: str) -> str:
    """The site file of a corpus site at `base` (http://127.0.0.1:PORT)."""
    host = re.escape(base)
    return (
        "# Written by benchmarks/corpus_site.py for one benchmark run.\n"
        f'id = "{SITE_ID}"\n'
        'name = "Corpus Site"\n'
        'domains = ["127.0.0.1"]\n'
        f'discovery = ["{base}/robots.txt"]\n'
        f"article_urls = ['^{host}/news/\\d+\\.html$']\n"
    )


def _site(base: str) -> Site:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{SITE_ID}.toml"
        path.write_text(site_toml(base), encoding="utf-8")
        return load_site_file(path)


def _long_paragraphs(html: bytes, start: int) -> Iterator[int]:
    """Offsets just after the opening tag of each `<p>` with at least 80 bytes of text."""
    for match in _P_RE.finditer(html, start):
        end = _P_END_RE.search(html, match.end())
        inner = html[match.end() : end.start() if end else match.end() + 4000]
        if len(_TAG_RE.sub(b"", inner).strip()) >= 80:
            yield match.end()


def _usable(template: Template, site: Site, base: str) -> bool:
    """Whether a marked copy extracts as a distinct, valid article at its own URL."""
    url = f"{base}/news/987654321.html"
    # A page the extractor cannot handle, or that is no article, is simply not used.
    result = page_to_article(site, url, template.render(url, 987654321), HTML_TYPE)
    if result.article is None:
        return False
    article = normalize_article(result.article)
    return (
        article.canonical_url == canonicalize_url(url)
        and any(marker(987654321).decode() in p for p in article.body)
        # Long enough that the spider's script-shell check never looks at it.
        and sum(len(p) for p in article.body) >= MIN_BODY_CHARS
        and validation_problem(article) is None
    )


def make_template(source: str, html: bytes, site: Site, base: str) -> Template | None:
    """The page as a template, or None when no marked copy of it is a distinct article."""
    html = _OG_URL_RE.sub(b"", _CANONICAL_RE.sub(b"", html))
    head = _HEAD_RE.search(html) or _HTML_RE.search(html)
    url_at = head.end() if head else 0
    body = _BODY_RE.search(html, url_at)
    for tries, marker_at in enumerate(_long_paragraphs(html, body.start() if body else url_at)):
        if tries == 3:
            break
        template = Template(source, html[:url_at], html[url_at:marker_at], html[marker_at:])
        if _usable(template, site, base):
            return template
    return None


def _cache_key(corpora: Path) -> str:
    digest = hashlib.sha256(str(corpora.resolve()).encode())
    # Not keyed on the extractor, which changes often; --no-cache rebuilds after a big change.
    for path in (Path(__file__), ROOT / "benchmarks" / "extraction.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_templates(
    corpora: Path, use_cache: bool = True, log: Callable[[str], None] = print
) -> tuple[list[Template], int]:
    """The usable corpus pages as templates, and how many corpus pages there were."""
    caches = Path(tempfile.gettempdir())
    cache = caches / f"{_CACHE_PREFIX}{_cache_key(corpora)}.pickle"
    if use_cache and cache.exists():
        with cache.open("rb") as f:
            templates, total = pickle.load(f)
        log(f"corpus site: {len(templates)} of {total} corpus pages usable (cached in {cache})")
        return templates, total
    base = "http://127.0.0.1:9"
    site = _site(base)
    templates = []
    total = 0
    started = time.monotonic()
    for folder, loader in LOADERS.values():
        for case in loader(corpora / folder):
            total += 1
            template = make_template(f"{folder}/{case.name}", case.html, site, base)
            if template is not None:
                templates.append(template)
            if total % 200 == 0:
                seconds = time.monotonic() - started
                log(f"corpus site: checked {total} corpus pages ({seconds:.0f} s)")
    if not templates:
        raise SystemExit(f"no usable corpus pages in {corpora} (use --corpora PATH)")
    log(f"corpus site: {len(templates)} of {total} corpus pages usable")
    if use_cache:
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump((templates, total), f)
        tmp.replace(cache)
        for stale in caches.glob(f"{_CACHE_PREFIX}*.pickle"):  # ~200 MB each
            if stale != cache:
                stale.unlink(missing_ok=True)
    return templates, total


# -- the server ------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the crawler's connection pool expects
    server: _Server

    def do_GET(self) -> None:  # http.server's name
        found = self.server.site.resolve(self.path)
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request would cost more than serving it


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, site: CorpusSite) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site


@dataclass
class CorpusSite:
    """The site: `with CorpusSite(templates, pages) as site:` serves it on 127.0.0.1 and writes
    the site file to `site.sites_dir`; `site.article_hits` counts article pages served."""

    templates: Sequence[Template]
    pages: int
    urls_per_sitemap: int = 10_000
    article_hits: int = 0
    first_article_at: float | None = None
    last_article_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: _Server | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.urls_per_sitemap <= SITEMAP_MAX_URLS:
            raise ValueError(f"a sitemap lists 1 to {SITEMAP_MAX_URLS} URLs")

    @property
    def base(self) -> str:
        assert self._server is not None, "the site is not being served"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def sites_dir(self) -> Path:
        assert self._tmp is not None, "the site is not being served"
        return Path(self._tmp.name)

    def url(self, number: int) -> str:
        return f"{self.base}/news/{number}.html"

    def page(self, number: int) -> bytes:
        return self.templates[number % len(self.templates)].render(self.url(number), number)

    def reset_counts(self) -> None:
        with self._lock:
            self.article_hits = 0
            self.first_article_at = self.last_article_at = None

    def resolve(self, path: str) -> tuple[bytes, str] | None:
        if path.startswith("/news/") and path.endswith(".html"):
            try:
                number = int(path[6:-5])
            except ValueError:
                return None
            if not 0 <= number < self.pages:
                return None
            now = time.monotonic()
            with self._lock:
                self.article_hits += 1
                self.first_article_at = self.first_article_at or now
                self.last_article_at = now
            return self.page(number), HTML_TYPE
        if path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /private/\nSitemap: {self.base}/sitemap-index.xml\n"
            return robots.encode(), "text/plain"
        sitemaps = range(0, self.pages, self.urls_per_sitemap)
        if path == "/sitemap-index.xml":
            entries = "".join(
                f"<sitemap><loc>{self.base}/sitemaps/{k}.xml</loc></sitemap>\n"
                for k in range(len(sitemaps))
            )
            return _xml("sitemapindex", entries), "application/xml"
        found = re.fullmatch(r"/sitemaps/(\d+)\.xml", path)
        if found and int(found[1]) < len(sitemaps):
            first = int(found[1]) * self.urls_per_sitemap
            last = min(first + self.urls_per_sitemap, self.pages)
            entries = "".join(f"<url><loc>{self.url(n)}</loc></url>\n" for n in range(first, last))
            return _xml("urlset", entries), "application/xml"
        return None

    def __enter__(self) -> CorpusSite:
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._tmp = tempfile.TemporaryDirectory(prefix="corpus-site-")
        (self.sites_dir / f"{SITE_ID}.toml").write_text(site_toml(self.base), encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()


def _xml(root: str, entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</{root}>\n'
    ).encode()


# -- running the crawler against it ------------------------------------------------------------

# What a benchmark user would set for a local site: no politeness delays, robots.txt obeyed
# (the project default), 16 requests at a time, a log a person can read.
BENCHMARK_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ROBOTSTXT_OBEY": "True",
    "LOG_LEVEL": "INFO",
}
# The framework-only baseline: pages fetched and counted, nothing extracted, no pipelines.
FRAMEWORK_ONLY = {"NEWSCRAWLER_EXTRACT": "False", "ITEM_PIPELINES": "{}"}
_PROXY_VARIABLES = {"no_proxy", "http_proxy", "https_proxy", "all_proxy"}
_STAT_RE = re.compile(r"'([^']+)': (\d+(?:\.\d+)?)[,}]")


@dataclass
class CrawlResult:
    """What one crawler process did."""

    returncode: int
    workdir: Path
    wall_seconds: float
    max_rss_mb: float
    stats: dict[str, float]
    samples: list[tuple[float, float, int]]  # (seconds since start, RSS MB, article pages served)

    @property
    def elapsed(self) -> float:
        """Scrapy's elapsed_time_seconds: spider opened to spider closed."""
        return self.stats.get("elapsed_time_seconds", self.wall_seconds)

    def articles_written(self) -> int:
        path = self.workdir / "out.jsonl"
        return path.read_bytes().count(b"\n") if path.exists() else 0

    def log_tail(self, chars: int = 3000) -> str:
        return (self.workdir / "stderr.txt").read_text("utf-8", "replace")[-chars:]


def memory_mb(pid: int) -> tuple[float, float] | None:
    """(RSS, peak RSS) of a live process in MB, from /proc (VmRSS, VmHWM)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {
        k: int(v.split()[0]) / 1024
        for k, _, v in (ln.partition(":") for ln in lines)
        if k in ("VmRSS", "VmHWM")
    }
    if len(values) < 2:
        return None
    return values["VmRSS"], values["VmHWM"]


def crawl_command(
    site: CorpusSite, settings: Mapping[str, str], redis_url: str | None = None
) -> list[str]:
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", SITE_ID]
    command += ["--sites", str(site.sites_dir), "-O", "out.jsonl", "--state", "state.sqlite3"]
    command += ["--redis", redis_url] if redis_url else []
    for name, value in {**BENCHMARK_SETTINGS, **settings}.items():
        command += ["-s", f"{name}={value}"]
    return command


def start_crawl(
    site: CorpusSite,
    workdir: Path,
    settings: Mapping[str, str] | None = None,
    redis_url: str | None = None,
) -> subprocess.Popen[bytes]:
    """A `newscrawler crawl corpussite` process in `workdir` (its own output, state, log)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "stderr.txt").open("wb") as err:
        return subprocess.Popen(
            crawl_command(site, settings or {}, redis_url),
            cwd=workdir,
            env=env,
            stdout=err,
            stderr=err,
        )


def finish_crawl(
    child: subprocess.Popen[bytes],
    site: CorpusSite,
    workdir: Path,
    started: float,
    sample_every: float = 0.0,
    on_sample: Callable[[float, float, int], None] | None = None,
    timeout: float = 7200,
) -> CrawlResult:
    """Wait for a crawl started by `start_crawl`; with `sample_every`, its RSS every that many
    seconds. The peak RSS is the process's high-water mark (VmHWM), read every 0.2 s: wait4's
    ru_maxrss would include the memory of this process, from before the child's exec."""
    samples: list[tuple[float, float, int]] = []
    next_sample = started
    peak = 0.0
    while True:
        pid, status, _ = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic()
        if now - started > timeout:
            child.kill()
            pid, status, _ = os.wait4(child.pid, 0)
            break
        memory = memory_mb(child.pid)
        if memory is not None:
            peak = max(peak, memory[1])
            if sample_every and now >= next_sample:
                sample = (now - started, memory[0], site.article_hits)
                samples.append(sample)
                if on_sample:
                    on_sample(*sample)
                next_sample += sample_every
        time.sleep(0.2)
    child.returncode = os.waitstatus_to_exitcode(status)
    log = (workdir / "stderr.txt").read_text("utf-8", "replace")
    dump = log.rsplit("Dumping Scrapy stats:", 1)[-1] if "Dumping Scrapy stats:" in log else ""
    return CrawlResult(
        returncode=child.returncode,
        workdir=workdir,
        wall_seconds=time.monotonic() - started,
        max_rss_mb=peak,
        stats={k: float(v) for k, v in _STAT_RE.findall(dump)},
        samples=samples,
    )


def run_crawl(
    site: CorpusSite,
    workdir: Path,
    settings: Mapping[str, str] | None = None,
    sample_every: float = 0.0,
    on_sample: Callable[[float, float, int], None] | None = None,
    timeout: float = 7200,
) -> CrawlResult:
    """One crawl of the whole site by one process, with fresh state in `workdir`."""
    site.reset_counts()
    started = time.monotonic()
    child = start_crawl(site, workdir, settings)
    return finish_crawl(child, site, workdir, started, sample_every, on_sample, timeout)


def add_site_arguments(parser: argparse.ArgumentParser, pages: int) -> None:
    parser.add_argument("--pages", type=int, default=pages, help=f"article pages (default {pages})")
    parser.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA, help="default ../shared/corpora"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="rebuild the page templates from the corpora"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_site_arguments(parser, 10_000)
    args = parser.parse_args(argv)
    templates, _ = load_templates(args.corpora, not args.no_cache)
    with CorpusSite(templates, args.pages) as site:
        print(f"serving {args.pages} pages at {site.base}/robots.txt; Ctrl-C stops")
        print(f"newscrawler crawl {SITE_ID} --sites {site.sites_dir} -O out.jsonl")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
