"""Misbehaving servers on 127.0.0.1 through real crawls: errors, resets, stalls, drips, redirect
loops, wrong lengths, robots.txt that fails. Retries stay bounded, Retry-After is honoured for
the whole site, every failure ends as a counted reject, and the run summary says what happened."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, ROBUSTNESS, doc_section, doc_table
from .faulty_server import (
    Behaviour,
    CrawlRun,
    FaultyServer,
    crawl_test_site,
    delayed,
    drip,
    redirect,
    reply,
    reset,
    sequence,
    stall,
    wrong_length,
)

PAGE = (FIXTURES / "hostile" / "truncated.html").read_bytes()
TIMEOUT = 2.0  # DOWNLOAD_TIMEOUT of these crawls
RETRIES = 1  # RETRY_TIMES of these crawls: one retry, two requests in all
SETTINGS = {"DOWNLOAD_TIMEOUT": str(TIMEOUT), "RETRY_TIMES": str(RETRIES)}


def page(title: str) -> bytes:
    """A distinct article page (the same text twice would be a duplicate)."""
    return PAGE.replace(b"State budget passes after long fight", title.encode())


def sitemap(base: str, paths: list[str]) -> Behaviour:
    entries = "".join(f"<url><loc>{p if '://' in p else base + p}</loc></url>" for p in paths)
    return reply(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>',
        content_type="application/xml",
    )


ROBOTS_OK = reply("User-agent: *\nAllow: /\n", content_type="text/plain")


@dataclass(frozen=True)
class Fault:
    name: str
    """As in the table of docs/robustness.md."""
    path: str
    outcome: str
    """`extracted`, or `skipped: <reject reason>`, then what the server saw."""
    behaviour: Callable[[str], Behaviour]
    requests: int
    """How many requests the server may see for `path`: bounded retries."""
    pool_retry: bool = False
    """The server may see one request more: a reset on a reused keep-alive connection is retried
    once by Twisted's connection pool before Scrapy sees the failure (Scrapy's HTTP/1.1 handler
    leaves the pool's `retryAutomatically` on); whether the connection was a reused one depends
    on timing."""


FAULTS: list[Fault] = [
    Fault(
        "500 Internal Server Error",
        "/e500",
        "skipped: http-500, retried 1 time",
        lambda base: reply("oops", status=500),
        1 + RETRIES,
    ),
    Fault(
        "503 without Retry-After",
        "/e503",
        "skipped: http-503, retried 1 time",
        lambda base: reply("busy", status=503),
        1 + RETRIES,
    ),
    Fault(
        "429 without Retry-After",
        "/e429",
        "skipped: http-429, retried 1 time",
        lambda base: reply("slow down", status=429),
        1 + RETRIES,
    ),
    Fault(
        "connection reset (TCP RST, no response)",
        "/reset",
        "skipped: connection-lost, retried 1 time",
        lambda base: reset(),
        1 + RETRIES,
        pool_retry=True,
    ),
    Fault(
        "response stalls halfway",
        "/stall",
        "skipped: timeout, retried 1 time",
        lambda base: stall(page("Stalled page"), after=200, seconds=30),
        1 + RETRIES,
    ),
    Fault(
        "one byte a second",
        "/drip",
        "skipped: timeout, retried 1 time",
        lambda base: drip(page("Dripping page"), interval=1.0),
        1 + RETRIES,
    ),
    Fault(
        "Content-Length longer than the body",
        "/short-body",
        "skipped: connection-lost, retried 1 time",
        lambda base: wrong_length(page("Short body"), declared=len(PAGE) * 4),
        1 + RETRIES,
    ),
    Fault(
        "Content-Length shorter than the body",
        "/long-body",
        "extracted from the declared bytes",
        lambda base: wrong_length(page("Long body"), declared=len(PAGE) * 2 // 3),
        1,
    ),
    Fault(
        "redirect loop to itself",
        "/loop-self",
        "skipped: redirect-loop, fetched once",
        lambda base: redirect("/loop-self"),
        1,
    ),
    Fault(
        "redirect loop through two URLs",
        "/loop-a",
        "skipped: redirect-loop, each fetched once",
        lambda base: redirect("/loop-b"),
        1,
    ),
    Fault(
        "redirect to another site",
        "/away",
        "skipped: offsite, never requested",
        lambda base: redirect("http://elsewhere.test/story"),
        1,
    ),
]
# Served for the loop through two URLs.
LOOP_B = "/loop-b"


@dataclass
class FaultsCrawl:
    run: CrawlRun
    server: FaultyServer
    robots_timeout: FaultyServer
    robots_500: FaultyServer

    def reject_for(self, url: str) -> dict[str, object] | None:
        return next((r for r in self.run.rejects() if r["url"] == url), None)


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultsCrawl]:
    """One crawl of three servers (one site: every port of 127.0.0.1): the faulty pages, a
    server whose robots.txt times out and one whose robots.txt answers 500."""
    routes: dict[str, Behaviour] = {}
    slow_robots = {
        "/robots.txt": delayed(TIMEOUT * 2, ROBOTS_OK),
        "/page": reply(page("Behind a robots.txt that times out")),
    }
    failing_robots = {
        "/robots.txt": reply("error", status=500),
        "/page": reply(page("Behind a robots.txt that fails")),
    }
    with (
        FaultyServer(routes) as server,
        FaultyServer(slow_robots) as timeout_server,
        FaultyServer(failing_robots) as failing_server,
    ):
        base = server.base
        routes["/robots.txt"] = ROBOTS_OK
        for fault in FAULTS:
            routes[fault.path] = fault.behaviour(base)
        routes[LOOP_B] = redirect("/loop-a")
        routes["/ordinary"] = reply(page("An ordinary page among faulty ones"))
        paths = [*(f.path for f in FAULTS), "/ordinary"]
        paths += [timeout_server.url("/page"), failing_server.url("/page")]
        routes["/sitemap.xml"] = sitemap(base, paths)
        run = crawl_test_site(
            base + "/sitemap.xml", tmp_path_factory.mktemp("faults"), settings=SETTINGS
        )
        yield FaultsCrawl(run, server, timeout_server, failing_server)


def test_the_crawl_goes_on_and_ends_normally(faults: FaultsCrawl) -> None:
    run = faults.run
    assert run.returncode == 0, run.stderr[-3000:]
    assert "'finish_reason': 'finished'" in run.stderr
    urls = {a["url"] for a in run.articles()}
    assert faults.server.url("/ordinary") in urls
    # A stalled or dripping server costs its timeouts, not a hung crawl: crawl_test_site kills
    # a crawl past its deadline (minutes, a hang guard), which fails the first assertion;
    # test_fault_outcome_and_bounded_retries counts the requests each fault took.


def _params() -> Iterator[object]:
    for fault in FAULTS:
        yield pytest.param(fault, id=fault.path.strip("/"))


@pytest.mark.parametrize("fault", list(_params()))
def test_fault_outcome_and_bounded_retries(fault: Fault, faults: FaultsCrawl) -> None:
    url = faults.server.url(fault.path)
    hits = faults.server.hits(fault.path)
    assert fault.requests <= len(hits) <= fault.requests + fault.pool_retry, [h.time for h in hits]
    written = [a for a in faults.run.articles() if a["url"] == url]
    reject = faults.reject_for(url)
    if fault.outcome.startswith("extracted"):
        assert reject is None, reject
        (article,) = written
        assert article["title"] == "Long body"  # the page cut at the declared length
        return
    assert not written
    reason = fault.outcome.removeprefix("skipped: ").split(",")[0]
    if reason == "offsite":  # recorded under the foreign URL, naming the page it came from
        reject = next((r for r in faults.run.rejects() if url in str(r["detail"])), None)
    assert reject is not None, f"{fault.path}: no reject"
    assert reject["reason"] == reason, reject
    if fault.requests > 1:
        assert f"(after {RETRIES} retry)" in str(reject["detail"]), reject


def test_the_other_side_of_a_loop_and_a_foreign_redirect(faults: FaultsCrawl) -> None:
    assert len(faults.server.hits(LOOP_B)) == 1
    offsite = faults.reject_for("http://elsewhere.test/story")
    assert offsite is not None and offsite["reason"] == "offsite", faults.run.rejects()
    assert "redirected from " + faults.server.url("/away") in str(offsite["detail"])


@pytest.mark.parametrize(
    ("which", "why"), [("robots_timeout", "TimeoutError"), ("robots_500", "HTTP 500")]
)
def test_an_unreachable_robots_txt_means_the_site_is_not_crawled(
    which: str, why: str, faults: FaultsCrawl
) -> None:
    server: FaultyServer = getattr(faults, which)
    # robots.txt itself was retried (bounded), the page behind it never requested (RFC 9309).
    assert len(server.hits("/robots.txt")) == 1 + RETRIES
    assert server.hits("/page") == []
    reject = faults.reject_for(server.url("/page"))
    assert reject is not None and reject["reason"] == "robots-unreachable", reject
    assert why in str(reject["detail"]), reject


def test_the_summary_says_what_happened(faults: FaultsCrawl) -> None:
    summary = faults.run.stderr.split("newscrawler summary for hostile", 1)[1]
    assert "retries            " in summary and "(gave up " in summary
    assert "robots.txt unreachable" in summary
    for reason in ("http-500", "timeout", "connection-lost", "redirect-loop", "offsite"):
        assert f"rejected/{reason}" in summary, reason
    assert faults.run.stat("newscrawler/robots/unreachable") == 2


# -- Retry-After ----------------------------------------------------------------------------


def test_retry_after_is_honoured_for_the_whole_site(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {}

    def rate_limited(handler: Any) -> None:
        # An HTTP date 3 s after the answer, to the second: a wait of 2 to 3 s.
        http_date = email.utils.formatdate(time.time() + 3, usegmt=True)
        reply("slow down", status=429, headers={"Retry-After": http_date})(handler)

    with FaultyServer(routes) as server:
        routes["/robots.txt"] = ROBOTS_OK
        routes["/busy"] = sequence(
            reply("busy", status=503, headers={"Retry-After": "2"}), reply(page("Busy, then ok"))
        )
        routes["/limited"] = sequence(rate_limited, reply(page("Rate limited, then ok")))
        others = [f"/other-{i}" for i in range(6)]
        for i, path in enumerate(others):
            # Slow enough that they queue behind the limit while the site is paused.
            routes[path] = delayed(0.2, reply(page(f"Other page {i}")))
        routes["/sitemap.xml"] = sitemap(server.base, [*others, "/limited", "/busy"])
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            # Scrapy 2.19 holds CONCURRENT_REQUESTS_PER_DOMAIN only with a download delay.
            settings={**SETTINGS, "DOWNLOAD_DELAY": "0.05", "NEWSCRAWLER_RETRY_AFTER_MAX": "10"},
        )
        busy, limited = server.hits("/busy"), server.hits("/limited")
        hits = server.hits()
    assert run.returncode == 0, run.stderr[-3000:]
    titles = {a["title"] for a in run.articles()}
    assert {"Busy, then ok", "Rate limited, then ok"} <= titles
    assert len(busy) == 2 and len(limited) == 2
    assert busy[1].time - busy[0].time >= 2 - 0.1
    assert limited[1].time - limited[0].time >= 2  # the HTTP date was 3 s ahead, to the second
    # While the site is paused nothing is sent to it, beyond the requests already on the wire
    # (at most CONCURRENT_REQUESTS_PER_DOMAIN) when the answer came; a busy machine may let
    # those reach the server late, so they are allowed anywhere in the pause. Unpaused, the
    # six other pages (0.2 s each, two at a time) would all be asked in it.
    first = min(busy[0].time, limited[0].time)
    during = [h for h in hits if first + 0.5 < h.time < first + 1.9]
    assert len(during) <= 2, [(h.path, round(h.time - first, 2)) for h in during]
    assert run.stat("newscrawler/retry_after/honoured") == 2
    assert "Retry-After honoured 2" in run.stderr


def test_a_retry_after_beyond_the_cap_is_not_retried_and_pauses_the_site(tmp_path: Path) -> None:
    routes: dict[str, Behaviour] = {}
    with FaultyServer(routes) as server:
        routes["/robots.txt"] = ROBOTS_OK
        routes["/closed"] = reply(
            "come back tomorrow", status=503, headers={"Retry-After": "86400"}
        )
        routes["/next"] = delayed(0.2, reply(page("After the pause")))
        routes["/sitemap.xml"] = sitemap(server.base, ["/next", "/closed"])
        run = crawl_test_site(
            server.url("/sitemap.xml"),
            tmp_path,
            settings={
                **SETTINGS,
                "DOWNLOAD_DELAY": "0.05",
                "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                "NEWSCRAWLER_RETRY_AFTER_MAX": "2",
            },
        )
        closed, following = server.hits("/closed"), server.hits("/next")
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(closed) == 1  # not retried: the server asked for a day
    assert following[0].time - closed[0].time >= 2 - 0.1  # the site paused for the cap
    reject = next(r for r in run.rejects() if r["url"] == server.url("/closed"))
    assert reject["reason"] == "http-503"
    assert "Retry-After 86400 s exceeds NEWSCRAWLER_RETRY_AFTER_MAX" in reject["detail"]
    assert run.stat("newscrawler/retry_after/too_long") == 1


# -- the robustness table -------------------------------------------------------------------------

# Faults with a test of their own above, counted in the table of docs/robustness.md.
OTHER_FAULTS = {
    "503 with Retry-After (seconds)": "extracted after the wait; the whole site paused",
    "429 with Retry-After (HTTP date)": "extracted after the wait; the whole site paused",
    "503 with Retry-After beyond NEWSCRAWLER_RETRY_AFTER_MAX": "skipped: http-503, not retried",
    "robots.txt times out": "skipped: robots-unreachable",
    "robots.txt answers 500": "skipped: robots-unreachable",
}


def test_robustness_doc_lists_every_fault_with_its_outcome() -> None:
    section = doc_section(ROBUSTNESS, "Hostile input and faults")
    rows = doc_table(ROBUSTNESS, "Hostile input and faults")
    for fault in FAULTS:
        assert rows.get(fault.name, "").startswith(fault.outcome), fault.name
    for name, outcome in OTHER_FAULTS.items():
        assert rows.get(name, "").startswith(outcome), name
    assert f"{len(FAULTS) + len(OTHER_FAULTS)} faults" in section
