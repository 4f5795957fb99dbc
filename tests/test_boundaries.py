"""The crawl's boundaries: no request leaves the allowed domains (redirects included), sizes are
capped after decompression too, sitemaps and feeds never expand entities or fetch anything,
output paths stay in their folder, credentials never reach logs, summaries, rejects or error
messages, and a bad configuration stops the crawl before anything is fetched."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawler.exitcodes import EXIT_NOTHING_FETCHED
from newscrawler.safety.hosts import host_allowed, start_url_problem
from newscrawler.safety.paths import (
    UnsafePathError,
    expand_output_path,
    path_within,
    safe_component,
    url_file_name,
)
from newscrawler.safety.redact import RedactingFilter, add_secrets_from_urls, redact, url_secrets

from .conftest import FIXTURES, ROOT
from .environment import child_environment
from .faulty_server import (
    SITES_DIR,
    Behaviour,
    FaultyServer,
    crawl_test_site,
    delayed,
    gzip_bomb,
    redirect,
    reply,
)

PAGE = (FIXTURES / "hostile" / "truncated.html").read_bytes()
ROBOTS_OK = reply("User-agent: *\nAllow: /\n", content_type="text/plain")
# A script-built article shell: with SPLASH_URL set, the spider fetches it again through Splash.
SHELL = reply(
    '<html><head><title>An app</title><script src="/bundle.js"></script></head>'
    '<body><div id="root"></div></body></html>'
)
MIB = 1024 * 1024


def page(title: str) -> bytes:
    return PAGE.replace(b"State budget passes after long fight", title.encode())


def sitemap(base: str, paths: list[str]) -> Behaviour:
    entries = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return reply(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>',
        content_type="application/xml",
    )


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- no request outside the allowed domains -------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("news.example.com", True),
        ("NEWS.Example.COM.", True),
        ("example.com", True),
        ("badexample.com", False),
        ("example.com.evil.org", False),
        ("", False),
        (None, False),
    ],
)
def test_host_allowed(host: str | None, allowed: bool) -> None:
    assert host_allowed(host, ["example.com", "127.0.0.1"]) is allowed


@pytest.fixture
def proxied_site() -> Iterator[tuple[FaultyServer, dict[str, Behaviour]]]:
    """A server that is both the site and the HTTP proxy the crawl goes through, so it sees
    every request the crawler makes, to any host."""
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        yield server, routes


def _foreign(server: FaultyServer) -> list[str]:
    return [f"{h.host}{h.path}" for h in server.hits() if "elsewhere" in h.host]


def test_scrapy_alone_follows_a_start_url_redirect_to_another_site(
    proxied_site: tuple[FaultyServer, dict[str, Behaviour]], tmp_path: Path
) -> None:
    """Why AllowedDomainsMiddleware exists: Scrapy 2.19's OffsiteMiddleware lets through a
    `dont_filter` request (every start URL), and RedirectMiddleware copies `dont_filter` onto
    the redirect."""
    server, routes = proxied_site
    routes["/start.xml"] = redirect("http://elsewhere.test/sitemap.xml")
    ours_off = '{"newscrawler.safety.boundary.AllowedDomainsMiddleware": null}'
    run = crawl_test_site(
        server.url("/start.xml"),
        tmp_path,
        settings={"DOWNLOADER_MIDDLEWARES": ours_off},  # Scrapy's own middlewares only
        env={"http_proxy": server.base},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "elsewhere.test/sitemap.xml" in _foreign(server)


def test_no_redirect_leaves_the_site(
    proxied_site: tuple[FaultyServer, dict[str, Behaviour]], tmp_path: Path
) -> None:
    server, routes = proxied_site
    routes["/start.xml"] = redirect("http://elsewhere.test/sitemap.xml")  # a start URL
    run = crawl_test_site(server.url("/start.xml"), tmp_path, env={"http_proxy": server.base})
    assert run.returncode == 0, run.stderr[-3000:]
    assert _foreign(server) == []
    reject = next(r for r in run.rejects() if r["reason"] == "offsite")
    assert reject["url"] == "http://elsewhere.test/sitemap.xml"
    assert "redirected from " + server.url("/start.xml") in reject["detail"]
    assert run.stat("newscrawler/boundary/offsite") == 1


def test_no_article_or_robots_redirect_leaves_the_site(
    proxied_site: tuple[FaultyServer, dict[str, Behaviour]], tmp_path: Path
) -> None:
    server, routes = proxied_site
    routes["/robots.txt"] = redirect("http://elsewhere.test/robots.txt")
    routes["/moved"] = redirect("http://sub.elsewhere.test/moved", status=301)
    routes["/stays"] = redirect("/here")
    routes["/here"] = reply(page("Redirected within the site"))
    routes["/sitemap.xml"] = sitemap(server.base, ["/moved", "/stays"])
    run = crawl_test_site(server.url("/sitemap.xml"), tmp_path, env={"http_proxy": server.base})
    assert run.returncode == 0, run.stderr[-3000:]
    assert _foreign(server) == []
    assert [a["title"] for a in run.articles()] == ["Redirected within the site"]
    assert any(r["url"] == "http://sub.elsewhere.test/moved" for r in run.rejects())


def test_a_start_url_of_another_site_is_refused_at_start_up(tmp_path: Path) -> None:
    assert start_url_problem("http://127.0.0.1:8080/x", ["127.0.0.1"]) is None
    assert "outside the site's allowed domains" in str(
        start_url_problem("http://elsewhere.test/", ["127.0.0.1"])
    )
    assert "absolute http(s) URL" in str(start_url_problem("file:///etc/passwd", ["127.0.0.1"]))
    run = crawl_test_site("http://elsewhere.test/sitemap.xml", tmp_path)
    assert run.returncode == 2
    assert "start_url host 'elsewhere.test' is outside" in run.stderr
    assert "Traceback" not in run.stderr


# -- no request to a loopback, private or link-local address that is not the site's own -------


def test_a_redirect_to_a_link_local_address_is_refused_before_any_connection(
    proxied_site: tuple[FaultyServer, dict[str, Behaviour]], tmp_path: Path
) -> None:
    """The test site names 127.0.0.1 as its domain, so loopback at 127.0.0.1 is its own; a
    redirect to the metadata address is refused as such, not merely as another host. The
    server is also the crawl's proxy: whatever the crawler tried to reach, it would see."""
    server, routes = proxied_site
    routes["/story"] = redirect("http://169.254.169.254/latest/meta-data/")
    routes["/other"] = redirect("http://127.0.0.2/news/2")  # loopback, but not the site's
    routes["/sitemap.xml"] = sitemap(server.base, ["/story", "/other"])
    run = crawl_test_site(server.url("/sitemap.xml"), tmp_path, env={"http_proxy": server.base})
    assert run.returncode == 0, run.stderr[-3000:]
    assert [h.host for h in server.hits() if not h.host.startswith("127.0.0.1")] == []
    rejects = {r["url"]: r for r in run.rejects()}
    metadata = rejects["http://169.254.169.254/latest/meta-data/"]
    assert metadata["reason"] == "private-address"
    assert "is link-local, not the site's own" in metadata["detail"]
    assert "redirected from " + server.url("/story") in metadata["detail"]
    assert rejects["http://127.0.0.2/news/2"]["reason"] == "private-address"
    assert run.stat("newscrawler/boundary/private_address") == 2
    assert run.stat("newscrawler/rejected/private-address") == 2
    assert run.articles() == []


# Public documentation addresses (RFC 5737) stand for the site's own public servers.
RESOLVES = {
    "news.example.org": "192.0.2.10",
    "example.org": "192.0.2.10",
    "metadata.example.org": "169.254.169.254",
    "intranet.example": "10.0.0.5",
    "www.intranet.example": "10.0.0.5",
    "db.intranet.example": "10.0.0.6",
}


async def _resolve(host: str) -> str | None:
    # DNS cannot be pointed at test names here; the middleware takes its resolver as a value.
    return RESOLVES.get(host)


def _refusal(domains: list[str], url: str) -> str | None:
    from scrapy import Request

    from newscrawler.safety.boundary import AllowedDomainsMiddleware, PrivateAddressError

    middleware = AllowedDomainsMiddleware(resolve=_resolve, domains=domains)
    try:
        asyncio.run(middleware.process_request(Request(url)))
    except PrivateAddressError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(
    ("domains", "url", "refused"),
    [
        (["example.org"], "http://news.example.org/a", None),
        (["example.org"], "http://metadata.example.org/latest/", "169.254.169.254"),
        (["example.org"], "http://169.254.169.254/", "is link-local"),
        (["example.org"], "http://[::ffff:169.254.169.254]/", "is link-local"),
        (["example.org"], "http://169.254.169.254./", "is link-local"),
        (["example.org"], "http://10.0.0.5/", "is private"),
        (["example.org"], "http://[::1]/", "is loopback"),
        (["example.org"], "http://0.0.0.0/", "is unspecified"),
        # A site on a private network: its own domains resolve there.
        (["intranet.example"], "http://www.intranet.example/news/1", None),
        (["intranet.example", "10.0.0.5"], "http://10.0.0.5/news/1", None),
        (["intranet.example"], "http://db.intranet.example/", "10.0.0.6 (db.intranet.example)"),
        (["127.0.0.1"], "http://127.0.0.1:8080/news/1", None),
        (["127.0.0.1"], "http://127.0.0.2/", "is loopback"),
    ],
)
def test_a_non_public_address_is_refused_unless_the_site_is_there(
    domains: list[str], url: str, refused: str | None
) -> None:
    problem = _refusal(domains, url)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem


# -- sizes capped after decompression ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_download_maxsize_caps_the_decompressed_body(encoding: str, tmp_path: Path) -> None:
    """Scrapy 2.19's HttpCompressionMiddleware applies DOWNLOAD_MAXSIZE while it inflates: a
    body of a few KiB on the wire that inflates past the cap is dropped, one under it is read."""
    small = page("Compressed page under the cap") + b"<!--" + b" " * (MIB // 2) + b"-->"
    big = page("Compressed page over the cap") + b"<!--" + b" " * (2 * MIB) + b"-->"

    def encoded(data: bytes) -> bytes:
        return gzip.compress(data) if encoding == "gzip" else zlib.compress(data)

    assert len(encoded(big)) < 64 * 1024
    headers = {"Content-Encoding": encoding}
    routes: dict[str, Behaviour] = {
        "/robots.txt": ROBOTS_OK,
        "/small": reply(encoded(small), headers=headers),
        "/big": reply(encoded(big), headers=headers),
    }
    with FaultyServer(routes) as server:
        routes["/sitemap.xml"] = sitemap(server.base, ["/small", "/big"])
        run = crawl_test_site(
            server.url("/sitemap.xml"), tmp_path, settings={"DOWNLOAD_MAXSIZE": str(MIB)}
        )
    assert run.returncode == 0, run.stderr[-3000:]
    assert [a["title"] for a in run.articles()] == ["Compressed page under the cap"]
    reject = next(r for r in run.rejects() if r["url"].endswith("/big"))
    assert reject["reason"] == "too-large"
    assert "during decompression" in reject["detail"]


def test_a_gzip_bomb_costs_no_more_than_the_cap(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK, "/bomb": gzip_bomb(4096 * MIB)}
    with FaultyServer(routes) as server:
        routes["/sitemap.xml"] = sitemap(server.base, ["/bomb"])
        run = crawl_test_site(server.url("/sitemap.xml"), tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert [r["reason"] for r in run.rejects()] == ["too-large"]
    assert run.max_rss_mb < 400, run.max_rss_mb  # 4 GiB inflated would need 4 GiB


# -- sitemaps and feeds: no entity expansion, no network -------------------------------------


def test_a_feed_with_external_entities_fetches_nothing(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        routes["/feed.rss"] = reply(
            f"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY file SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "{server.base}/canary-entity">
  <!ENTITY % dtd SYSTEM "{server.base}/canary-dtd">
  %dtd;
]>
<rss version="2.0"><channel><title>&file;</title>
<item><title>&remote;</title><link>{server.base}/item</link></item>
</channel></rss>""",
            content_type="application/rss+xml",
        )
        routes["/item"] = reply(page("A feed item"))
        run = crawl_test_site(server.url("/feed.rss"), tmp_path)
        paths = [h.path for h in server.hits()]
    assert run.returncode == 0, run.stderr[-3000:]
    assert not [p for p in paths if p.startswith(("/canary", "/item"))], paths
    (reject,) = run.rejects()
    assert reject["reason"] == "discovery-feed" and "entities" in reject["detail"]
    assert "root:x:0:0" not in run.stderr + (tmp_path / "rejects.jsonl").read_text()


# -- output paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../escape", "a/b", "..", ".", "", "x\0y", "/etc/passwd", "con", "nul.txt", "a\\b", "é"],
)
def test_hostile_names_cannot_become_output_files(name: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_component(name)
    with pytest.raises(UnsafePathError):
        expand_output_path("out/%(name)s.jsonl", name, "2024-01-01T00-00-00")


def test_output_templates_stay_in_their_folder(tmp_path: Path) -> None:
    assert expand_output_path("out/%(name)s.jsonl", "jmh", "t") == Path("out/jmh.jsonl")
    assert expand_output_path("plain.jsonl", "../x", "t") == Path("plain.jsonl")
    with pytest.raises(UnsafePathError):
        expand_output_path("out/%(name)s/../../../x.jsonl", "jmh", "t")
    assert path_within(tmp_path, "a", "b.json") == tmp_path.resolve() / "a" / "b.json"
    for escape in (("..", "x"), ("/etc/passwd",), ("a", "..", "..", "x")):
        with pytest.raises(UnsafePathError):
            path_within(tmp_path, *escape)
    (tmp_path / "link").symlink_to("/")
    with pytest.raises(UnsafePathError):
        path_within(tmp_path, "link", "etc")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news/a?b=c",
        "http://example.com/../../../../etc/passwd",
        "http://example.com/%2e%2e%2f%2e%2e%2fetc",
        "http://example.com/" + "x" * 5000,
        "http://[::1]/\u202egnp.exe",
        "http://例え.jp/記事/１",
    ],
)
def test_url_file_names_are_one_safe_component(url: str, tmp_path: Path) -> None:
    name = url_file_name(url, ".html")
    assert safe_component(name) == name
    assert path_within(tmp_path, name).parent == tmp_path.resolve()
    assert url_file_name(url + "#other") != name  # the hash keeps distinct URLs apart


def test_an_output_template_is_expanded_inside_its_folder(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        routes["/a"] = reply(page("Written under the template"))
        routes["/sitemap.xml"] = sitemap(server.base, ["/a"])
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            extra_args=["-s", "NEWSCRAWLER_OUTPUT=runs/%(name)s.jsonl"],
            output=None,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "runs" / "hostile.jsonl").read_text().count("\n") == 1


# -- credentials never leak ----------------------------------------------------------------


def test_redact_removes_userinfo_and_known_secrets() -> None:
    assert redact("proxy http://user:pa@ss@127.0.0.1:8011/x") == "proxy http://***@127.0.0.1:8011/x"
    assert redact("redis://:hunter22@localhost:6379/0") == "redis://***@localhost:6379/0"
    assert redact("{'SPLASH_URL': 'https://apikey:@splash:8050'}") == (
        "{'SPLASH_URL': 'https://***@splash:8050'}"
    )
    assert redact("see http://example.com/a@b and mail me@example.com") == (
        "see http://example.com/a@b and mail me@example.com"
    )
    add_secrets_from_urls(["http://bob:Tr0ub4dor-3@proxy.test:3128"])
    token = base64.b64encode(b"bob:Tr0ub4dor-3").decode()
    assert redact(f"auth failed for Tr0ub4dor-3, header Basic {token}") == (
        "auth failed for ***, header Basic ***"
    )
    assert url_secrets("http://host/") == set()


def test_the_logging_filter_redacts_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "connecting to %s", ("redis://:pw1234@h:1/0",), None
    )
    try:
        raise ConnectionError("refused by http://u:pw5678@proxy:1")
    except ConnectionError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "connecting to redis://***@h:1/0"
    assert "pw5678" not in str(record.exc_text) and "http://***@proxy:1" in str(record.exc_text)


SECRETS = ("pr0xy-s3cret", "spl4sh-s3cret", "r3dis-s3cret")


def _leaks(texts: list[str]) -> list[str]:
    tokens = [*SECRETS, base64.b64encode(b"crawler:pr0xy-s3cret").decode()]
    return [t for t in tokens for text in texts if t in text]


def _all_output(workdir: Path, run_texts: list[str]) -> list[str]:
    files = [p.read_bytes().decode("utf-8", "replace") for p in workdir.rglob("*") if p.is_file()]
    return run_texts + files


def test_credentials_never_appear_in_logs_summaries_or_rejects(tmp_path: Path) -> None:
    """A crawl through a proxy with credentials, with SPLASH_URL carrying a password, at DEBUG
    level, with pages that fail in the ways that log URLs. (A Redis URL with a password needs a
    real Redis: see the next test.)"""
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        port = server.port
        routes["/story"] = reply(page("Fetched through the proxy"))
        routes["/e500"] = reply("no", status=500)
        routes["/slow"] = delayed(10, reply(page("never")))
        routes["/away"] = redirect("http://elsewhere.test/x")
        # A script-built shell: fetched again through "Splash" (this server, which answers 404),
        # whose failure is logged with the Splash URL.
        routes["/app"] = SHELL
        paths = ["/story", "/e500", "/slow", "/away", "/app"]
        routes["/sitemap.xml"] = sitemap(server.base, paths)
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            settings={
                "SPLASH_URL": f"http://splash:spl4sh-s3cret@127.0.0.1:{port}",
                "DOWNLOAD_TIMEOUT": "1",
            },
            env={"http_proxy": f"http://crawler:pr0xy-s3cret@127.0.0.1:{port}"},
            extra_args=["-L", "DEBUG"],
        )
        auth = {h.headers.get("Proxy-Authorization") for h in server.hits()}
    assert run.returncode == 0, run.stderr[-3000:]
    # The proxy really was used, with its credentials, and the crawl really logged a lot.
    assert "Basic " + base64.b64encode(b"crawler:pr0xy-s3cret").decode() in auth
    assert [a["title"] for a in run.articles()] == ["Fetched through the proxy"]
    reasons = {r["reason"] for r in run.rejects()}
    assert reasons >= {"http-500", "timeout", "offsite", "render-failed"}, reasons
    assert _leaks(_all_output(tmp_path, [run.stdout, run.stderr])) == []
    # The Splash failure was logged with its URL, redacted.
    assert "rendering through Splash at http://***@127.0.0.1" in run.stderr


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port that requires a password; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("NEWSCRAWLER_REQUIRE_REDIS"):
            pytest.fail(message + "; NEWSCRAWLER_REQUIRE_REDIS is set, so this is an error")
        pytest.skip(message)
    port = closed_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", "r3dis-s3cret"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as child:
        try:
            for _ in range(100):
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), 0.2),
                ):
                    break
                time.sleep(0.05)
            yield f"redis://:r3dis-s3cret@127.0.0.1:{port}/0"
        finally:
            child.terminate()
            child.wait(timeout=10)


def test_a_redis_password_never_appears_while_the_crawl_uses_that_redis(
    tmp_path: Path, redis_with_password: str
) -> None:
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        routes["/story"] = reply(page("Crawled through a shared Redis"))
        routes["/e500"] = reply("no", status=500)
        routes["/sitemap.xml"] = sitemap(server.base, ["/story", "/e500"])
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path / "run",
            settings={"NEWSCRAWLER_REDIS_URL": redis_with_password, "DOWNLOAD_TIMEOUT": "1"},
            extra_args=["-L", "DEBUG"],
        )
    assert run.returncode == 0, run.stderr[-3000:]
    # The crawl really ran on that Redis (the password was accepted) ...
    assert [a["title"] for a in run.articles()] == ["Crawled through a shared Redis"]
    assert "redis://***@127.0.0.1" in run.stderr
    # ... and its password is nowhere in what the crawl printed or wrote.
    assert _leaks(_all_output(tmp_path / "run", [run.stdout, run.stderr])) == []


def test_credentials_never_appear_when_the_proxy_is_down(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            env={"http_proxy": f"http://crawler:pr0xy-s3cret@127.0.0.1:{closed_port()}"},
            extra_args=["-L", "DEBUG"],
        )
    assert run.returncode == EXIT_NOTHING_FETCHED, run.stderr[-3000:]
    # robots.txt could not be fetched through the proxy, so the site is not crawled (RFC 9309).
    (reject,) = run.rejects()
    assert reject["reason"] == "robots-unreachable"
    assert "Connection was refused" in reject["detail"] or "refused" in reject["detail"].lower()
    assert _leaks(_all_output(tmp_path, [run.stdout, run.stderr])) == []


def test_scrapy_crawl_redacts_too(tmp_path: Path) -> None:
    with FaultyServer({"/robots.txt": ROBOTS_OK, "/app": SHELL}) as server:
        command = [
            sys.executable, "-m", "scrapy", "crawl", "hostile",
            "-a", f"start_url={server.url('/app')}",
            "-s", f"SPLASH_URL=http://splash:spl4sh-s3cret@127.0.0.1:{server.port}",
            "-s", f"NEWSCRAWLER_STATE_PATH={tmp_path / 's.sqlite3'}",
            "-s", f"NEWSCRAWLER_REJECTS={tmp_path / 'rejects.jsonl'}",
            "-s", f"NEWSCRAWLER_OUTPUT={tmp_path / 'out.jsonl'}",
            "-s", "DOWNLOAD_DELAY=0", "-L", "DEBUG",
        ]  # fmt: skip
        env = {**os.environ, "NEWSCRAWLER_SITES_DIR": str(SITES_DIR)}
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "spl4sh-s3cret" not in result.stdout + result.stderr
    assert "Splash at http://***@127.0.0.1" in result.stderr
    # `-s SPLASH_URL` reached the Splash add-on of `scrapy crawl`: its components are on.
    assert "newscrawler.splash.addon.SplashAddon" in result.stderr
    assert "'REQUEST_FINGERPRINTER_CLASS': 'newscrawler.splash.SplashRequestFingerprinter'" in (
        result.stderr
    )


# -- bad configuration stops the crawl before anything is fetched ---------------------------

CLOSED = "{closed}"  # replaced by a port where nothing listens
BAD_SETTINGS = [
    (["-s", "NEWSCRAWLER_PROGRESS_INTERVAL=often"], "NEWSCRAWLER_PROGRESS_INTERVAL='often' is not"),
    (["-s", "NEWSCRAWLER_PROGRESS_INTERVAL=-5"], "NEWSCRAWLER_PROGRESS_INTERVAL='-5' must be 0"),
    (["-s", "NEWSCRAWLER_PROGRES_INTERVAL=5"], "did you mean NEWSCRAWLER_PROGRESS_INTERVAL?"),
    (["-s", "NEWSCRAWLER_OUTPUT_FSYNC=maybe"], "NEWSCRAWLER_OUTPUT_FSYNC='maybe' is not a boolean"),
    (["-s", "DOWNLOAD_TIMEOUT=0"], "DOWNLOAD_TIMEOUT='0' must be above 0"),
    (["-s", "DOWNLOAD_DELAY=1e308"], "DOWNLOAD_DELAY='1e308' must be 3600 or less"),
    (["-s", "DOWNLOAD_DELAY=nan"], "DOWNLOAD_DELAY='nan' is not a number"),
    (["-s", "LOG_LEVEL=LOUD"], "LOG_LEVEL='LOUD' is not a level"),
    (["-O", "folder.jsonl"], "is a folder; name a file inside it"),
    (["-O", "blocker/out.jsonl"], "'blocker' is a file, not a folder"),
    (["-s", "NEWSCRAWLER_REJECTS=blocker/r.jsonl"], "NEWSCRAWLER_REJECTS='blocker/r.jsonl'"),
    (["-O", "runs/%(name)s/../../../x.jsonl"], "outside"),
    (["-s", "SPLASH_URL=localhost:8050"], "SPLASH_URL='localhost:8050' is not a Splash URL"),
    (
        ["-s", f"NEWSCRAWLER_REDIS_URL=redis://:pw-9876@127.0.0.1:{CLOSED}/0"],
        "cannot reach Redis at redis://***@127.0.0.1:",
    ),
    (["-s", "NEWSCRAWLER_REPLAY_DIR=no/such/folder"], "NEWSCRAWLER_REPLAY_DIR='no/such/folder'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_SETTINGS, ids=[m[:40] for _, m in BAD_SETTINGS])
def test_bad_configuration_fails_at_start_up_with_what_to_fix(
    args: list[str], message: str, tmp_path: Path
) -> None:
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    (tmp_path / "out.jsonl").write_text('{"kept": true}\n')
    (tmp_path / "blocker").write_text("a file where a folder should be")
    (tmp_path / "folder.jsonl").mkdir()
    args = [a.replace(CLOSED, str(closed_port())) for a in args]
    with FaultyServer(routes) as server:
        routes["/sitemap.xml"] = sitemap(server.base, [])
        run = crawl_test_site(server.url("/sitemap.xml"), tmp_path, extra_args=args)
        hits = server.hits()
    assert run.returncode == 2, run.stderr[-3000:]
    assert "cannot start, fix the configuration first" in run.stderr
    assert message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert "pw-9876" not in run.stderr
    assert hits == []  # nothing fetched, not even robots.txt
    assert (tmp_path / "out.jsonl").read_text() == '{"kept": true}\n'  # -O did not truncate


RENDERED_SITE = """from newscrawler.sites import Site

SITE = Site(id="rendered", name="Rendered", domains=("127.0.0.1",),
            discovery=("http://127.0.0.1/robots.txt",), render=True)
"""


def test_unreachable_splash_stops_only_a_crawl_of_a_site_that_asks_for_rendering(
    tmp_path: Path,
) -> None:
    splash = f"SPLASH_URL=http://127.0.0.1:{closed_port()}"
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        routes["/sitemap.xml"] = sitemap(server.base, [])
        # The test site asks for no rendering: Splash is best effort, the crawl goes on.
        run = crawl_test_site(server.url("/sitemap.xml"), tmp_path / "a", extra_args=["-s", splash])
        assert run.returncode == 0, run.stderr[-3000:]
        assert "cannot reach Splash at http://127.0.0.1:" in run.stderr
        assert "no site of this crawl asks for rendering" in run.stderr
        assert server.hits()  # it crawled

    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "hostile.py").write_text((SITES_DIR / "hostile.py").read_text())
    (folder / "rendered.py").write_text(RENDERED_SITE)
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", "rendered", "-s", splash]
    env = {**os.environ, "NEWSCRAWLER_SITES_DIR": str(folder)}
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert "cannot start, fix the configuration first" in result.stderr
    assert "cannot reach Splash at http://127.0.0.1:" in result.stderr


def test_a_malformed_site_file_fails_at_start_up_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "hostile.py").write_text((SITES_DIR / "hostile.py").read_text())
    (folder / "broken.py").write_text(
        "from newscrawler.sites import Site\n\n"
        "SITE = Site(id='Broken Site', name='x', domains=('a',), discovery=('http://a',))\n"
    )
    run = crawl_test_site(
        "http://127.0.0.1:1/", tmp_path, env={"NEWSCRAWLER_SITES_DIR": str(folder)}
    )
    assert run.returncode == 2
    assert f"{folder / 'broken.py'}: ValueError: site id 'Broken Site' must match" in run.stderr
    assert "Traceback" not in run.stderr


def test_scrapy_crawl_refuses_a_bad_setting_before_fetching(tmp_path: Path) -> None:
    with FaultyServer({"/robots.txt": ROBOTS_OK}) as server:
        result = subprocess.run(
            [
                sys.executable, "-m", "scrapy", "crawl", "hostile",
                "-a", f"start_url={server.url('/sitemap.xml')}",
                "-s", "NEWSCRAWLER_PROGRESS_INTERVAL=often",
                "-s", f"NEWSCRAWLER_STATE_PATH={tmp_path / 's.sqlite3'}",
            ],
            cwd=ROOT,
            env={**os.environ, "NEWSCRAWLER_SITES_DIR": str(SITES_DIR)},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        hits = server.hits()
    assert result.returncode != 0
    assert "NEWSCRAWLER_PROGRESS_INTERVAL='often' is not a number" in result.stderr
    assert hits == []


def test_a_site_host_name_is_looked_up_and_its_own_loopback_address_allowed(
    tmp_path: Path,
) -> None:
    """The lookup path in a real crawl: the site's domain is `localhost` (127.0.0.1 in
    /etc/hosts, no DNS query), which is therefore the site's own address."""
    routes: dict[str, Behaviour] = {"/robots.txt": ROBOTS_OK}
    with FaultyServer(routes) as server:
        base = f"http://localhost:{server.port}"
        routes["/news/1"] = reply(page("Fetched by host name"))
        routes["/sitemap.xml"] = sitemap(base, ["/news/1"])
        sites = tmp_path / "sites"
        sites.mkdir()
        (sites / "by_name.toml").write_text(
            f'id = "by_name"\nname = "By Name"\ndomains = ["localhost"]\n'
            f'discovery = ["{base}/sitemap.xml"]\n',
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "newscrawler.cli", "crawl", "by_name", "-v", "-L", "DEBUG"]
        command += ["--sites", str(sites), "--state", "state.sqlite3", "-O", "out.jsonl"]
        command += ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        result = subprocess.run(
            command,
            cwd=tmp_path,
            env={**child_environment(), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "boundary: localhost resolves to the non-public address 127.0.0.1" in result.stderr
    articles = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(a)["title"] for a in articles] == ["Fetched by host name"]
