"""Hostile pages, feeds and sitemaps through one real crawl of a local server: every case of
fixtures/hostile/ (and the big ones made here, at test time) ends extracted or skipped with a
counted reason; the crawl finishes; every written line is valid; memory stays bounded."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newscrawler.exitcodes import EXIT_INTERRUPTED
from newscrawler.settings import CONCURRENT_REQUESTS
from newscrawler.validation import article_schema

from .conftest import FIXTURES, ROBUSTNESS, doc_section, doc_table
from .environment import child_environment
from .faulty_server import (
    FAST_SETTINGS,
    SITES_DIR,
    Behaviour,
    CrawlRun,
    FaultyServer,
    crawl_test_site,
    gzip_bomb,
    gzip_bomb_bytes,
    reply,
    stream,
)

CORPUS = FIXTURES / "hostile"
NEXT_YEAR = dt.date.today().year + 1
MIB = 1024 * 1024
# Peak resident memory of the whole crawl process (Python, Scrapy, lxml, trafilatura and every
# case above, 2 GiB gzip bomb included); a crawl that buffered the big cases would pass 1 GB.
MAX_RSS_MB = 450
# Seconds before a crawl that has not ended is killed (and the test fails): a guard against a
# hang, minutes beyond what a crawl here takes even on a busy machine.
HANG_GUARD = 600
# The article text of the corpus pages (fixtures/hostile/README.md).
LEAD = "Lawmakers on Tuesday approved a budget"
PAGE_DATE = "2024-05-14T09:30:00+02:00"
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Check = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: where it is served, what must become of it, how to check it."""

    name: str
    """As in the table of docs/robustness.md."""
    path: str
    outcome: str
    """`extracted`, or `skipped: <reject reason>`."""
    route: Callable[[str], Behaviour]
    checks: tuple[Check, ...] = ()
    sitemap: bool = True
    """Listed in the page sitemap; discovery documents are listed in robots.txt instead."""
    extra: dict[str, Callable[[str], Behaviour]] = field(default_factory=dict)
    """More routes the case needs (pages its feed links to)."""


def corpus(name: str, content_type: str = "text/html; charset=utf-8") -> Callable[[str], Behaviour]:
    """A corpus file with its placeholders filled: `{{BASE}}` (the server) and `{{NEXT_YEAR}}`."""

    def route(base: str) -> Behaviour:
        data = (CORPUS / name).read_bytes()
        data = data.replace(b"{{BASE}}", base.encode())
        data = data.replace(b"{{NEXT_YEAR}}", str(NEXT_YEAR).encode())
        return reply(data, content_type=content_type)

    return route


def fixed(
    body: bytes, content_type: str = "text/html; charset=utf-8"
) -> Callable[[str], Behaviour]:
    return lambda base: reply(body, content_type=content_type)


def title_is(expected: str) -> Check:
    def check(article: dict[str, Any]) -> None:
        assert article["title"] == expected

    return check


def field_is(name: str, expected: object) -> Check:
    def check(article: dict[str, Any]) -> None:
        assert article[name] == expected, (name, article[name])

    return check


def body_has(text: str) -> Check:
    def check(article: dict[str, Any]) -> None:
        assert any(text in paragraph for paragraph in article["body"]), article["body"]

    return check


def nowhere(text: str) -> Check:
    def check(article: dict[str, Any]) -> None:
        for name in ("title", "subtitle", "body", "tags", "authors", "section"):
            assert text not in str(article[name]), (name, article[name])

    return check


def big_page(total: int) -> Iterator[bytes]:
    """`total` bytes of an ordinary article page, made while it is sent."""
    head = b"<html><head><title>A very long page</title></head><body><article><h1>Long</h1>"
    paragraph = b"<p>" + b"Words of a page that never ends, sent as it is made. " * 40 + b"</p>\n"
    yield head
    for _ in range((total - len(head)) // len(paragraph) + 1):
        yield paragraph


def deep_dom(levels: int) -> bytes:
    head = b"<html><head><title>Deep DOM page</title></head><body><h1>Deep DOM page</h1>"
    inner = b"<p>The only text of the page lies under all the divs.</p>"
    return head + b"<div>" * levels + inner + b"</div>" * levels + b"</body></html>"


def deep_json_ld(levels: int) -> bytes:
    text = b"<p>" + b"Ordinary article text that the DOM layers can read on their own. " * 8
    return (
        b"<html><head><title>Deep JSON-LD nesting</title>"
        b'<script type="application/ld+json">'
        + b"[" * levels
        + b"]" * levels
        + b"</script></head><body><article><h1>Deep JSON-LD nesting</h1>"
        + text
        + b"</p></article></body></html>"
    )


def utf16_page() -> bytes:
    text = "Text in UTF-16 with a byte order mark, as some old servers send it. " * 6
    html = (
        "\ufeff<html><head><title>UTF-16 page title here</title></head><body><article>"
        f"<h1>UTF-16 page title here</h1><p>{text}</p></article></body></html>"
    )
    return html.encode("utf-16-le")


def feed_item(name: str) -> Callable[[str], Behaviour]:
    """A distinct article page for one feed item (the same text would be a duplicate)."""
    page = (CORPUS / "truncated.html").read_bytes()
    return fixed(page.replace(b"State budget passes", f"Feed item {name}:".encode()))


def sitemap_gzip_bomb(base: str) -> Behaviour:
    # A .xml.gz file served as such (no Content-Encoding): discovery, not Scrapy, inflates it.
    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    bomb = gzip_bomb_bytes(256 * MIB, prefix=head, fill=b" ")
    return reply(bomb, content_type="application/x-gzip")


CASES: list[Case] = [
    Case(
        "truncated HTML (cut mid-paragraph)",
        "/truncated.html",
        "extracted",
        corpus("truncated.html"),
        (title_is("State budget passes after long fight"), body_has(LEAD)),
    ),
    Case(
        "malformed HTML (misnested, unclosed, stray end tags, bad entities)",
        "/malformed.html",
        "extracted",
        corpus("malformed.html"),
        (title_is("Storm closes harbour for second day"), body_has("Port officials kept")),
    ),
    Case(
        "charset: header ISO-8859-1, meta windows-1251, bytes UTF-8",
        "/charset-disagree.html",
        "extracted",
        corpus("charset-disagree.html", "text/html; charset=iso-8859-1"),
        (title_is("Café owners welcome déjà vu rules"),),
    ),
    Case(
        "mixed encodings in one page (UTF-8 + windows-1252 + Shift_JIS)",
        "/mixed-encodings.html",
        "extracted",
        corpus("mixed-encodings.html", "text/html"),
        (title_is("Mixed encodings in one page: naïve café"), body_has(LEAD)),
    ),
    Case(
        "binary data (PNG) served as text/html",
        "/binary.html",
        "skipped: not-html",
        fixed(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/html"),
    ),
    Case("empty 200 response", "/empty.html", "skipped: empty-response", fixed(b"")),
    Case(
        "20 MB page, Content-Length announced",
        "/big-announced.html",
        "skipped: too-large",
        lambda base: stream(lambda: big_page(21 * MIB), length=21 * MIB),
    ),
    Case(
        "20 MB page, chunked (size unknown until read)",
        "/big-chunked.html",
        "skipped: too-large",
        lambda base: stream(lambda: big_page(21 * MIB)),
    ),
    Case(
        "DOM nested 100,000 levels",
        "/deep-dom.html",
        "skipped: empty-body",
        fixed(deep_dom(100_000)),
    ),
    Case(
        "gzip body inflating to 2 GiB (Content-Encoding: gzip)",
        "/gzip-bomb.html",
        "skipped: too-large",
        lambda base: gzip_bomb(2048 * MIB),
    ),
    Case(
        "JSON-LD that is invalid JSON",
        "/jsonld-invalid.html",
        "extracted",
        corpus("jsonld-invalid.html"),
        (title_is("Bridge reopens after repairs"), field_is("published_at", PAGE_DATE)),
    ),
    Case(
        "JSON-LD @type as a list",
        "/jsonld-type-list.html",
        "extracted",
        corpus("jsonld-type-list.html"),
        (field_is("authors", ["Tom Becker"]), title_is("Rail strike called off at last minute")),
    ),
    Case(
        "JSON-LD @graph with several articles",
        "/jsonld-graph-several.html",
        "extracted",
        corpus("jsonld-graph-several.html"),
        (title_is("Council names new harbour master"), field_is("published_at", PAGE_DATE)),
    ),
    Case(
        "JSON-LD nested 100,000 levels",
        "/deep-jsonld.html",
        "extracted",
        fixed(deep_json_ld(100_000)),
        (title_is("Deep JSON-LD nesting"),),
    ),
    Case(
        "JSON-LD with lone surrogate escapes (\\ud800)",
        "/jsonld-lone-surrogate.html",
        "extracted",
        corpus("jsonld-lone-surrogate.html"),
        (field_is("authors", ["Lee \ufffd Park"]),),
    ),
    Case(
        "title holding <script>",
        "/title-script.html",
        "extracted",
        corpus("title-script.html"),
        (nowhere("<script"), nowhere("alert(1)"), title_is("Breaking news on tariffs")),
    ),
    Case(
        "title and body holding control characters, U+2028/U+2029/U+0085",
        "/title-control-chars.html",
        "extracted",
        corpus("title-control-chars.html"),
        (body_has(LEAD),),
    ),
    Case(
        "right-to-left text (Arabic, Hebrew), emoji, ZWJ sequences, a bidi override",
        "/rtl-emoji.html",
        "extracted",
        corpus("rtl-emoji.html"),
        (
            title_is("الأسواق ترتفع 📈 השווקים עולים"),
            body_has("🎉👍🏽"),
            body_has("👨\u200d👩\u200d👧"),
        ),
    ),
    Case(
        "stray NUL byte inside an article",
        "/stray-nul.html",
        "extracted",
        corpus("stray-nul.html"),
        (body_has(LEAD),),
    ),
    Case(
        "UTF-16 page with a byte order mark",
        "/utf16.html",
        "extracted",
        fixed(utf16_page(), "text/html"),
        (title_is("UTF-16 page title here"),),
    ),
    Case(
        "published date 1970-01-01 (a zero timestamp)",
        "/date-1970.html",
        "extracted",
        corpus("date-1970.html"),
        (field_is("published_at", None), body_has(LEAD)),
    ),
    Case(
        "published date next year",
        "/date-next-year.html",
        "extracted",
        corpus("date-next-year.html"),
        (field_is("published_at", None), body_has(LEAD)),
    ),
    Case("home page", "/", "skipped: not-article/home", corpus("home.html")),
    Case("tag list page", "/tag-list.html", "skipped: not-article/list", corpus("tag-list.html")),
    Case(
        "live blog (LiveBlogPosting with its updates)",
        "/live-blog.html",
        "extracted",
        corpus("live-blog.html"),
        (body_has("Update 0: the vote count continues"),),
    ),
    Case("video page", "/video-page.html", "skipped: not-article/video", corpus("video-page.html")),
    Case(
        "paywalled article (isAccessibleForFree=false, its lead visible)",
        "/paywall-stub.html",
        "extracted",
        corpus("paywall-stub.html"),
        (field_is("paywalled", True), body_has("hands the port operator a 30-year lease")),
    ),
    Case(
        "sitemap with billion laughs (entity expansion)",
        "/sitemap-billion-laughs.xml",
        "skipped: discovery-sitemap",
        corpus("sitemap-billion-laughs.xml", "application/xml"),
        sitemap=False,
    ),
    Case(
        "sitemap with external entities (XXE: file:///etc/passwd, a URL, a DTD)",
        "/sitemap-xxe.xml",
        "skipped: discovery-sitemap",
        corpus("sitemap-xxe.xml", "application/xml"),
        sitemap=False,
    ),
    Case(
        "gzip sitemap (.xml.gz) inflating to 256 MiB",
        "/sitemap-bomb.xml.gz",
        "skipped: discovery-sitemap",
        sitemap_gzip_bomb,
        sitemap=False,
    ),
    Case(
        "feed with invalid dates",
        "/feed-invalid-dates.rss",
        "extracted",
        corpus("feed-invalid-dates.rss", "application/rss+xml"),
        sitemap=False,
        extra={
            "/feed-item-bad-date.html": feed_item("bad date"),
            "/feed-item-month-13.html": feed_item("month 13"),
            "/feed-item-year-zero.html": feed_item("year zero"),
        },
    ),
]
# The two cases with a test of their own below, counted in the table of docs/robustness.md.
OTHER_CASES = {
    "sitemap index listing itself": "fetched once per distinct URL, then filtered",
    "sitemap of 200,000 URLs": "read as the crawl needs it",
}


@dataclass
class HostileCrawl:
    base: str
    run: CrawlRun
    server: FaultyServer

    def article(self, path: str) -> dict[str, Any] | None:
        url = self.base + path
        return next((a for a in self.run.articles() if a["url"] == url), None)

    def reject(self, path: str) -> dict[str, Any] | None:
        url = self.base + path
        return next((r for r in self.run.rejects() if r["url"] == url), None)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    """One crawl over every case: robots.txt lists the page sitemap and each discovery case."""
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        base = server.base
        for case in CASES:
            routes[case.path] = case.route(base)
            routes.update({path: make(base) for path, make in case.extra.items()})
        pages = "".join(f"<url><loc>{base}{c.path}</loc></url>" for c in CASES if c.sitemap)
        routes["/sitemap.xml"] = reply(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{pages}</urlset>',
            content_type="application/xml",
        )
        documents = ["/sitemap.xml", *(c.path for c in CASES if not c.sitemap)]
        routes["/robots.txt"] = reply(
            "User-agent: *\nAllow: /\n" + "".join(f"Sitemap: {base}{d}\n" for d in documents),
            content_type="text/plain",
        )
        # No case here is about time (tests/test_faulty_servers.py has the timeouts): a busy
        # machine may take longer than FAST_SETTINGS' DOWNLOAD_TIMEOUT to serve the 21 MB pages.
        run = crawl_test_site(
            base + "/robots.txt",
            tmp_path_factory.mktemp("hostile"),
            settings={"DOWNLOAD_TIMEOUT": "120"},
            timeout=HANG_GUARD,
        )
        yield HostileCrawl(base, run, server)


def test_the_crawl_finishes_and_says_what_it_skipped(hostile: HostileCrawl) -> None:
    run = hostile.run
    assert run.returncode == 0, run.stderr[-3000:]
    assert "'finish_reason': 'finished'" in run.stderr
    assert "newscrawler summary for hostile (finished" in run.stderr
    skipped = [c for c in CASES if c.outcome.startswith("skipped")]
    for reason in {c.outcome.removeprefix("skipped: ") for c in skipped}:
        count = sum(1 for c in skipped if c.outcome == f"skipped: {reason}")
        assert (run.stat(f"newscrawler/rejected/{reason}") or 0) >= count, reason


def _params() -> Iterator[Any]:
    for case in CASES:
        yield pytest.param(case, id=case.path.strip("/") or "home")


@pytest.mark.parametrize("case", list(_params()))
def test_case_outcome(case: Case, hostile: HostileCrawl) -> None:
    article, reject = hostile.article(case.path), hostile.reject(case.path)
    if case.outcome == "extracted" and case.path.endswith(".rss"):
        # A feed is not an article: its items are, with the pages' own dates.
        assert reject is None, reject
        for path in case.extra:
            item = hostile.article(path)
            assert item is not None, path
            assert item["published_at"] == PAGE_DATE
        return
    if case.outcome == "extracted":
        assert reject is None, reject
        assert article is not None, f"{case.path} was neither written nor rejected"
        for check in case.checks:
            check(article)
        return
    reason = case.outcome.removeprefix("skipped: ")
    assert article is None, article
    assert reject is not None, f"{case.path} was neither written nor rejected"
    assert reject["reason"] == reason, reject
    assert reject["site"] == "hostile"


def test_every_written_line_is_one_valid_record(hostile: HostileCrawl) -> None:
    data = (hostile.run.workdir / "out.jsonl").read_bytes()
    assert data.endswith(b"\n")
    validator = jsonschema.Draft202012Validator(article_schema())
    lines = data.split(b"\n")[:-1]
    assert len(lines) >= sum(1 for c in CASES if c.outcome == "extracted")
    for line in lines:
        text = line.decode("utf-8")  # strict: no lone surrogate, no invalid byte
        # One line for every reader: str.splitlines() also breaks at U+2028, U+0085, \x1c...
        assert len(text.splitlines()) == 1, text[:200]
        assert not CONTROL_RE.search(text), text[:200]
        validator.validate(json.loads(text))


def test_entities_are_never_expanded_nor_fetched(hostile: HostileCrawl) -> None:
    paths = [hit.path for hit in hostile.server.hits()]
    assert not any(p.startswith(("/xxe", "/laughs")) for p in paths), paths
    output = hostile.run.stderr + (hostile.run.workdir / "out.jsonl").read_text("utf-8")
    output += (hostile.run.workdir / "rejects.jsonl").read_text("utf-8")
    assert "root:x:0:0" not in output
    assert "lollollol" not in output
    for path in ("/sitemap-billion-laughs.xml", "/sitemap-xxe.xml"):
        reject = hostile.reject(path)
        assert reject is not None and "entities" in reject["detail"], reject


def test_memory_stays_bounded(hostile: HostileCrawl) -> None:
    # 2 GiB of gzip, two 21 MB pages, a 100,000-deep DOM and a 256 MiB sitemap bomb in one run.
    assert hostile.run.max_rss_mb < MAX_RSS_MB, hostile.run.max_rss_mb


def test_a_sitemap_index_listing_itself_ends(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        routes["/sitemap-index-self.xml"] = corpus("sitemap-index-self.xml", "application/xml")(
            server.base
        )
        run = crawl_test_site(server.url("/sitemap-index-self.xml"), tmp_path)
        fetched = [h.path for h in server.hits() if h.path.startswith("/sitemap-index-self")]
    assert run.returncode == 0, run.stderr[-3000:]
    # The start URL (exempt from the duplicate filter), its listed self once, the ?again copy
    # once: each distinct URL is fetched at most twice, then the duplicate filter stops it.
    assert fetched.count("/sitemap-index-self.xml") <= 2
    assert fetched.count("/sitemap-index-self.xml?again=1") == 1
    assert run.stat("dupefilter/filtered") is not None


BIG_SITEMAP_URLS = 200_000
# Links a stopped crawl may have read of the big sitemap: a few of the feed's batches
# (NEWSCRAWLER_FEED_BATCH, 100), not the sitemap (all 200,000 were queued before any article
# was fetched when a callback queued its requests at once).
MAX_LINKS_READ = 2_000


def big_sitemap_site(server: FaultyServer, routes: dict[str, Behaviour]) -> None:
    """A sitemap of BIG_SITEMAP_URLS article pages on `server` (one page served for all)."""
    entries = "".join(
        f"<url><loc>{server.base}/n/{i}</loc></url>\n" for i in range(BIG_SITEMAP_URLS)
    )
    routes["/sitemap-big.xml"] = reply(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>',
        content_type="application/xml",
    )
    page = reply((CORPUS / "truncated.html").read_bytes())
    routes.update((f"/n/{i}", page) for i in range(BIG_SITEMAP_URLS))


def test_a_big_sitemap_is_read_as_the_crawl_needs_it_and_the_page_limit_stops_it(
    tmp_path: Path,
) -> None:
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        big_sitemap_site(server, routes)
        run = crawl_test_site(
            server.url("/sitemap-big.xml"),
            tmp_path,
            settings={"CLOSESPIDER_PAGECOUNT": "30"},
            timeout=HANG_GUARD,
        )
        pages = [hit for hit in server.hits() if hit.path.startswith("/n/")]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "'finish_reason': 'closespider_pagecount'" in run.stderr
    read = run.stat("newscrawler/spider/links/article") or 0
    assert 30 <= read <= MAX_LINKS_READ, read
    assert len(pages) <= MAX_LINKS_READ, len(pages)
    assert run.max_rss_mb < MAX_RSS_MB, run.max_rss_mb


def test_sigterm_stops_a_crawl_of_a_big_sitemap_without_reading_it_to_the_end(
    tmp_path: Path,
) -> None:
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        big_sitemap_site(server, routes)
        command = [sys.executable, "-m", "newscrawler.cli", "crawl", "hostile", "-v"]
        command += ["-a", f"start_url={server.url('/sitemap-big.xml')}", "--state", "s.sqlite3"]
        command += ["-s", "NEWSCRAWLER_STOP_GRACE=120"]  # graceful: the stats are dumped
        command += ["-O", "out.jsonl"]
        for name, value in FAST_SETTINGS.items():
            command += ["-s", f"{name}={value}"]
        env = child_environment()
        env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)
        log = tmp_path / "log.txt"
        with log.open("wb") as out:
            child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=out)
            try:
                # The moment comes from the crawl, not the clock: once articles are fetched.
                deadline = time.monotonic() + HANG_GUARD
                while len([h for h in server.hits() if h.path.startswith("/n/")]) < 10:
                    assert child.poll() is None, log.read_text("utf-8", "replace")[-3000:]
                    assert time.monotonic() < deadline, "no article fetched"
                    time.sleep(0.01)
                before = len(server.hits())
                child.send_signal(signal.SIGTERM)
                code = child.wait(timeout=HANG_GUARD)  # it stops within seconds
            finally:
                if child.poll() is None:
                    child.kill()
        after = [h for h in server.hits()[before:] if h.path.startswith("/n/")]
    stderr = log.read_text("utf-8", "replace")
    assert code == EXIT_INTERRUPTED, stderr[-3000:]
    assert "'finish_reason': 'shutdown'" in stderr
    # What was on its way (at most CONCURRENT_REQUESTS) ends; nothing more is sent.
    assert len(after) <= CONCURRENT_REQUESTS, len(after)
    match = re.search(r"'newscrawler/spider/links/article': (\d+)", stderr)
    assert match is not None, stderr[-3000:]
    assert int(match[1]) <= MAX_LINKS_READ, match[1]


def one_node_page(text_bytes: int) -> bytes:
    """An article page whose whole text is one paragraph, one text node of `text_bytes`."""
    head = b"<html><head><title>One endless paragraph</title></head><body><article>"
    words = b"Words of one paragraph that never ends. "
    text = words * (text_bytes // len(words) + 1)
    return head + b"<h1>One endless paragraph</h1><p>" + text + b"</p></article></body></html>"


def test_a_page_whose_text_is_one_node_over_the_parser_limit_is_too_large(tmp_path: Path) -> None:
    # libxml2 drops a text node over 10,000,000 bytes without huge_tree: the page parsed is
    # not the page served, so it is skipped as too large, not written or called empty.
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        routes["/one-node.html"] = reply(one_node_page(10_500_000))
        routes["/truncated.html"] = corpus("truncated.html")(server.base)
        pages = "".join(f"<url><loc>{server.base}{p}</loc></url>" for p in routes)
        routes["/sitemap.xml"] = reply(
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{pages}</urlset>',
            content_type="application/xml",
        )
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            settings={"DOWNLOAD_TIMEOUT": "120"},  # 10 MB from a busy machine's server
            timeout=HANG_GUARD,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    (reject,) = [r for r in run.rejects() if r["url"] == server.url("/one-node.html")]
    assert reject["reason"] == "too-large", reject
    assert "size limit of the HTML parser" in reject["detail"], reject
    assert [a["url"] for a in run.articles()] == [server.url("/truncated.html")]
    assert run.stat("newscrawler/rejected/too-large") == 1


def test_robustness_doc_lists_every_case_with_its_outcome() -> None:
    """The "Hostile input and faults" table of docs/robustness.md is this module's case list."""
    section = doc_section(ROBUSTNESS, "Hostile input and faults")
    rows = doc_table(ROBUSTNESS, "Hostile input and faults")
    for case in CASES:
        assert case.name in rows, case.name
        assert rows[case.name].startswith(case.outcome), (case.name, rows[case.name])
    for name, outcome in OTHER_CASES.items():
        assert rows.get(name, "").startswith(outcome), name
    total = len(CASES) + len(OTHER_CASES)
    assert f"{total} hostile inputs" in section
