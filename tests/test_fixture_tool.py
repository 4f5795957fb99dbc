"""`newscrawler fixture record`, `fixture refresh` and `check`: the fixture tooling, end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawler.cli import main
from newscrawler.replay.recording import Recording
from newscrawler.replay.server import RecordingProxyServer

from .conftest import FIXTURES, ROOT
from .environment import child_environment

JAPANNEWS_URL = "https://japannews.yomiuri.co.jp/politics/politics-government/20241013-216478/"
JAPANNEWS_PAGE = FIXTURES / "japannews" / "site" / "pages" / "TheJapanNews_2024_10_13.html.gz"
JAPANNEWS_EXPECTED = FIXTURES / "japannews" / "expected" / "TheJapanNews_2024_10_13.json"


def _copy_site(tmp_path: Path, site_id: str) -> Path:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / site_id, fixtures / site_id)
    return fixtures


def test_check_passes_on_the_shipped_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--fixtures", str(FIXTURES)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["site", "pages", "canon", "title"]
    assert "FAIL" not in out
    assert "asahi" in out and "saved pages pass" in out


def test_check_fails_on_a_regression_and_refresh_write_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = _copy_site(tmp_path, "japannews")
    expected_path = fixtures / "japannews" / "expected" / JAPANNEWS_EXPECTED.name
    document = json.loads(expected_path.read_text(encoding="utf-8"))
    document["article"]["title"] = "A headline the page does not have"
    expected_path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    assert main(["check", "japannews", "--fixtures", str(fixtures)]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("japannews"))
    assert row.split()[2:5] == ["ok", "FAIL", "ok"]  # canonical_url, title, subtitle
    assert "title differs" in out and "0 of 1 saved pages pass" in out

    assert main(["fixture", "refresh", "japannews", "--fixtures", str(fixtures)]) == 0
    out = capsys.readouterr().out
    assert "A headline the page does not have" in out and "written" not in out
    assert main(["fixture", "refresh", "--write", "--fixtures", str(fixtures)]) == 0
    assert "written" in capsys.readouterr().out
    assert json.loads(expected_path.read_text(encoding="utf-8")) == json.loads(
        JAPANNEWS_EXPECTED.read_text(encoding="utf-8")
    )
    assert main(["check", "japannews", "--fixtures", str(fixtures)]) == 0


def test_check_of_a_site_without_saved_pages_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "jmh", "--fixtures", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "0 of 0 saved pages pass; 1 site without saved pages" in out
    assert "newscrawler fixture record jmh URL" in out
    assert "-1" not in out


def test_check_names_an_unknown_site(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nosuchsite", "--fixtures", str(FIXTURES)]) == 2
    assert "unknown site 'nosuchsite'" in capsys.readouterr().err


def test_record_saves_the_page_as_served_with_a_draft_expected_article(tmp_path: Path) -> None:
    """A real Scrapy fetch (robots.txt, proxy, decompression) of a page served gzip by a
    server on 127.0.0.1: the bytes on disk are the bytes on the wire."""
    fixtures = tmp_path / "fixtures"  # not made: recording starts the folder
    with RecordingProxyServer(Recording.load(FIXTURES / "japannews" / "site")) as server:
        env = {**child_environment(server.url), "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "newscrawler.cli",
                "fixture",
                "record",
                "japannews",
                JAPANNEWS_URL,
                "--fixtures",
                str(fixtures),
                "-s",
                "DOWNLOAD_DELAY=0",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        requested = list(server.requested)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "https://japannews.yomiuri.co.jp/robots.txt" in requested
    site = fixtures / "japannews" / "site"
    index = json.loads((site / "index.json").read_text(encoding="utf-8"))
    [entry] = [r for r in index["responses"] if r["url"] == JAPANNEWS_URL]
    assert entry["status"] == 200
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    assert headers["content-encoding"] == "gzip"
    assert headers["content-type"].startswith("text/html")
    assert (site / entry["body"]).read_bytes() == JAPANNEWS_PAGE.read_bytes()
    [expected_path] = (fixtures / "japannews" / "expected").glob("*.json")
    # The draft is today's extraction: here it matches the hand-checked article.
    assert json.loads(expected_path.read_text(encoding="utf-8")) == json.loads(
        JAPANNEWS_EXPECTED.read_text(encoding="utf-8")
    )
    assert "check every field" in result.stdout
    # Replayable as recorded: robots.txt (as served, plus a Sitemap line) and a sitemap that
    # lists the page are recorded with it, so a replayed crawl finds the article.
    assert "Sitemap: https://japannews.yomiuri.co.jp/newscrawler-fixtures-sitemap.xml" in (
        site / "robots.txt"
    ).read_text(encoding="utf-8")
    replayed = subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "crawl", "japannews", "--replay", str(fixtures),
         "-o", "-", "-q"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    assert [json.loads(line)["url"] for line in replayed.stdout.splitlines()] == [JAPANNEWS_URL]
