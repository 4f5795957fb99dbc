"""Whole crawls through the real command line: recorded sites served over HTTP on 127.0.0.1
(through the proxy path, as a user behind a proxy crawls), and offline replay."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from newscrawler.replay.server import RecordingProxyServer
from newscrawler.sites import load_sites
from newscrawler.validation import article_schema

from .conftest import FIXTURES, ROOT, run_newscrawler


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_urls(site: str) -> set[str]:
    return {
        json.loads(p.read_text(encoding="utf-8"))["url"]
        for p in (FIXTURES / site / "expected").glob("*.json")
    }


@pytest.mark.parametrize("site", sorted(load_sites()))
def test_crawl_over_http_writes_every_expected_article_and_stays_on_site(
    site: str, tmp_path: Path, fixtures_proxy: RecordingProxyServer
) -> None:
    before = len(fixtures_proxy.requested)
    result = run_newscrawler(
        ["crawl", site, "-O", "out.jsonl", "--state", "state.sqlite3"],
        cwd=tmp_path,
        proxy=fixtures_proxy.url,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    articles = read_jsonl(tmp_path / "out.jsonl")
    assert {a["url"] for a in articles} == expected_urls(site)
    validator = jsonschema.Draft202012Validator(article_schema())
    for article in articles:
        validator.validate(article)  # every written line is valid against the shipped schema
        assert article["site"] == site
    # Every request went to the site's own domains (tunnels are `CONNECT host:443`).
    allowed = load_sites()[site].domains
    for requested in fixtures_proxy.requested[before:]:
        host = (
            requested.split()[-1].split(":")[0]
            if requested.startswith("CONNECT")
            else urlsplit(requested).hostname
        )
        assert host is not None and any(host == d or host.endswith("." + d) for d in allowed), (
            requested
        )
    assert "newscrawler summary for " + site in result.stderr
    assert "'newscrawler/rejected" not in result.stderr


@pytest.mark.parametrize(
    ("site", "stat"),
    [
        ("japannews", "'newscrawler/spider/discovery/sitemap': 2"),  # gzip index + news sitemap
        ("mainichi", "'newscrawler/spider/discovery/feed': 1"),
        ("jmh", "'newscrawler/spider/discovery/wordpress': 1"),
        ("apnews", "'newscrawler/spider/discovery/robots': 1"),
    ],
)
def test_each_discovery_path_runs_in_a_real_crawl(
    site: str, stat: str, tmp_path: Path, fixtures_proxy: RecordingProxyServer
) -> None:
    result = run_newscrawler(
        ["crawl", site, "-o", "out.jsonl", "--state", "s.sqlite3"],
        cwd=tmp_path,
        proxy=fixtures_proxy.url,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert stat in result.stderr
    assert {a["url"] for a in read_jsonl(tmp_path / "out.jsonl")} == expected_urls(site)


def test_second_run_writes_nothing_new(
    tmp_path: Path, fixtures_proxy: RecordingProxyServer
) -> None:
    args = ["crawl", "jmh", "-o", "out.jsonl", "--state", "state.sqlite3"]
    first = run_newscrawler(args, cwd=tmp_path, proxy=fixtures_proxy.url)
    assert first.returncode == 0, first.stderr[-3000:]
    written = (tmp_path / "out.jsonl").read_bytes()
    assert len(written.splitlines()) == len(expected_urls("jmh"))
    second = run_newscrawler(args, cwd=tmp_path, proxy=fixtures_proxy.url)
    assert second.returncode == 0, second.stderr[-3000:]
    assert (tmp_path / "out.jsonl").read_bytes() == written
    # Known, and their WordPress modified dates unchanged: not even requested (incremental).
    assert "'newscrawler/incremental/skipped': 2" in second.stderr


def test_offline_replay_of_every_site_in_one_run(tmp_path: Path) -> None:
    result = run_newscrawler(
        ["crawl", "--all", "--replay", str(FIXTURES), "-O", "articles.jsonl"], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    articles = read_jsonl(tmp_path / "articles.jsonl")
    expected = set().union(*(expected_urls(site) for site in load_sites()))
    assert {a["url"] for a in articles} == expected
    assert len(articles) == len(expected)
    assert "'newscrawler/replay/hit'" in result.stderr


def test_unknown_site_fails_at_once_with_the_known_ids(tmp_path: Path) -> None:
    result = run_newscrawler(["crawl", "no_such_site"], cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown site 'no_such_site'" in result.stderr
    for site in load_sites():
        assert site in result.stderr
    assert not (tmp_path / "articles.jsonl").exists()


def test_scrapy_list_and_scrapy_crawl_work_in_the_project(tmp_path: Path) -> None:
    env_python = sys.executable
    listed = subprocess.run(
        [env_python, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert listed.stdout.split() == sorted(load_sites())
    assert "several spiders with the same name" not in listed.stderr
    out = tmp_path / "out.jsonl"
    crawl = subprocess.run(
        [
            env_python, "-m", "scrapy", "crawl", "jmh", "-O", str(out),
            "-s", f"NEWSCRAWLER_REPLAY_DIR={FIXTURES}",
            "-s", f"NEWSCRAWLER_STATE_PATH={tmp_path / 'state.sqlite3'}",
            "-s", f"NEWSCRAWLER_REJECTS={tmp_path / 'rejects.jsonl'}",
            "-s", "DOWNLOAD_DELAY=0",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert {a["url"] for a in read_jsonl(out)} == expected_urls("jmh")
    unknown = subprocess.run(
        [env_python, "-m", "scrapy", "crawl", "no_such_site"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert unknown.returncode != 0
    assert "known sites: " + ", ".join(sorted(load_sites())) in unknown.stderr


def test_wordpress_rest_api_pagination_alone_finds_every_post(
    tmp_path: Path, fixtures_proxy: RecordingProxyServer
) -> None:
    api = (
        "https://jmh.usembassy.gov/wp-json/wp/v2/posts?page=1&per_page=1"
        "&_fields=id,link,date,date_gmt,modified,modified_gmt,title"
    )
    result = run_newscrawler(
        ["crawl", "jmh", "-o", "out.jsonl", "--state", "s.sqlite3", "-a", f"start_url={api}"],
        cwd=tmp_path,
        proxy=fixtures_proxy.url,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert {a["url"] for a in read_jsonl(tmp_path / "out.jsonl")} == expected_urls("jmh")
    assert "'newscrawler/spider/discovery/wordpress': 2" in result.stderr
    assert "'newscrawler/spider/discovery/robots'" not in result.stderr
