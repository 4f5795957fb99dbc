"""JavaScript pages: the scrapy-splash compatibility fixes, shell detection and page data, and
real crawls of fixtures/jspages through a real Splash server on 127.0.0.1.

Crawls that need Splash use the `splash` fixture: where Splash is not running they are skipped
with the reason, unless NEWSCRAWLER_REQUIRE_SPLASH is set (CI sets it), where they fail.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings

from newscrawler.extraction.embedded import embedded_article, is_script_shell
from newscrawler.sites import Site, load_sites
from newscrawler.splash import compat
from newscrawler.splash.addon import SPLASH_FINGERPRINTER, SplashAddon
from newscrawler.splash.config import splash_url
from newscrawler.splash.scripts import interaction_script, lua_string
from newscrawler.validation import article_schema

from .conftest import FIXTURES, ROOT
from .splash_harness import (
    JSPAGES,
    ForwardProxy,
    JSPagesServer,
    run_site_crawl,
    splash_is_up,
    splash_url_for_tests,
)

# Every article of fixtures/jspages: its title and a passage of its last paragraph, which only
# a complete page has (the last paragraph is the one scripts add last).
ARTICLES = {
    "static.html": ("Town library extends opening hours for exam season", "decide in April"),
    "delayed.html": ("Harbour ferry returns after engine repairs", "backup vessel"),
    "fetched.html": ("Night market moves to the riverside park", "quieter evenings"),
    "next-data.html": ("City council approves new bicycle lanes", "delivery bays"),
    "initial-state.html": ("Rice harvest festival draws record crowd", "third day"),
    "jsonld-shell.html": ("Mountain road reopens after landslide", "normal timetable"),
    "interactive/scroll.html": ("Coastal rail line to get new timetable", "two weeks before"),
    "interactive/click.html": ("Volunteers clean up the river after flood", "second clean-up"),
    "interactive/wait.html": ("Election turnout reaches 62 percent", "takes office"),
}
RENDER_MIDDLEWARE = "newscrawler.splash.middleware.SplashRenderMiddleware"
ARGS_MIDDLEWARE = "newscrawler.splash.middleware.SplashArgsMiddleware"
EMBEDDED = {"next-data.html", "initial-state.html", "jsonld-shell.html"}
NEEDS_RENDERING = {
    "delayed.html",
    "fetched.html",
    "never.html",
    "interactive/scroll.html",
    "interactive/click.html",
    "interactive/wait.html",
}


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def splash() -> str:
    """The URL of a running Splash server; skipped (locally) or failed (CI) without one."""
    url = splash_url_for_tests()
    if not splash_is_up(url):
        message = (
            f"no Splash server answers at {url}: start one with `bash tools/splash-server.sh`"
            " (or `docker run -p 8050:8050 scrapinghub/splash`)"
        )
        if os.environ.get("NEWSCRAWLER_REQUIRE_SPLASH"):
            pytest.fail(message + "; NEWSCRAWLER_REQUIRE_SPLASH is set, so this is an error")
        pytest.skip(message + "; set NEWSCRAWLER_REQUIRE_SPLASH=1 to fail instead of skipping")
    return url


@pytest.fixture(scope="module")
def jspages() -> Iterator[JSPagesServer]:
    with JSPagesServer() as server:
        yield server


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def page_of(url: str) -> str:
    return url.split("/", 3)[3]


def written(cwd: Path) -> dict[str, dict[str, Any]]:
    return {page_of(a["url"]): a for a in read_jsonl(cwd / "out.jsonl")}


def rejected(cwd: Path) -> dict[str, dict[str, Any]]:
    return {page_of(r["url"]): r for r in read_jsonl(cwd / "rejects.jsonl")}


def render_stats(report: dict[str, Any]) -> dict[str, int]:
    prefix = "newscrawler/render/"
    return {k[len(prefix) :]: v for k, v in report["stats"].items() if k.startswith(prefix)}


def assert_complete(article: dict[str, Any], page: str) -> None:
    title, last_passage = ARTICLES[page]
    assert article["title"] == title
    assert len(article["body"]) >= 3, article["body"]
    assert last_passage in article["body"][-1], article["body"]
    jsonschema.Draft202012Validator(article_schema()).validate(article)


def splash_warnings(stderr: str) -> list[str]:
    """Python warnings the crawl logged that come from the Splash integration."""
    return [
        line
        for line in stderr.splitlines()
        if "py.warnings" in line
        and ("splash" in line.lower() or "Deprecat" in line)
        and "newscrawler/safety" not in line
    ]


def with_localhost(url: str) -> str:
    # Splash by a host name outside the site's domains (127.0.0.1): the request to it
    # must not be dropped by Scrapy's offsite filter (compat fix 4).
    return url.replace("://127.0.0.1", "://localhost")


# -- compatibility module ------------------------------------------------------------------------


def test_scrapy_splash_needs_the_compat_module_on_this_scrapy() -> None:
    # Fails when a scrapy-splash release imports on its own: then drop fix 1 of compat.py.
    plain = subprocess.run(
        [sys.executable, "-c", "import scrapy_splash"], capture_output=True, text=True, check=False
    )
    assert plain.returncode != 0
    assert "cannot import name 'canonicalize_url'" in plain.stderr


def test_compat_fixes_exactly_the_known_breakages_once_and_warns_about_nothing() -> None:
    code = (
        "import newscrawler.splash.middleware\n"
        "from newscrawler.splash import compat\n"
        "first = compat.applied()\n"
        "compat.apply()\n"
        "assert compat.applied() == first, compat.applied()\n"
        "print(','.join(first))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0].split(",") == [
        "canonicalize_url",
        "deduplicate_args_async",
        "public_slot_key",
        "allow_offsite",
    ]


def test_patched_middlewares_fit_scrapy_2_19_middleware_managers() -> None:
    from scrapy.core.spidermw import SpiderMiddlewareManager
    from scrapy_splash import SplashDeduplicateArgsMiddleware, SplashMiddleware

    import newscrawler.splash  # noqa: F401 - applies compat

    mw = SplashDeduplicateArgsMiddleware()
    # Scrapy 2.19 raises TypeError for a sync-only process_spider_output; this picks the async one.
    method = SpiderMiddlewareManager._get_process_spider_output(mw)
    assert method is not None and method.__name__ == "process_spider_output_async"
    assert hasattr(mw, "process_start")
    assert "canonicalize_url" in compat.applied()
    assert getattr(SplashMiddleware._get_slot_key, "_newscrawler", False)


def test_failure_kinds_name_what_went_wrong() -> None:
    from scrapy.exceptions import DownloadConnectionRefusedError, DownloadTimeoutError
    from twisted.internet.error import ConnectionLost
    from twisted.python.failure import Failure

    from newscrawler.splash.rendering import failure_kind

    def kind(exc: Exception) -> str:
        return failure_kind(Failure(exc), 30)[0]

    assert kind(DownloadConnectionRefusedError("refused")) == "unreachable"
    assert kind(DownloadTimeoutError("took longer than 35 seconds")) == "timeout"
    assert kind(ConnectionLost()) == "disconnected"
    assert kind(ValueError("odd")) == "error"


# -- settings ------------------------------------------------------------------------------------


def test_splash_url_is_optional_and_checked() -> None:
    assert splash_url(Settings()) is None
    assert splash_url(Settings({"SPLASH_URL": " http://127.0.0.1:8050 "})) == (
        "http://127.0.0.1:8050/"
    )
    with pytest.raises(ValueError, match="SPLASH_URL must be the Splash server's http"):
        splash_url(Settings({"SPLASH_URL": "127.0.0.1:8050"}))


def test_splash_components_only_when_splash_is_configured() -> None:
    default = Settings()
    before = default.copy_to_dict()
    with pytest.raises(NotConfigured):
        SplashAddon().update_settings(default)
    assert default.copy_to_dict() == before
    configured = Settings({"SPLASH_URL": "http://127.0.0.1:8050"})
    SplashAddon().update_settings(configured)
    assert configured.get("REQUEST_FINGERPRINTER_CLASS") == SPLASH_FINGERPRINTER
    assert configured.getdict("DOWNLOADER_MIDDLEWARES")[RENDER_MIDDLEWARE] == 725
    assert configured.getdict("SPIDER_MIDDLEWARES")[ARGS_MIDDLEWARE] == 100
    own = Settings({"SPLASH_URL": "http://x:1", "REQUEST_FINGERPRINTER_CLASS": "my.Fingerprinter"})
    SplashAddon().update_settings(own)
    assert own.get("SCRAPY_SPLASH_REQUEST_FINGERPRINTER_BASE_CLASS") == "my.Fingerprinter"
    with pytest.raises(ValueError, match="SPLASH_URL must be the Splash server's http"):
        SplashAddon().update_settings(Settings({"SPLASH_URL": "127.0.0.1:8050"}))


@pytest.mark.parametrize("priority", ["project", "cmdline"])
def test_the_project_lists_the_splash_addon_and_it_sees_splash_url_from_the_command_line(
    priority: str,
) -> None:
    """As `scrapy crawl` builds a crawl: the project's settings, `-s` over them at 'cmdline',
    then, when the crawl starts, the project's add-ons with both in."""
    settings = Settings()
    settings.setmodule("newscrawler.settings", priority="project")
    settings.set("SPLASH_URL", "http://127.0.0.1:8050", priority=priority)
    crawler = Crawler(Spider, settings)
    crawler.addons.load_settings(crawler.settings)
    assert [type(addon) for addon in crawler.addons.addons] == [SplashAddon]
    assert crawler.settings.get("REQUEST_FINGERPRINTER_CLASS") == SPLASH_FINGERPRINTER
    assert crawler.settings.getdict("DOWNLOADER_MIDDLEWARES")[RENDER_MIDDLEWARE] == 725


def test_site_rendering_defaults_off() -> None:
    site = Site(id="plain", name="Plain", domains=("a.example",), discovery=("x",))
    assert not site.needs_rendering("https://a.example/news/1")
    some = Site(
        id="some",
        name="Some",
        domains=("a.example",),
        discovery=("x",),
        render_urls=(r"/live/",),
    )
    assert some.needs_rendering("https://a.example/live/1")
    assert not some.needs_rendering("https://a.example/news/1")
    for registered in load_sites().values():
        assert not registered.render and not registered.render_urls


# -- shells and page data ------------------------------------------------------------------------


def _page(name: str) -> str:
    return (JSPAGES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(NEEDS_RENDERING | EMBEDDED | {"slow.html"}))
def test_script_built_pages_are_shells(name: str) -> None:
    assert is_script_shell(_page(name))


def test_static_pages_are_not_shells() -> None:
    assert not is_script_shell(_page("static.html"))
    # Every real saved page of the registered sites, many of them script-heavy.
    pages = list(FIXTURES.glob("*/site/**/*.html")) + list(FIXTURES.glob("*/site/**/*.html.gz"))
    assert pages
    for path in pages:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            raw = gzip.decompress(raw)
        assert not is_script_shell(raw.decode("utf-8", "replace")), path


def test_article_text_from_next_data() -> None:
    found = embedded_article(_page("next-data.html"), min_chars=200)
    assert found is not None and found.source == "next-data"
    assert found.title == "City council approves new bicycle lanes"
    assert len(found.paragraphs) == 3 and "delivery bays" in found.paragraphs[-1]


def test_article_text_from_initial_state_html_string() -> None:
    found = embedded_article(_page("initial-state.html"), min_chars=200)
    assert found is not None and found.source == "initial-state"
    assert found.paragraphs[2] == "Next year"  # the subheading is its own entry
    assert "third day" in found.paragraphs[-1]


def test_article_text_from_json_ld_article_body() -> None:
    found = embedded_article(_page("jsonld-shell.html"), min_chars=200)
    assert found is not None and found.source == "json-ld" and len(found.paragraphs) == 3


def test_page_state_in_json_parse_and_non_json_scripts() -> None:
    text = "A paragraph long enough to be the story. " * 8
    parsed = json.dumps(json.dumps({"story": {"headline": "H", "bodyText": text}}))
    script = f"window.__PRELOADED_STATE__ = JSON.parse({parsed});"
    page = f"<html><body><div id=app></div><script>{script}</script></body></html>"
    found = embedded_article(page, min_chars=200)
    assert found is not None and found.source == "preloaded-state" and found.title == "H"
    nuxt = "<script>window.__NUXT__=(function(a){return {body:a}}('x'));</script>"
    assert embedded_article(f"<html><body>{nuxt}</body></html>") is None
    assert embedded_article(page, min_chars=10_000) is None  # too short to be the article


def test_nothing_embedded_in_pages_built_from_scripts_alone() -> None:
    for name in ("delayed.html", "fetched.html", "never.html"):
        assert embedded_article(_page(name), min_chars=200) is None, name


def test_lua_strings_cannot_break_out_of_the_script() -> None:
    assert lua_string('a"b\\c\n') == '"a\\"b\\\\c\\010"'
    script = interaction_script(wait_for='p"); os.exit(1) --', scroll=2, click="button.more")
    assert 'splash:select("p\\"); os.exit(1) --")' in script
    assert "for _ = 1, 2 do" in script and 'splash:select("button.more")' in script


# -- real crawls without Splash ------------------------------------------------------------------


def test_without_splash_js_pages_are_rejected_with_a_reason(
    tmp_path: Path, jspages: JSPagesServer
) -> None:
    result, report = run_site_crawl(jspages.base, tmp_path, settings={"SPLASH_URL": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    articles = written(tmp_path)
    assert set(articles) == {"static.html"} | EMBEDDED
    for page, article in articles.items():
        assert_complete(article, page)
    rejects = rejected(tmp_path)
    assert set(rejects) == NEEDS_RENDERING
    assert {r["reason"] for r in rejects.values()} == {"needs-rendering"}
    assert render_stats(report) == {
        "shell": 9,
        "embedded/next-data": 1,
        "embedded/initial-state": 1,
        "embedded/json-ld": 1,
        "unavailable": 6,
    }
    # No Splash component runs and nothing about fingerprints changes.
    assert "SplashRenderMiddleware" not in result.stderr
    assert "SplashArgsMiddleware" not in result.stderr
    assert "REQUEST_FINGERPRINTER_CLASS" not in result.stderr
    assert result.stderr.count("asks for rendering but SPLASH_URL is not set") == 1
    assert not splash_warnings(result.stderr)


class _SplashThatGoesAway:
    """A port that accepts one connection (a start-up check's) and is then closed, like a
    Splash server that stopped after the crawl started: later connections are refused."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve_once, daemon=True)

    def _serve_once(self) -> None:
        try:
            connection, _ = self._socket.accept()
            connection.close()
        except OSError:
            pass
        finally:
            self._socket.close()

    def __enter__(self) -> _SplashThatGoesAway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def test_unreachable_splash_is_one_log_line_and_the_crawl_goes_on(
    tmp_path: Path, jspages: JSPagesServer
) -> None:
    with _SplashThatGoesAway() as gone:
        result, report = run_site_crawl(jspages.base, tmp_path, settings={"SPLASH_URL": gone.url})
    assert result.returncode == 0, result.stderr[-3000:]
    articles = written(tmp_path)
    assert set(articles) == {"static.html"} | EMBEDDED  # the pages that need no rendering
    rejects = rejected(tmp_path)
    assert set(rejects) == NEEDS_RENDERING
    assert {r["reason"] for r in rejects.values()} == {"render-failed"}
    stats = render_stats(report)
    errors = {k: v for k, v in stats.items() if k.startswith("error/")}
    assert sum(errors.values()) == len(NEEDS_RENDERING)  # one counted error per page
    assert errors.get("error/unreachable", 0) >= len(NEEDS_RENDERING) - 1
    lines = [line for line in result.stderr.splitlines() if "rendering through Splash" in line]
    assert len([line for line in lines if "unreachable" in line]) == 1, lines
    assert "Traceback" not in result.stderr


# -- real crawls through Splash ------------------------------------------------------------------


def test_crawl_through_splash_writes_every_js_article_complete(
    tmp_path: Path, jspages: JSPagesServer, splash: str
) -> None:
    before = len(jspages.requests)
    result, report = run_site_crawl(
        jspages.base, tmp_path, settings={"SPLASH_URL": with_localhost(splash)}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    articles = written(tmp_path)
    assert set(articles) == set(ARTICLES)
    for page, article in articles.items():
        assert_complete(article, page)
    # The page whose script never builds an article is rejected, not written half-empty.
    assert {p: r["reason"] for p, r in rejected(tmp_path).items()} == {"never.html": "render-empty"}
    assert render_stats(report) == {
        "shell": 6,
        "embedded/next-data": 1,
        "embedded/initial-state": 1,
        "embedded/json-ld": 1,
        "request/fallback": 3,  # delayed, fetched, never: render.html
        "request/site": 3,  # interactive/*: the site's Lua script
        "rendered": 5,
        "error/empty": 1,
    }
    stats = report["stats"]
    assert stats["splash/render.html/request_count"] == 3
    assert stats["splash/execute/request_count"] == 3
    assert "offsite/filtered" not in stats
    assert SPLASH_FINGERPRINTER in result.stderr  # the overridden setting, logged by Scrapy
    assert not splash_warnings(result.stderr)
    # Splash fetched the pages with the crawler's user agent and its own Accept-Encoding.
    # (interactive pages are fetched through Splash only: the site asks for it)
    through_splash = [h for p, h in jspages.requests[before:] if p == "/interactive/click.html"]
    assert through_splash and all("newscrawler" in h["User-Agent"] for h in through_splash)
    assert all("br" not in h.get("Accept-Encoding", "") for h in through_splash)


def test_render_html_for_every_page_when_the_site_asks(
    tmp_path: Path, jspages: JSPagesServer, splash: str
) -> None:
    result, report = run_site_crawl(
        jspages.base, tmp_path, variant="render-all", settings={"SPLASH_URL": splash}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    articles = written(tmp_path)
    assert set(articles) == {"static.html", "delayed.html", "fetched.html"} | EMBEDDED
    for page, article in articles.items():
        assert_complete(article, page)
    # A load and a wait do not scroll or click: those pages come back half-built and are
    # rejected rather than written with their first paragraph only.
    rejects = rejected(tmp_path)
    assert set(rejects) == {"never.html"} | {p for p in ARTICLES if p.startswith("interactive/")}
    assert {r["reason"] for r in rejects.values()} == {"render-empty"}
    stats = render_stats(report)
    assert stats["request/site"] == 10
    assert "request/fallback" not in stats
    assert report["stats"]["splash/render.html/request_count"] == 10


def test_splash_timeout_is_counted_and_the_crawl_goes_on(
    tmp_path: Path, jspages: JSPagesServer, splash: str
) -> None:
    result, report = run_site_crawl(
        jspages.base,
        tmp_path,
        start_url=f"{jspages.base}/sitemap-slow.xml",
        settings={"SPLASH_URL": splash, "NEWSCRAWLER_RENDER_TIMEOUT": 1},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(written(tmp_path)) == {"static.html", "next-data.html"}
    rejects = rejected(tmp_path)
    assert set(rejects) == {"slow.html"}
    assert rejects["slow.html"]["reason"] == "render-failed"
    assert rejects["slow.html"]["detail"].startswith("timeout:")
    assert render_stats(report)["error/timeout"] == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "timeout" in errors[0], errors


def test_behind_a_proxy_splash_fetches_pages_through_it_and_is_reached_directly(
    tmp_path: Path, jspages: JSPagesServer, splash: str
) -> None:
    with ForwardProxy() as proxy:
        result, _ = run_site_crawl(
            jspages.base, tmp_path, settings={"SPLASH_URL": splash}, proxy=proxy.url
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(written(tmp_path)) == set(ARTICLES)
    # Scripts and their data are fetched by the browser in Splash only: through the proxy.
    assert f"{jspages.base}/assets/click.js" in proxy.urls
    assert f"{jspages.base}/data/fetched.json" in proxy.urls
    splash_port = splash.rsplit(":", 1)[-1]
    assert not [u for u in proxy.urls if f":{splash_port}/" in u]
