"""`newscrawler crawl` as a person or cron meets it, run as they run it: the command line in a child
process (a pseudo-terminal where the terminal matters). What it prints, the log file, exit
statuses, refused outputs, the crawl filters, Ctrl-C, and the Python API on top of it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import newscrawler
from newscrawler.exitcodes import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING_FETCHED,
    EXIT_OK,
    EXIT_USAGE,
)

from .conftest import FIXTURES
from .environment import child_environment
from .faulty_server import SITES_DIR, FaultyServer, delayed
from .test_incremental import LocalNewsSite, Page, story

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def newscrawler_cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The command exactly as a user types it (no -v: what they see), not in a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", *args],
        cwd=cwd,
        env=env or child_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_readme_command_prints_one_summary_and_logs_to_a_file_then_reruns_say_known(
    tmp_path: Path,
) -> None:
    from newscrawler.sites import load_sites

    sites = sorted(load_sites())
    first = newscrawler_cli(
        ["crawl", "--all", "--replay", str(FIXTURES), "-o", "articles.jsonl"], tmp_path
    )
    assert first.returncode == EXIT_OK, first.stderr[-3000:]
    written = len(lines(tmp_path / "articles.jsonl"))
    err = first.stderr.splitlines()
    # One table (header, a row per site, a rule, the total) and a few lines of words: not the
    # ~2,200 lines of 17 Scrapy start-ups, stats dumps and summaries.
    assert len(err) <= len(sites) + 8, first.stderr
    assert "\x1b" not in first.stderr  # not a terminal: no escape codes
    assert first.stdout == ""
    assert err[0].split() == [
        "site",
        "pages",
        "new",
        "known",
        "dups",
        "rejects",
        "errors",
        "status",
    ]
    rows = {line.split()[0]: line.split() for line in err[1:] if line.split()}
    for site in sites:
        assert rows[site][-1] == "finished"
    assert rows["total"][2] == str(written)
    assert f"{written} new articles written to articles.jsonl" in first.stderr
    log = tmp_path / ".newscrawler" / "crawl.log"
    assert "full log: .newscrawler/crawl.log" in first.stderr
    log_text = log.read_text("utf-8")
    assert log_text.count("Dumping Scrapy stats") == len(sites)
    assert "Dumping Scrapy stats" not in first.stderr
    assert "Disabled" not in log_text  # no warning per site for the run recorder left off

    # Rerun with -O: nothing new, and the summary says why and what to do.
    again = newscrawler_cli(
        ["crawl", "--all", "--replay", str(FIXTURES), "-O", "articles.jsonl"], tmp_path
    )
    assert again.returncode == EXIT_OK, again.stderr[-3000:]
    assert f"{written} already known, nothing new" in again.stderr
    assert f"-O emptied articles.jsonl, which held {written} articles" in again.stderr
    assert "--fresh writes them again" in again.stderr
    assert (tmp_path / "articles.jsonl").read_bytes() == b""

    fresh = newscrawler_cli(
        ["crawl", "--all", "--replay", str(FIXTURES), "-O", "articles.jsonl", "--fresh", "-q"],
        tmp_path,
    )
    assert fresh.returncode == EXIT_OK, fresh.stderr[-3000:]
    assert len(lines(tmp_path / "articles.jsonl")) == written
    assert "--fresh: the state was not read" in fresh.stderr


def test_verbose_brings_the_log_back_and_quiet_prints_only_the_summary(tmp_path: Path) -> None:
    verbose = newscrawler_cli(
        ["crawl", "jmh", "--replay", str(FIXTURES), "-o", "a.jsonl", "-v", *FAST], tmp_path
    )
    assert verbose.returncode == EXIT_OK, verbose.stderr[-3000:]
    assert "Dumping Scrapy stats" in verbose.stderr
    assert "full log:" not in verbose.stderr
    quiet = newscrawler_cli(
        ["crawl", "jmh", "--replay", str(FIXTURES), "-o", "b.jsonl", "-q", "--fresh"], tmp_path
    )
    assert quiet.returncode == EXIT_OK, quiet.stderr[-3000:]
    assert quiet.stderr.splitlines()[0].split()[0] == "site"
    assert "pages/min" not in quiet.stderr  # no progress lines


@pytest.mark.parametrize(
    ("option", "target", "why"),
    [
        ("-o", "out.csv", "is not a .jsonl file"),
        ("-O", "out.json", "is not a .jsonl file"),
        ("-o", "s3://bucket/x", "is a URL"),
        ("-o", "ftp://user:hunter22pw@host/x.jsonl", "is a URL"),
    ],
)
def test_outputs_that_are_not_local_jsonl_are_refused_in_one_line(
    tmp_path: Path, option: str, target: str, why: str
) -> None:
    result = newscrawler_cli(["crawl", "jmh", option, target], tmp_path)
    assert result.returncode == EXIT_USAGE
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert why in result.stderr
    assert "hunter22pw" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no "s3:" or "ftp:" folder, no file


def test_dash_writes_one_article_a_line_to_standard_output(tmp_path: Path) -> None:
    result = newscrawler_cli(["crawl", "jmh", "--replay", str(FIXTURES), "-o", "-"], tmp_path)
    assert result.returncode == EXIT_OK, result.stderr[-3000:]
    articles = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["site"] for a in articles] == ["jmh", "jmh"]
    assert "2 new articles written in" in result.stderr
    assert not (tmp_path / "-").exists()


def test_max_articles_since_and_language_filter_exactly_and_count(tmp_path: Path) -> None:
    replay = ["--replay", str(FIXTURES), "--fresh", "-q"]
    # jmh has 2 articles (2017-03-15 and 2017-03-16, en-US), asahi 1 (ja).
    limited = newscrawler_cli(["crawl", "jmh", *replay, "-O", "a.jsonl", "--max-articles", "1"],
                              tmp_path)  # fmt: skip
    assert limited.returncode == EXIT_OK, limited.stderr[-3000:]
    assert len(lines(tmp_path / "a.jsonl")) == 1
    assert "max_articles" in limited.stderr
    since = newscrawler_cli(["crawl", "jmh", *replay, "-O", "b.jsonl", "--since", "2017-03-16"],
                            tmp_path)  # fmt: skip
    assert since.returncode == EXIT_OK, since.stderr[-3000:]
    assert [a["published_at"][:10] for a in lines(tmp_path / "b.jsonl")] == ["2017-03-16"]
    assert "left out: 1 published before --since" in since.stderr
    language = newscrawler_cli(
        ["crawl", "jmh", "asahi", *replay, "-O", "c.jsonl", "--language", "ja"], tmp_path
    )
    assert language.returncode == EXIT_OK, language.stderr[-3000:]
    assert [a["site"] for a in lines(tmp_path / "c.jsonl")] == ["asahi"]
    assert "left out: 2 in another language (--language)" in language.stderr
    bad = newscrawler_cli(["crawl", "jmh", "--since", "last week"], tmp_path)
    assert bad.returncode == EXIT_USAGE
    assert "give YYYY-MM-DD" in bad.stderr
    threshold = newscrawler_cli(["crawl", "jmh", "-s", "NEWSCRAWLER_NEARDUP_THRESHOLD=2"], tmp_path)
    assert threshold.returncode == EXIT_USAGE
    assert "NEWSCRAWLER_NEARDUP_THRESHOLD='2' must be above 0 and at most 1" in threshold.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_dead_proxy_exits_3_and_the_error_names_the_proxy_without_its_password(
    tmp_path: Path,
) -> None:
    proxy = f"http://crawler:s3cretPass@127.0.0.1:{free_port()}"
    result = newscrawler_cli(
        ["crawl", "jmh", "-o", "out.jsonl", "-s", "RETRY_TIMES=0"],
        tmp_path,
        child_environment(proxy),
    )
    assert result.returncode == EXIT_NOTHING_FETCHED, result.stderr[-3000:]
    problem = [line for line in result.stderr.splitlines() if line.startswith("PROBLEM")]
    assert len(problem) == 1
    assert "jmh: no page could be fetched: proxy http://127.0.0.1:" in problem[0]
    assert "jmh.usembassy.gov" not in problem[0]
    log = (tmp_path / ".newscrawler" / "crawl.log").read_text("utf-8")
    assert "s3cretPass" not in result.stderr + log
    assert "NOTHING FETCHED" in result.stderr


def test_run_record_and_runs_table_carry_the_exit_status(tmp_path: Path) -> None:
    result = newscrawler_cli(
        ["crawl", "jmh", "--replay", str(FIXTURES), "--runs-dir", "runs", "-q"], tmp_path
    )
    assert result.returncode == EXIT_OK, result.stderr[-3000:]
    (record,) = (tmp_path / "runs" / "jmh").glob("*.json")
    data = json.loads(record.read_text("utf-8"))
    assert data["exit_code"] == EXIT_OK and data["problem"] is None
    assert record.with_suffix(".log").exists()  # the run's Scrapy log beside its record
    runs = newscrawler_cli(["runs", "--runs-dir", "runs"], tmp_path)
    assert runs.stdout.splitlines()[0].split()[-2:] == ["exit", "drift"]


def slow_site(server: FaultyServer, routes: dict[str, Any], pages: int) -> None:
    site = LocalNewsSite({f"/news/{n}": Page(f"Slow story {n}", story(n)) for n in range(pages)})
    routes.update(site.routes(server))
    # The first pages come at once, the rest far slower than any wait below: a crawl that waits
    # for its pages in flight after Ctrl-C does not end within the test's time.
    for n, path in enumerate(site.pages):
        if n >= 3:
            routes[path] = delayed(600, routes[path])


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_stops_promptly_with_whole_lines_and_exit_4(tmp_path: Path, signals: int) -> None:
    routes: dict[str, Any] = {}
    env = child_environment()
    env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)
    with FaultyServer(routes) as server:
        slow_site(server, routes, 12)
        command = [sys.executable, "-m", "newscrawler.cli", "crawl", "hostile", *FAST]
        command += ["-a", f"start_url={server.url('/sitemap.xml')}", "-o", "out.jsonl"]
        # Every page requested at once: 3 answer, 9 hang.
        command += ["-s", "DOWNLOAD_TIMEOUT=900", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
        # One signal: the grace stops it; two: the second, long before this grace is over.
        command += ["-s", f"NEWSCRAWLER_STOP_GRACE={2 if signals == 1 else 900}"]
        child = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out = tmp_path / "out.jsonl"
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_bytes().count(b"\n") >= 3):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        while len([h for h in server.hits() if h.path.startswith("/news/")]) < 12:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        if signals == 2:
            time.sleep(0.5)
            child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=120)
    assert child.returncode == EXIT_INTERRUPTED, err.decode()[-3000:]
    data = out.read_bytes()
    assert data.endswith(b"\n")
    assert len([json.loads(line) for line in data.splitlines()]) == 3
    assert b"interrupted" in err
    assert b"stopping (Ctrl-C again: at once)" in err  # said at once, before the summary


def test_progress_in_a_terminal_is_one_redrawn_display_and_a_summary(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "newscrawler.cli", "crawl", "--all", "--replay", str(FIXTURES), "-o", "a.jsonl"],
        cwd=str(tmp_path),
        env={**child_environment(), "COLUMNS": "160", "TERM": "xterm"},
        timeout=300,
        dimensions=(40, 160),
    )
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before.decode("utf-8", "replace")
    assert child.exitstatus == EXIT_OK, screen[-3000:]
    assert "done, pages" in screen  # the live line was drawn
    assert "total" in screen and "full log: .newscrawler/crawl.log" in screen
    assert "Dumping Scrapy stats" not in screen and "INFO" not in screen


def test_python_api_extract_and_crawl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = (FIXTURES / "jmh" / "site" / "2017031517228.html").read_bytes()
    article = newscrawler.extract(page)
    assert isinstance(article, newscrawler.Article)
    command = subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "extract", "-"],
        input=page, capture_output=True, check=True,
    )  # fmt: skip
    cli_article = json.loads(command.stdout)
    for field in ("id", "title", "body", "authors", "published_at", "site"):
        assert getattr(article, field) == cli_article[field]
    assert (
        newscrawler.extract("<html><body><p>menu</p></body></html>", url="https://x.test/") is None
    )

    monkeypatch.chdir(tmp_path)
    first = list(newscrawler.crawl(["jmh", "asahi"], replay=FIXTURES, max_articles=1))
    assert sorted(a.site for a in first) == ["asahi", "jmh"]
    assert all(isinstance(a, newscrawler.Article) and a.body for a in first)
    # Breaking out of the loop stops the crawl; nothing is left running.
    for article in newscrawler.crawl(["jmh"], replay=FIXTURES, fresh=True):
        assert article.site == "jmh"
        break
    with pytest.raises(newscrawler.CrawlError) as failed:
        list(newscrawler.crawl(["no_such_site"]))
    assert failed.value.exit_code == EXIT_USAGE
    assert "unknown site 'no_such_site'" in str(failed.value)
    assert os.path.exists(".newscrawler/crawl.log")


def test_an_empty_sitemap_is_reported_not_silent(tmp_path: Path) -> None:
    routes: dict[str, Any] = {}
    env = child_environment()
    env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)
    with FaultyServer(routes) as server:
        routes.update(LocalNewsSite({}).routes(server))
        result = newscrawler_cli(
            ["crawl", "hostile", "-a", f"start_url={server.url('/sitemap.xml')}", *FAST],
            tmp_path,
            env,
        )
    assert result.returncode == EXIT_OK, result.stderr[-3000:]
    assert "PROBLEM hostile: discovery found no article URL (an empty sitemap or feed?)" in (
        result.stderr
    )
