"""`newscrawler extract`: saved pages (.html, .html.gz, standard input) to article JSON lines in
the crawl's schema."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jsonschema

from newscrawler.validation import article_schema

from .conftest import FIXTURES, ROOT
from .faulty_server import gzip_bomb_bytes
from .test_hostile_pages import one_node_page

MAINICHI_PAGE = next((FIXTURES / "mainichi" / "site" / "pages").glob("*.html.gz"))
MIB = 1024 * 1024
# Peak memory of one `extract` process over a gzip bomb: the page limit (DOWNLOAD_MAXSIZE,
# 20 MB) and its copies on top of the interpreter and the extraction libraries; inflating the
# bomb whole costs gigabytes.
MAX_RSS_MB = 300
MAINICHI_EXPECTED = json.loads(
    next((FIXTURES / "mainichi" / "expected").glob("*.json")).read_text(encoding="utf-8")
)


def extract(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawler.cli", "extract", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_a_saved_gzip_page_gives_the_same_article_as_a_crawl() -> None:
    result = extract(str(MAINICHI_PAGE))
    assert result.returncode == 0, result.stderr.decode()
    (line,) = result.stdout.decode("utf-8").splitlines()
    article = json.loads(line)
    jsonschema.Draft202012Validator(article_schema()).validate(article)
    # No --url: the page's canonical URL is used, and it picks the registered site.
    assert article["url"] == MAINICHI_EXPECTED["url"]
    assert article["site"] == "mainichi"
    for field, value in MAINICHI_EXPECTED["article"].items():
        assert article[field] == value, field


def test_standard_input_and_url_option(tmp_path: Path) -> None:
    html = gzip.decompress(MAINICHI_PAGE.read_bytes())
    result = extract("--url", "https://mainichi.jp/articles/x?utm_source=feed", stdin=html)
    assert result.returncode == 0, result.stderr.decode()
    article = json.loads(result.stdout)
    assert article["url"] == "https://mainichi.jp/articles/x?utm_source=feed"
    assert article["title"] == MAINICHI_EXPECTED["article"]["title"]


def test_several_files_one_line_each_and_a_reason_for_each_page_without_an_article(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "page.html"
    plain.write_bytes(gzip.decompress(MAINICHI_PAGE.read_bytes()))
    no_url = tmp_path / "bare.html"
    no_url.write_text("<html><body><h1>Hello there</h1><p>Short text.</p></body></html>")
    home = FIXTURES / "pages" / "cnn_main_site.html.gz"
    result = extract(str(plain), str(no_url), str(home), str(tmp_path / "missing.html"))
    assert result.returncode == 1
    assert len(result.stdout.decode().splitlines()) == 1
    err = result.stderr.decode()
    assert f"{no_url}: no article (no-url: the page names no canonical URL; pass --url)" in err
    assert f"{home}: no article (not-article/home)" in err
    assert "missing.html: No such file or directory" in err


# Runs `newscrawler extract` in a fresh interpreter and reports, with its output, which modules
# of Scrapy and Twisted it loaded: extract reads a saved page, and loading the crawler (about
# a second of start-up, more than the extraction libraries) is no part of that.
_EXTRACT_AND_LIST_CRAWL_MODULES = """
import contextlib, io, json, sys
from newscrawler.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(["extract", sys.argv[1]])
crawl = sorted(m for m in sys.modules if m.partition(".")[0] in {"scrapy", "twisted"})
print(json.dumps({"status": status, "output": out.getvalue(), "crawl_modules": crawl}))
"""


def test_extract_loads_neither_scrapy_nor_twisted_and_gives_the_same_article() -> None:
    child = subprocess.run(
        [sys.executable, "-c", _EXTRACT_AND_LIST_CRAWL_MODULES, str(MAINICHI_PAGE)],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        text=True,
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["crawl_modules"] == []
    assert report["status"] == 0, child.stderr
    (line,) = report["output"].splitlines()
    article = json.loads(line)
    assert article["url"] == MAINICHI_EXPECTED["url"]
    for field, value in MAINICHI_EXPECTED["article"].items():
        assert article[field] == value, field


def extract_measured(workdir: Path, *args: str) -> tuple[int, str, str, float]:
    """Exit status, stdout, stderr and peak RSS (MB) of one `extract` process: its own high-water
    mark (VmHWM), read while it runs. wait4's ru_maxrss is not the child's: Linux counts the
    forked copy of this test process before exec in it (388 MB late in the whole suite)."""
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "newscrawler.cli", "extract", *args],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
        )
    deadline = time.monotonic() + 300  # a hang guard only
    peak_kb = 0
    while not (waited := os.wait4(child.pid, os.WNOHANG))[0]:
        if time.monotonic() > deadline:
            child.kill()
        peak_kb = max(peak_kb, _high_water_kb(child.pid))
        time.sleep(0.02)
    child.returncode = os.waitstatus_to_exitcode(waited[1])
    return child.returncode, out.read_text("utf-8"), err.read_text("utf-8"), peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, kB); 0 once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def test_bad_files_are_skipped_with_one_line_each_and_the_batch_goes_on(tmp_path: Path) -> None:
    good = gzip.decompress(MAINICHI_PAGE.read_bytes())
    truncated = tmp_path / "truncated.html.gz"
    truncated.write_bytes(gzip.compress(good)[:-5000])
    corrupt = tmp_path / "corrupt.html.gz"
    whole = gzip.compress(good)
    corrupt.write_bytes(whole[:200] + b"\xff" * 64 + whole[264:])
    image = tmp_path / "photo.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip_bomb_bytes(1024 * MIB, prefix=b"<html><body><p>"))
    huge = tmp_path / "one-node.html"
    page = one_node_page(10_500_000)
    huge.write_bytes(
        page.replace(b"<head>", b'<head><link rel="canonical" href="https://x.test/a">')
    )
    last = tmp_path / "last.html"
    last.write_bytes(good)
    bad = [truncated, corrupt, image, bomb, huge]
    code, out, err, rss = extract_measured(tmp_path, *(str(p) for p in bad), str(last))
    assert code == 1
    (line,) = out.splitlines()  # the page after all the bad ones
    assert json.loads(line)["title"] == MAINICHI_EXPECTED["article"]["title"]
    lines = err.splitlines()
    assert len(lines) == len(bad), err  # one line per bad file, no traceback
    reasons = dict(line.split(": ", 2)[1:] for line in lines)
    assert reasons[str(truncated)] == "no article (bad-gzip: gzip: truncated data)"
    assert reasons[str(corrupt)].startswith("no article (bad-gzip: gzip: corrupt data"), err
    assert reasons[str(image)] == "no article (not-html: binary data (a PNG image) served as text)"
    assert reasons[str(bomb)] == (
        f"no article (too-large: gzip: decompressed size exceeds {20 * MIB} bytes)"
    )
    assert reasons[str(huge)].startswith("no article (too-large: past a size limit"), err
    print(f"peak RSS {rss:.0f} MB")
    assert rss < MAX_RSS_MB, rss
