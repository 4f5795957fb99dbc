"""Crawls that must not lose or repeat articles, with real processes and real files: two crawls
on one state or output at once, a full disk under the state or the output (a real tmpfs), and a
damaged state file, rebuilt from the output by `newscrawler state rebuild`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from newscrawler.exitcodes import EXIT_LOCKED, EXIT_STATE_DAMAGED, EXIT_WRITE_FAILED
from newscrawler.locks import PidLock, hold

from .environment import child_environment
from .faulty_server import FAST_SETTINGS, SITES_DIR, FaultyServer
from .test_incremental import LocalNewsSite, Page, story

WAIT = 90.0  # seconds a child may take before the test gives up on it


def crawl_command(
    start_url: str, *args: str, site: str = "hostile", concurrency: int = 4
) -> list[str]:
    # -v: Scrapy's log (with the per-site summary) on standard error, where the tests read it.
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", site, "-v"]
    if site == "hostile":
        command += ["-a", f"start_url={start_url}"]
    # Requests held at a gate by a test must not time out meanwhile.
    settings = {**FAST_SETTINGS, "CONCURRENT_REQUESTS": str(concurrency), "DOWNLOAD_TIMEOUT": "120"}
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command + list(args)


def start(
    command: list[str], cwd: Path, name: str, sites: Path = SITES_DIR
) -> subprocess.Popen[bytes]:
    env = child_environment()
    env["NEWSCRAWLER_SITES_DIR"] = str(sites)
    with (cwd / f"{name}.log").open("wb") as log:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log)


def finish(child: subprocess.Popen[bytes], cwd: Path, name: str) -> tuple[int, str]:
    code = child.wait(WAIT)
    return code, (cwd / f"{name}.log").read_text("utf-8", "replace")


def run(command: list[str], cwd: Path, name: str) -> tuple[int, str]:
    return finish(start(command, cwd, name), cwd, name)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


def state_urls(path: Path) -> set[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {row[0] for row in db.execute("SELECT canonical_url FROM articles")}


def news_site(pages: int) -> LocalNewsSite:
    return LocalNewsSite({f"/news/{n}": Page(f"Safe story {n}", story(n)) for n in range(pages)})


def gated(gate: threading.Event, then: Callable[[Any], None]) -> Callable[[Any], None]:
    """Hold the request until the test opens the gate: a crawl stays in progress meanwhile."""

    def behave(handler: Any) -> None:
        gate.wait(WAIT)
        then(handler)

    return behave


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def last_line(log: str) -> str:
    return log.strip().splitlines()[-1]


# -- 1. two crawls at once -----------------------------------------------------------------------


def test_a_second_crawl_on_the_same_state_or_output_stops_at_once_naming_the_first(
    tmp_path: Path,
) -> None:
    # Until the first crawl ends, a second one (same site and state, or same output) must not
    # write, nor truncate with -O, and must say which process holds what.
    pages = 30
    site = news_site(pages)
    gate = threading.Event()
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        for path in site.pages:
            routes[path] = gated(gate, routes[path])
        sitemap = server.url("/sitemap.xml")
        first = start(crawl_command(sitemap, "--state", "state.sqlite3", "-o", "out.jsonl"),
                      tmp_path, "first")  # fmt: skip
        try:
            # The first crawl is inside its article requests, which wait at the gate.
            wait_for(lambda: len(server.hits()) > 2, "the first crawl's requests")
            seconds = [
                ("same", ["--state", "state.sqlite3", "-O", "out.jsonl"]),
                ("other-output", ["--state", "state.sqlite3", "-o", "other.jsonl"]),
                ("other-state", ["--state", "other.sqlite3", "-O", "out.jsonl"]),
            ]
            results = {
                name: run(crawl_command(sitemap, *args), tmp_path, name) for name, args in seconds
            }
            assert first.poll() is None  # still held at the gate: the others ran meanwhile
        finally:
            gate.set()
        code, log = finish(first, tmp_path, "first")
    assert code == 0, log[-3000:]
    for name, (code, log) in results.items():
        assert code == EXIT_LOCKED, (name, log[-3000:])
        assert len(log.strip().splitlines()) == 1, (name, log)
        assert f"(pid {first.pid})" in log, (name, log)
    assert "output out.jsonl is being written by another crawl" in results["same"][1]
    assert (
        "state state.sqlite3 is in use by another crawl of hostile" in (results["other-output"][1])
    )
    assert "output out.jsonl" in results["other-state"][1]
    written = Counter(a["canonical_url"] for a in lines(tmp_path / "out.jsonl"))
    assert len(written) == pages and set(written.values()) == {1}
    assert not (tmp_path / "other.jsonl").exists() or not lines(tmp_path / "other.jsonl")
    # Released and removed: no lock file is left by a run that ended.
    assert not list(tmp_path.glob("*.lock"))


def site_files(folder: Path, start_url: str, *ids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for site_id in ids:
        (folder / f"{site_id}.py").write_text(
            "from newscrawler.sites import Site\n"
            f"SITE = Site(id={site_id!r}, name={site_id!r}, domains=('127.0.0.1',),\n"
            f"            discovery=({start_url!r},))\n"
        )
    return folder


def test_two_sites_sharing_a_state_write_each_article_once_between_them(tmp_path: Path) -> None:
    # Crawls of two sites may share a state (a scheduler starts them together); here both list
    # the same articles, released to both at the same moment. Checking the state and recording
    # an article are one step, so each is written by one crawl only.
    pages = 60
    site = news_site(pages)
    gate = threading.Event()
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        for path in site.pages:
            routes[path] = gated(gate, routes[path])
        sites = site_files(tmp_path / "sites", server.url("/sitemap.xml"), "local_a", "local_b")
        crawls = {}
        for name in ("local_a", "local_b"):
            command = crawl_command(
                "", "--state", "state.sqlite3", "-o", f"{name}.jsonl", site=name
            )
            crawls[name] = start(command, tmp_path, name, sites)
        try:
            # Both crawls wait at the gate with their first 4 requests each.
            wait_for(
                lambda: len([h for h in server.hits() if h.path.startswith("/news/")]) >= 8,
                "both crawls' article requests",
            )
        finally:
            gate.set()
        results = {name: finish(child, tmp_path, name) for name, child in crawls.items()}
    for name, (code, log) in results.items():
        assert code == 0, (name, log[-3000:])
    written = Counter(
        a["canonical_url"] for name in crawls for a in lines(tmp_path / f"{name}.jsonl")
    )
    assert len(written) == pages
    assert [url for url, count in written.items() if count > 1] == []


# -- 2. a full disk ------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real filesystem of its own (an 8 MB tmpfs at tmp_path/disk; needs root), to fill up."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a tmpfs mount, which needs root")
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mountpoint)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(disk: Path, name: str = "filler") -> Path:
    """Fill `disk` to its last block with a file (removed later to free the space)."""
    filler = disk / name
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    block = b"\0" * 4096
    try:
        while True:
            os.write(fd, block)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def first_served(count: int, gate: threading.Event, then: Callable[[Any], None]) -> Any:
    """Serve the first `count` article requests at once, hold the others at `gate`."""
    served = iter(range(count))
    lock = threading.Lock()

    def behave(handler: Any) -> None:
        with lock:
            early = next(served, None) is not None
        if not early:
            gate.wait(WAIT)
        then(handler)

    return behave


def fill_mid_crawl(
    tmp_path: Path, disk: Path, state: Path, out: Path, pages: int, early: int
) -> tuple[int, str, list[str]]:
    """Crawl `pages` articles; once some of the `early` ones are written, fill the disk; the
    rest are served after."""
    site = news_site(pages)
    gate = threading.Event()
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        article = first_served(early, gate, next(iter(routes[p] for p in site.pages)))
        routes.update({path: article for path in site.pages})
        command = crawl_command(server.url("/sitemap.xml"), "--state", str(state), "-o", str(out))
        child = start(command, tmp_path, "full")
        try:
            wait_for(lambda: out.exists() and len(lines(out)) >= early // 2, "early articles")
            filler = fill(disk)
        finally:
            gate.set()
        code, log = finish(child, tmp_path, "full")
        # What the output holds, the state knows, and nothing more: no line to write twice.
        written = [a["canonical_url"] for a in lines(out)]
        assert state_urls(state) == set(written)
        assert early // 2 <= len(written) < pages

        # Started on the full disk (the line taken back freed a block: filled again): stopped
        # at once, one line, nothing written.
        topped_up = fill(disk, "filler-2")
        full, full_log = run(command, tmp_path, "still-full")
        assert full == EXIT_WRITE_FAILED, full_log[-3000:]
        assert "Traceback" not in full_log and len(full_log.strip().splitlines()) == 1, full_log
        assert full_log.startswith("newscrawler: cannot write the lock file"), full_log
        assert [a["canonical_url"] for a in lines(out)] == written

        filler.unlink()
        topped_up.unlink()
        again, again_log = run(command, tmp_path, "again")
        assert again == 0, again_log[-3000:]
    return code, log, written


def test_a_full_disk_under_the_state_stops_the_crawl_and_the_next_run_repeats_nothing(
    tmp_path: Path, small_disk: Path
) -> None:
    state, out = small_disk / "state.sqlite3", tmp_path / "out.jsonl"
    code, log, _ = fill_mid_crawl(tmp_path, small_disk, state, out, pages=80, early=10)
    assert_stopped_cleanly(code, log, f"state {state}")
    assert_each_article_once(out, 80)


def test_a_full_disk_under_the_output_stops_the_crawl_and_the_next_run_repeats_nothing(
    tmp_path: Path, small_disk: Path
) -> None:
    state, out = tmp_path / "state.sqlite3", small_disk / "out.jsonl"
    code, log, _ = fill_mid_crawl(tmp_path, small_disk, state, out, pages=80, early=10)
    assert_stopped_cleanly(code, log, f"output {out}")
    assert_each_article_once(out, 80)


def assert_stopped_cleanly(code: int, log: str, what: str) -> None:
    assert code == EXIT_WRITE_FAILED, log[-3000:]
    assert "Traceback" not in log, log[-5000:]
    assert last_line(log).startswith(f"newscrawler: cannot write the {what}"), last_line(log)
    assert "No space left" in last_line(log) or "disk is full" in last_line(log)
    summary = log[log.rindex("newscrawler summary") :]
    assert "(write_failed," in summary and "WRITE FAILED" in summary
    errors = next(line for line in summary.splitlines() if line.strip().startswith("errors"))
    assert int(errors.split()[1]) >= 1


def assert_each_article_once(out: Path, pages: int) -> None:
    data = out.read_bytes()
    assert data.endswith(b"\n")  # no partial line: a failed one is cut back
    written = Counter(a["canonical_url"] for a in lines(out))
    assert len(written) == pages
    assert [url for url, count in written.items() if count > 1] == []


# -- 3. a damaged state --------------------------------------------------------------------------


def damage_middle(path: Path) -> None:
    """Overwrite the root page of the articles table (a page inside the file, not its header)."""
    with closing(sqlite3.connect(path)) as db:
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'articles'").fetchone()[
            0
        ]
        size = db.execute("PRAGMA page_size").fetchone()[0]
        assert 1 < root < db.execute("PRAGMA page_count").fetchone()[0]
    with path.open("r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(b"\xff" * size)


def damage_header(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(b"not a database!!")


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [damage_middle, damage_header, empty], ids=lambda f: f.__name__)
def test_a_damaged_state_stops_the_crawl_and_rebuild_makes_it_whole(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    pages = 20
    site = news_site(pages)
    state, out = tmp_path / "state.sqlite3", tmp_path / "out.jsonl"
    routes: dict[str, Any] = {}
    with FaultyServer(routes) as server:
        routes.update(site.routes(server))
        command = crawl_command(server.url("/sitemap.xml"), "--state", state.name, "-o", out.name)
        code, log = run(command, tmp_path, "first")
        assert code == 0, log[-3000:]
        assert_each_article_once(out, pages)
        assert not Path(f"{state}-wal").exists()  # closed cleanly: the file holds it all
        damage(state)
        before = len(server.hits())

        code, log = run(command, tmp_path, "damaged")
        assert code == EXIT_STATE_DAMAGED, log[-3000:]
        assert len(log.strip().splitlines()) == 1, log[-3000:]
        assert log.startswith(f"newscrawler: state file {state.name} is damaged (")
        assert f"`newscrawler state rebuild --state {state.name} {out.name}`" in log
        assert len(server.hits()) == before  # nothing crawled
        assert_each_article_once(out, pages)

        rebuild = [sys.executable, "-m", "newscrawler.cli", "state", "rebuild"]
        code, log = run([*rebuild, "--state", state.name, out.name], tmp_path, "rebuild")
        assert code == 0, log
        assert log.startswith(f"rebuilt {state.name}: {pages} articles from {pages} lines"), log
        assert state_urls(state) == {a["canonical_url"] for a in lines(out)}

        # Nothing is written twice; a page changed meanwhile is its next revision.
        page = site.pages["/news/3"]
        page.paragraphs = [*page.paragraphs, "A correction was appended."]
        page.lastmod, page.version = "2017-03-16T00:00:00+00:00", 2
        code, log = run(command, tmp_path, "after")
    assert code == 0, log[-3000:]
    written = lines(out)
    assert len(written) == pages + 1
    assert written[-1]["url"].endswith("/news/3") and written[-1]["revision"] == 2


def test_rebuild_keeps_the_latest_revision_and_refuses_an_output_without_articles(
    tmp_path: Path,
) -> None:
    base = {"id": "a1", "site": "s", "body": "one two three", "fetched_at": "2026-01-01T00:00:00Z"}
    old = {**base, "canonical_url": "https://x/a", "content_hash": "sha256:1", "revision": 1}
    new = {**old, "content_hash": "sha256:2", "revision": 2}
    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps(r) for r in (new, old)) + '\n{"cut short', "utf-8"
    )
    (tmp_path / "empty.jsonl").write_text("", "utf-8")
    (tmp_path / "state.sqlite3").write_text("damaged", "utf-8")
    rebuild = [sys.executable, "-m", "newscrawler.cli", "state", "rebuild", "--state"]
    code, log = run([*rebuild, "state.sqlite3", "empty.jsonl"], tmp_path, "none")
    assert code == 2 and "no article in empty.jsonl" in log, log
    assert (tmp_path / "state.sqlite3").read_text("utf-8") == "damaged"  # left as it was

    code, log = run([*rebuild, "state.sqlite3", "a.jsonl"], tmp_path, "rebuild")
    assert code == 0, log
    assert "1 articles from 3 lines (1 unreadable)" in log
    kept = list(tmp_path.glob("state.sqlite3.before-rebuild-*"))
    assert [p.read_text("utf-8") for p in kept] == ["damaged"]
    with closing(sqlite3.connect(tmp_path / "state.sqlite3")) as db:
        rows = db.execute("SELECT content_hash, revision FROM articles").fetchall()
    assert rows == [("sha256:2", 2)]


def test_rebuild_refuses_while_a_crawl_holds_the_state(tmp_path: Path) -> None:
    (tmp_path / "out.jsonl").write_text("", "utf-8")
    with PidLock(tmp_path / "state.sqlite3.hostile.lock"):
        code, log = run(
            [sys.executable, "-m", "newscrawler.cli", "state", "rebuild", "--state",
             "state.sqlite3", "out.jsonl"],
            tmp_path, "rebuild",
        )  # fmt: skip
    assert code == EXIT_LOCKED, log
    assert f"(pid {os.getpid()})" in log
    assert not (tmp_path / "state.sqlite3").exists()


def test_crawlers_of_one_process_share_a_lock_until_the_last_lets_go(tmp_path: Path) -> None:
    # `newscrawler crawl a b -o out.jsonl` runs two crawlers, each holding the output's lock.
    path = tmp_path / "out.jsonl.lock"
    first, second = hold(PidLock(path)), hold(PidLock(path))
    assert PidLock.holder(path) == os.getpid()
    first.release()
    first.release()  # a second release of one share changes nothing
    assert PidLock.holder(path) == os.getpid()
    probe = [
        sys.executable,
        "-c",
        f"from newscrawler.locks import PidLock; PidLock({str(path)!r}).acquire()",
    ]
    refused = subprocess.run(probe, capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and f"held by another process (pid {os.getpid()})" in (
        refused.stderr
    )
    second.release()
    assert PidLock.holder(path) is None and not path.exists()
    assert subprocess.run(probe, check=False).returncode == 0
