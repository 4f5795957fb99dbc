"""Deployment: the project as an egg on a real scrapyd on 127.0.0.1, one site scheduled through
its HTTP API against a local test site (registered with NEWSCRAWLER_SITES_DIR in scrapyd's
environment, which scrapyd passes to every crawl it starts)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .faulty_server import SITES_DIR, FaultyServer
from .test_incremental import LocalNewsSite, Page, read_lines, story

pytest.importorskip("scrapyd")

SETUP_PY = """from setuptools import find_packages, setup
setup(
    name="newscrawler",
    version="1.0",
    packages=find_packages(include=["newscrawler*"]),
    package_data={"newscrawler": ["schema/*.json", "sites/*.toml", "py.typed"]},
    entry_points={"scrapy": ["settings = newscrawler.settings"]},
)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_egg(workdir: Path) -> Path:
    """The egg scrapyd-deploy would build: the package plus the `scrapy` settings entry point."""
    source = workdir / "src"
    shutil.copytree(
        ROOT / "newscrawler", source / "newscrawler", ignore=shutil.ignore_patterns("__pycache__")
    )
    (source / "setup.py").write_text(SETUP_PY)
    subprocess.run(
        [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(workdir / "dist")],
        cwd=source, check=True, capture_output=True,
    )  # fmt: skip
    (egg,) = (workdir / "dist").glob("*.egg")
    return egg


def api(
    base: str, path: str, data: dict[str, Any] | None = None, files: bytes | None = None
) -> Any:
    if files is not None:
        boundary = "newscrawler-boundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in (data or {}).items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="p.egg"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + files
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            base + path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
    elif data is not None:
        request = urllib.request.Request(
            base + path, urllib.parse.urlencode(data, doseq=True).encode()
        )
    else:
        request = urllib.request.Request(base + path)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_deploy_to_scrapyd_and_crawl_a_site(tmp_path: Path) -> None:
    egg = build_egg(tmp_path)
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {tmp_path / 'eggs'}\nlogs_dir = {tmp_path / 'logs'}\n"
        f"dbs_dir = {tmp_path / 'dbs'}\nitems_dir =\n"
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)  # scrapyd hands its environment to each crawl
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    base = f"http://127.0.0.1:{port}"
    site = LocalNewsSite({f"/news/{n}": Page(f"Scrapyd story {n}", story(n)) for n in range(3)})
    routes: dict[str, Any] = {}
    with (tmp_path / "scrapyd.log").open("wb") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert api(base, "/daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.2)
        added = api(
            base, "/addversion.json", {"project": "newscrawler", "version": "1"}, egg.read_bytes()
        )
        assert added["status"] == "ok", added
        assert added["spiders"] >= 5  # every registered site, plus the test site
        listed = api(base, "/listspiders.json?project=newscrawler")
        assert {"jmh", "hostile"} <= set(listed["spiders"]), listed
        out = tmp_path / "out.jsonl"
        with FaultyServer(routes) as server:
            routes.update(site.routes(server))
            job = api(base, "/schedule.json", {
                "project": "newscrawler", "spider": "hostile",
                "start_url": server.url("/sitemap.xml"),
                "setting": [
                    f"NEWSCRAWLER_OUTPUT={out}",
                    f"NEWSCRAWLER_STATE_PATH={tmp_path / 'state.sqlite3'}",
                    f"NEWSCRAWLER_REJECTS={tmp_path / 'rejects.jsonl'}",
                    "DOWNLOAD_DELAY=0",
                ],
            })  # fmt: skip
            assert job["status"] == "ok", job
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                jobs = api(base, "/listjobs.json?project=newscrawler")
                if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                    break
                time.sleep(0.5)
            else:
                pytest.fail("the scrapyd job did not finish")
    finally:
        daemon.terminate()
        daemon.wait(30)
    logs = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "logs").rglob("*.log"))
    articles = read_lines(out) if out.exists() else []
    assert sorted(a["title"] for a in articles) == [f"Scrapyd story {n}" for n in range(3)], logs[
        -3000:
    ]
