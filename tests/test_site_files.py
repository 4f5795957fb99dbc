"""Declarative site files (`<id>.toml`): loading, selectors, politeness, and start-up errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawler.exitcodes import EXIT_INTERRUPTED
from newscrawler.sites import SiteFileError, get_site, load_sites
from newscrawler.sites.files import load_site_file
from newscrawler.sites.registry import SITES_DIR_ENV
from newscrawler.spiders.sites import spider_class_for

from .conftest import ROOT
from .environment import child_environment

GOOD = """\
# A site written by us for the tests.
id = "example_news"
name = "Example News"
other_names = ["Example"]
language = "en"
domains = ["example.org"]
discovery = ["https://example.org/robots.txt"]
article_urls = ['^https://example\\.org/news/\\d+$']

remove = [{ css = "aside.related" }]

[politeness]
delay = 3.5
concurrency = 1

[selectors]
title = "//h1[@class='headline']"
authors = { css = "span.byline a" }
"""
PAGE = """<html><head><title>Other | Example News</title></head><body>
<h1 class="headline">The real headline</h1><span class="byline"><a>Ann Lee</a></span>
<article><p>First paragraph of the story, long enough to count as text.</p>
<aside class="related"><p>Related: another story</p></aside></article></body></html>"""


@pytest.fixture
def sites_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "sites"
    folder.mkdir()
    monkeypatch.setenv(SITES_DIR_ENV, str(folder))
    load_sites.cache_clear()
    yield folder
    load_sites.cache_clear()


def test_a_site_file_registers_a_site_with_its_rules(sites_dir: Path) -> None:
    (sites_dir / "example_news.toml").write_text(GOOD, encoding="utf-8")
    site = get_site("example_news")
    assert site.domains == ("example.org",)
    assert site.is_article_url("https://example.org/news/12")
    assert not site.is_article_url("https://example.org/news/")
    article = site.page_class("https://example.org/news/12", PAGE).extract()
    assert article.title == "The real headline"
    assert article.authors == ["Ann Lee"]
    assert article.extraction["authors"] == "site"
    assert "Related: another story" not in " ".join(article.body)
    settings = spider_class_for(site).custom_settings
    assert settings == {"DOWNLOAD_DELAY": 3.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}


def test_the_package_ships_declarative_sites() -> None:
    load_sites.cache_clear()
    shipped = sorted(p.stem for p in (ROOT / "newscrawler" / "sites").glob("*.toml"))
    assert shipped, "no newscrawler/sites/*.toml"
    for site_id in shipped:
        assert get_site(site_id).id == site_id


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('id = "example_news"\nname = "x\n', 2, "not valid TOML"),
        (
            GOOD.replace("[politeness]\n", "[politeness]\nspeed = 2\n"),
            13,
            "politeness.speed: unknown",
        ),
        (GOOD.replace('title = "//h1', 'title = "//h1[', 1), 17, "selectors.title: bad XPath"),
        (GOOD.replace('{ css = "span.byline a" }', '{ css = "span..a" }'), 18, "bad CSS"),
        (GOOD.replace("[selectors]\n", "[selectors]\nheadline = '//h1'\n"), 17, "unknown field"),
        (GOOD.replace('domains = ["example.org"]', 'domains = "example.org"'), 6, "must be a list"),
        (GOOD.replace("delay = 3.5", 'delay = "slow"'), 13, "must be a number"),
        (GOOD.replace('id = "example_news"', 'id = "other_news"'), 2, "rename the file"),
        (GOOD.replace("^https", "^(https"), 8, "bad regular expression"),
        (GOOD.replace("remove =", 'render = "yes"\nremove ='), 10, "render: must be true or false"),
        # A top-level key written after a [table] belongs to that table.
        (GOOD + "render = true\n", 19, "selectors.render: unknown field"),
        (GOOD.replace("domains", "domain"), 6, "unknown key"),
        # The words Python sites used before they took the site file's.
        (
            GOOD.replace("discovery =", "start_urls ="),
            7,
            "start_urls: unknown key; a site file calls it discovery",
        ),
        (
            GOOD.replace("domains =", "allowed_domains ="),
            6,
            "allowed_domains: unknown key; a site file calls it domains",
        ),
        # An empty domain list would switch the site boundary off.
        (GOOD.replace('["example.org"]', "[]"), 6, "domains: empty; the site boundary"),
        (GOOD.replace('["example.org"]', '["https://example.org/"]'), 6, "not a host name"),
        (GOOD.replace("delay = 3.5", "delay = nan"), 13, "delay: nan is out of range"),
        (GOOD.replace("delay = 3.5", "delay = 1e308"), 13, "delay: 1e+308 is out of range"),
        (GOOD.replace("delay = 3.5", "delay = inf"), 13, "delay: inf is out of range"),
        (GOOD.replace("concurrency = 1", "concurrency = 0"), 14, "concurrency: out of range"),
        (GOOD.replace("remove =", "render_wait = nan\nremove ="), 10, "render_wait: nan is out"),
        (
            GOOD.replace('"https://example.org/robots.txt"', '"example.org/robots.txt"'),
            7,
            "discovery: URL 'example.org/robots.txt' must be an absolute http(s) URL",
        ),
        (
            GOOD.replace('"https://example.org/robots.txt"', '"https://[::1/x"'),
            7,
            "discovery: URL 'https://[::1/x' is not a URL",
        ),
        (
            GOOD.replace("https://example.org/robots.txt", "https://evil.test/feed"),
            7,
            "discovery: URL host 'evil.test' is outside the site's allowed domains",
        ),
        (GOOD.replace('["https://example.org/robots.txt"]', "[]"), 7, "discovery: empty"),
        # A multi-line list: the error is on the line of the bad item.
        (
            GOOD.replace("article_urls = [", "article_urls = [\n  '^/a/',\n  '^(x',\n  "),
            10,
            "article_urls: bad regular expression '^(x'",
        ),
        (
            GOOD.replace(
                'discovery = ["https://example.org/robots.txt"]',
                'discovery = [\n  "https://example.org/a.xml",\n  "ftp://example.org/"\n]',
            ),
            9,
            "discovery: URL 'ftp://example.org/' must be an absolute http(s) URL",
        ),
    ],
)
def test_a_malformed_site_file_names_file_line_and_problem(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "example_news.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteFileError) as caught:
        load_site_file(path)
    error = str(caught.value)
    assert error.startswith(f"{path}:{line}: "), error
    assert error.count(str(path)) == 1, error  # the file named once, not once per layer
    assert message in error


def test_a_site_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "example_news.toml"
    path.write_bytes(GOOD.replace("Example News", "Exämple News").encode("latin-1"))
    with pytest.raises(SiteFileError) as caught:
        load_site_file(path)
    assert str(caught.value) == f"{path}:3: not UTF-8 text (byte 0xe4); save the file as UTF-8"


def test_a_site_module_without_domains_is_refused(tmp_path: Path) -> None:
    from newscrawler.sites import Site

    with pytest.raises(ValueError, match="domains: empty; the site boundary"):
        Site(id="nodomains", name="x", domains=(), discovery=("http://a.example/",))


def test_missing_required_key(tmp_path: Path) -> None:
    path = tmp_path / "example_news.toml"
    path.write_text('id = "example_news"\nname = "Example"\n', encoding="utf-8")
    with pytest.raises(SiteFileError, match=r"example_news\.toml:1: domains: missing"):
        load_site_file(path)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # This checkout's package, whatever an editable install elsewhere points at.
    child = {**child_environment(), "PYTHONPATH": str(ROOT)}
    child.pop(SITES_DIR_ENV, None)
    child.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", *args],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_and_crawl_take_a_sites_folder(tmp_path: Path) -> None:
    (tmp_path / "example_news.toml").write_text(GOOD, encoding="utf-8")
    listed = _cli("list", "--sites", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "example_news" in listed.stdout and "asahi" in listed.stdout
    (tmp_path / "example_news.toml").write_text(GOOD.replace("delay = 3.5", "delay = -1"))
    crawl = _cli("crawl", "example_news", "--sites", str(tmp_path))
    assert crawl.returncode == 2
    assert (
        f"{tmp_path / 'example_news.toml'}:13: politeness.delay: -1 is out of range" in crawl.stderr
    )
    assert "Traceback" not in crawl.stderr


def test_env_folder_with_a_broken_file_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('id = "broken"\nname = [\n', encoding="utf-8")
    result = _cli("list", env={SITES_DIR_ENV: str(tmp_path)})
    assert result.returncode == 2
    assert f"{tmp_path / 'broken.toml'}:2: not valid TOML" in result.stderr


def test_a_python_site_with_the_old_words_is_told_the_new_ones(sites_dir: Path) -> None:
    (sites_dir / "oldwords.py").write_text(
        "from newscrawler.sites import Site\n"
        "SITE = Site(id='oldwords', name='Old Words', allowed_domains=('example.org',),\n"
        "            start_urls=('https://example.org/robots.txt',))\n",
        encoding="utf-8",
    )
    with pytest.raises(SiteFileError) as caught:
        load_sites()
    message = str(caught.value)
    assert message.startswith(f"{sites_dir / 'oldwords.py'}: TypeError: ")
    assert message.endswith("; Site(allowed_domains=...) is now Site(domains=...)")
    assert "\n" not in message


def test_same_id_in_a_file_and_the_package_is_refused(sites_dir: Path) -> None:
    (sites_dir / "asahi.toml").write_text(GOOD.replace("example_news", "asahi"), encoding="utf-8")
    with pytest.raises(SiteFileError, match="already registered"):
        load_sites()
    os.environ.pop(SITES_DIR_ENV, None)


def test_a_site_file_without_domains_stops_start_up_before_any_request(tmp_path: Path) -> None:
    """`domains = []` once switched the boundary off: a redirect to 169.254.169.254 was
    followed. Now the crawl does not start; the local server sees no request at all."""
    from .faulty_server import FaultyServer

    with FaultyServer({}) as server:
        text = GOOD.replace('["example.org"]', "[]").replace(
            "https://example.org/robots.txt", server.url("/robots.txt")
        )
        (tmp_path / "example_news.toml").write_text(text, encoding="utf-8")
        crawl = _cli("crawl", "example_news", "--sites", str(tmp_path), "-O", "out.jsonl")
        hits = server.hits()
    assert crawl.returncode == 2, crawl.stderr[-2000:]
    assert crawl.stderr.strip() == (
        f"newscrawler: {tmp_path / 'example_news.toml'}:6: domains: empty; the site boundary "
        "would be off and every redirect followed: list the host names the site's pages are on"
    )
    assert hits == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("delay = 3.5", "delay = 1e308"), ":13: politeness.delay: 1e+308"),
        (lambda t: t.replace("delay = 3.5", "delay = nan"), ":13: politeness.delay: nan"),
        (lambda t: t.replace("Example News", "Exämple").encode("latin-1"), ":3: not UTF-8"),
        (lambda t: t.replace("https://example.org/robots.txt", "robots.txt"), ":7: discovery"),
    ],
)
def test_the_command_reports_a_bad_site_file_in_one_line(
    tmp_path: Path, change: Any, problem: str
) -> None:
    text = change(GOOD)
    path = tmp_path / "example_news.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    for command in (["list"], ["crawl", "example_news"]):
        result = _cli(*command, "--sites", str(tmp_path))
        assert result.returncode == 2, result.stderr[-2000:]
        assert result.stderr.startswith(f"newscrawler: {path}{problem}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_catastrophic_url_pattern_gives_up_and_signals_still_work(tmp_path: Path) -> None:
    """`(a|aa)+$` on a URL of 60 a's and a '!' backtracks through ~10^12 paths: Python's `re`
    froze the crawl at full CPU, deaf to SIGTERM and SIGINT. The `regex` engine gives up after
    PATTERN_TIMEOUT: such a URL is rejected with a counted reason, and after MAX_PATTERN_TIMEOUTS
    in one sitemap its other links are dropped at once. The crawl then waits on a slow article
    page, and a SIGTERM stops it gracefully."""
    from newscrawler.spiders.news import MAX_PATTERN_TIMEOUTS

    from .faulty_server import FAST_SETTINGS, FaultyServer, delayed, reply

    evil = [f"/news/{'a' * (60 + n)}!" for n in range(MAX_PATTERN_TIMEOUTS + 5)]
    routes = {
        "/robots.txt": reply("User-agent: *\nAllow: /\n", content_type="text/plain"),
        # Slow enough that only the SIGTERM ends the crawl.
        "/news/1": delayed(20, reply(PAGE.replace("The real headline", "A slow story"))),
    }
    with FaultyServer(routes) as server:
        entries = "".join(f"<url><loc>{server.url(p)}</loc></url>" for p in ["/news/1", *evil])
        routes["/sitemap.xml"] = reply(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>',
            content_type="application/xml",
        )
        text = (
            GOOD.replace('["example.org"]', '["127.0.0.1"]')
            .replace("https://example.org/robots.txt", server.url("/sitemap.xml"))
            .replace("'^https://example\\.org/news/\\d+$'", "'/news/(a|aa)+$', '/news/\\d+$'")
            .replace("delay = 3.5", "delay = 0")
        )
        sites = tmp_path / "sites"
        sites.mkdir()
        (sites / "example_news.toml").write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "newscrawler.cli", "crawl", "example_news", "-v"]
        command += ["--sites", str(sites), "--state", "state.sqlite3", "-O", "out.jsonl"]
        # A grace longer than the slow page: the stop is graceful, and the stats are dumped.
        settings = {**FAST_SETTINGS, "DOWNLOAD_TIMEOUT": "60", "NEWSCRAWLER_STOP_GRACE": "120"}
        command += [a for name, value in settings.items() for a in ("-s", f"{name}={value}")]
        env = {**child_environment(), "PYTHONPATH": str(ROOT)}
        env.pop(SITES_DIR_ENV, None)
        crawl = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        rejects_file = tmp_path / "rejects.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            if server.hits("/news/1") and "more links not matched" in _text(rejects_file):
                break  # the sitemap is done; the crawl waits on /news/1
            time.sleep(0.1)
        crawl.send_signal(signal.SIGTERM)
        try:
            stderr = crawl.communicate(timeout=90)[1].decode()
        finally:
            crawl.kill()
        fetched = {hit.path for hit in server.hits()}
    assert crawl.returncode == EXIT_INTERRUPTED, stderr[-3000:]
    assert "SIGTERM received: stopping" in stderr
    assert "'finish_reason': 'shutdown'" in stderr
    rejects = [json.loads(line) for line in _text(rejects_file).splitlines()]
    gave_up = [r for r in rejects if r["reason"] == "url-pattern-timeout"]
    assert [r["url"] for r in gave_up[:-1]] == [server.url(p) for p in evil[:MAX_PATTERN_TIMEOUTS]]
    assert "URL pattern '/news/(a|aa)+$' gave up" in gave_up[0]["detail"]
    assert gave_up[-1]["url"] == server.url("/sitemap.xml")
    assert gave_up[-1]["detail"].startswith("5 more links not matched")
    assert f"'newscrawler/spider/links/pattern_timeout': {MAX_PATTERN_TIMEOUTS}" in stderr
    assert "'newscrawler/spider/links/pattern_skipped': 5" in stderr
    assert not fetched & set(evil)


def _text(path: Path) -> str:
    return path.read_text("utf-8") if path.exists() else ""


def _scrapy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    child = {**child_environment(), "PYTHONPATH": str(ROOT)}
    child.pop(SITES_DIR_ENV, None)
    child.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,  # where scrapy.cfg is
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scrapy_names_an_unknown_site_in_one_line() -> None:
    result = _scrapy("crawl", "nosuch")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith(("20", " ", "{"))]
    assert errors == [f"scrapy: unknown site 'nosuch'; known sites: {', '.join(load_sites())}"]


@pytest.mark.parametrize("command", [["list"], ["crawl", "example_news"]])
def test_scrapy_reports_a_broken_site_file_in_one_line(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "example_news.toml"
    path.write_text(GOOD.replace("delay = 3.5", "delay = nan"), encoding="utf-8")
    result = _scrapy(*command, env={SITES_DIR_ENV: str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"scrapy: {path}:13: politeness.delay: nan is out of range; give seconds from 0 to 3600"
    )


def test_a_site_module_with_a_bad_start_url_stops_start_up(tmp_path: Path) -> None:
    """A Python site module's start URLs are checked before the crawl (they failed late, with
    a traceback, once Scrapy built the first request)."""
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "pysite.py").write_text(
        "from newscrawler.sites import Site\n"
        "SITE = Site(id='pysite', name='Py', domains=('127.0.0.1',),\n"
        "            discovery=('127.0.0.1/robots.txt',))\n",
        encoding="utf-8",
    )
    env = {**child_environment(), "PYTHONPATH": str(ROOT)}
    env.pop(SITES_DIR_ENV, None)
    result = subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "crawl", "pysite", "--sites", str(sites)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert "pysite: start_url '127.0.0.1/robots.txt' must be an absolute http(s) URL" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
