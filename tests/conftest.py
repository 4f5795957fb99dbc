"""Shared test helpers: paths, and a recorded site served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawler.replay.recording import Recording
from newscrawler.replay.server import RecordingProxyServer

from .environment import child_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# The hostile-input and fault tables the robustness tests check their case lists against.
ROBUSTNESS = "docs/robustness.md"


@pytest.fixture(scope="session")
def fixtures_proxy() -> Iterator[RecordingProxyServer]:
    """Every recorded site under fixtures/, served as an HTTP(S) proxy on 127.0.0.1."""
    with RecordingProxyServer(Recording.load(FIXTURES)) as server:
        yield server


def run_newscrawler(
    args: list[str], cwd: Path, proxy: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real `newscrawler` command line in a child process, fast politeness settings,
    with the proxy environment variables a user behind a proxy would set."""
    env = child_environment(proxy)
    command = [
        sys.executable,
        "-m",
        "newscrawler.cli",
        *args,
        # Scrapy's log on stderr, where these tests read it (without -v it goes to a file).
        *(["-v"] if args[:1] == ["crawl"] else []),
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "NEWSCRAWLER_PROGRESS_INTERVAL=0",
    ]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def doc_section(document: str, heading: str) -> str:
    """The text under a `## heading` of a Markdown file of the repository, up to the next one."""
    text = (ROOT / document).read_text("utf-8")
    return text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def doc_table(document: str, heading: str) -> dict[str, str]:
    """First column -> second column of every table row under a `## heading` of a Markdown file."""
    rows: dict[str, str] = {}
    for line in doc_section(document, heading).splitlines():
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) >= 2:
            rows[cells[0]] = cells[1]
    return rows
