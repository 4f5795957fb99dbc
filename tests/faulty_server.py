"""A misbehaving HTTP server on 127.0.0.1 for the tests: each path answers with a scripted fault.

Routes map a path (with its query, or without) to a behaviour: a normal reply, a reset
connection, a body that stalls halfway or drips a byte a second, a wrong Content-Length, a
redirect, a generated body too big to keep in a file, or a sequence of these (the n-th request to
the path gets the n-th behaviour, the last one repeating). Every request is recorded with its
arrival time, so a test can check retries, delays and that no request reached a host it must not.
The server also answers proxy requests (`GET http://host/path`), so a crawl through
`http_proxy` pointing at it shows which hosts the crawler tried to reach.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .environment import child_environment

__all__ = [
    "SITES_DIR",
    "Behaviour",
    "CrawlRun",
    "FaultyServer",
    "Hit",
    "crawl_test_site",
    "delayed",
    "drip",
    "gzip_bomb",
    "gzip_bomb_bytes",
    "gzipped",
    "redirect",
    "reply",
    "reset",
    "sequence",
    "stall",
    "stream",
    "wrong_length",
    "zeros",
]

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it."""

    time: float
    method: str
    host: str
    path: str
    headers: Mapping[str, str]


Behaviour = Callable[["_Handler"], None]


def reply(
    body: bytes | str = b"",
    status: int = 200,
    content_type: str | None = HTML,
    headers: Mapping[str, str] | None = None,
) -> Behaviour:
    """An ordinary response with a correct Content-Length."""
    data = body.encode() if isinstance(body, str) else body

    def behave(handler: _Handler) -> None:
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)

    return behave


def stream(
    chunks: Callable[[], Iterable[bytes]],
    content_type: str | None = HTML,
    length: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Behaviour:
    """A body generated while it is sent: chunked, or with `length` as Content-Length. Big
    bodies (a 20 MB page, a gzip bomb) are made at test time this way, never kept in a file."""

    def behave(handler: _Handler) -> None:
        handler.send_response(200)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length is None:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()
        try:
            for chunk in chunks():
                if not chunk:
                    continue
                if length is None:
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    handler.wfile.write(chunk)
            if length is None:
                handler.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up, as it should on an oversized body
            handler.close_connection = True

    return behave


def reset() -> Behaviour:
    """Read the request, then drop the connection with a TCP reset and no response."""

    def behave(handler: _Handler) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.connection.close()

    return behave


def stall(body: bytes, after: int, seconds: float, content_type: str = HTML) -> Behaviour:
    """Announce the whole body, send its first `after` bytes, then go silent for `seconds`."""

    def behave(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[:after])
        handler.wfile.flush()
        handler.server.stop_event.wait(seconds)
        handler.close_connection = True

    return behave


def drip(body: bytes, interval: float = 1.0, content_type: str = HTML) -> Behaviour:
    """Send the body one byte every `interval` seconds (a slowloris server)."""

    def behave(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        try:
            for i in range(len(body)):
                if handler.server.stop_event.wait(interval):
                    break
                handler.wfile.write(body[i : i + 1])
                handler.wfile.flush()
        except OSError:
            pass
        handler.close_connection = True

    return behave


def wrong_length(body: bytes, declared: int, content_type: str = HTML) -> Behaviour:
    """Declare `declared` bytes, send `body`, close: a short or an overlong body."""

    def behave(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(declared))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True

    return behave


def redirect(location: str, status: int = 302) -> Behaviour:
    return reply(b"", status=status, content_type=None, headers={"Location": location})


def delayed(seconds: float, then: Behaviour) -> Behaviour:
    """Wait `seconds` before behaving (a server slower than the client's timeout)."""

    def behave(handler: _Handler) -> None:
        if handler.server.stop_event.wait(seconds):
            return
        then(handler)

    return behave


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The n-th request gets the n-th behaviour; the last one answers every later request."""
    lock = threading.Lock()
    count = [0]

    def behave(handler: _Handler) -> None:
        with lock:
            index = min(count[0], len(behaviours) - 1)
            count[0] += 1
        behaviours[index](handler)

    return behave


def gzip_bomb_bytes(
    inflated: int, prefix: bytes = b"", fill: bytes = b"\0", block: int = 1 << 20
) -> bytes:
    """A valid gzip member of `prefix` and then `inflated` bytes of `fill` (a multiple of
    `block`), about 1/1000 of that compressed. Each block is deflated after a full flush, which
    resets the compressor, so one compressed block is repeated: 2 GiB in well under a second,
    and never in memory uncompressed."""
    data = (fill * block)[:block]
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate
    start = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    one = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = inflated // block
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(data, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, mtime 0
    trailer = struct.pack("<II", crc, (len(prefix) + block * count) & 0xFFFFFFFF)
    return header + start + one * count + compressor.flush() + trailer


def gzip_bomb(inflated: int, content_type: str = HTML, encoded: bool = True) -> Behaviour:
    """A small gzip body inflating to `inflated` bytes: `Content-Encoding: gzip` (the HTTP
    layer must cap it) or, with `encoded=False`, a raw .gz file (discovery must cap it)."""
    data = gzip_bomb_bytes(inflated)
    headers = {"Content-Encoding": "gzip"} if encoded else {}
    return reply(data, content_type=content_type, headers=headers)


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, mtime=0)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # the hits list is the log

    def _route(self) -> None:
        if self.path.startswith(("http://", "https://")):  # a proxy request
            parts = urlsplit(self.path)
            host, path = parts.netloc, parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            host, path = self.headers.get("Host", ""), self.path
        self.server.record(Hit(time.monotonic(), self.command, host, path, dict(self.headers)))
        behaviour = self.server.routes.get(path) or self.server.routes.get(path.partition("?")[0])
        if behaviour is None:
            behaviour = reply(b"not here\n", status=404, content_type="text/plain")
        try:
            behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = _route


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Tests start many short crawls; a port in TIME_WAIT must not fail the next bind.
    allow_reuse_address = True

    def __init__(self, routes: dict[str, Behaviour]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()

    def record(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops the connection (an oversized body cancelled, a timeout) is the
        # expected end of many faults here, not a server error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class FaultyServer:
    """Serve `routes` on 127.0.0.1 (a free port) in a background thread; a context manager."""

    routes: dict[str, Behaviour] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._server = _Server(self.routes)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str | None = None) -> list[Hit]:
        """Requests received so far, all of them or those for one path (query included)."""
        with self._server.lock:
            hits = list(self._server.hits)
        return [h for h in hits if path is None or h.path == path]

    def start(self) -> FaultyServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stop_event.set()  # wakes stalled and dripping handlers
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def zeros(total: int, block: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, total, block):
        yield bytes(min(block, total - start))


# -- running a crawl of the test-only site -----------------------------------------------------

SITES_DIR = Path(__file__).resolve().parent / "sites"
TEST_SITE = "hostile"
# Fast and bounded: tests wait seconds, not minutes, for a timeout or a retry.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSCRAWLER_PROGRESS_INTERVAL": "0",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "1",
}


@dataclass
class CrawlRun:
    """What one `newscrawler crawl` process left: exit status, output, files, peak memory."""

    returncode: int
    stdout: str
    stderr: str
    workdir: Path
    max_rss_mb: float
    seconds: float

    def articles(self) -> list[dict[str, Any]]:
        path = self.workdir / "out.jsonl"
        if not path.exists():
            return []
        # Split on b"\n" only: a reader must never see a line break inside a record.
        return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]

    def rejects(self) -> list[dict[str, Any]]:
        path = self.workdir / "rejects.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]

    def stat(self, name: str) -> int | None:
        """A numeric value of Scrapy's final stats dump in the log, or None if absent."""
        match = re.search(rf"'{re.escape(name)}': (\d+)", self.stderr)
        return int(match[1]) if match else None


def crawl_test_site(
    start_url: str,
    workdir: Path,
    settings: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    extra_args: Iterable[str] = (),
    timeout: float = 120,
    output: str | None = "out.jsonl",
) -> CrawlRun:
    """Run the real `newscrawler crawl hostile` command in a child process against a local
    server, with the test site folder registered; its peak memory is measured with wait4().
    `output` is given as `-O` (None: whatever the settings say)."""
    child_env = child_environment()
    child_env["NEWSCRAWLER_SITES_DIR"] = str(SITES_DIR)
    child_env.update(env or {})
    # -v: Scrapy's log on stderr, where the tests read it.
    command = [sys.executable, "-m", "newscrawler.cli", "crawl", TEST_SITE, "-v"]
    command += ["-a", f"start_url={start_url}", "--state", "state.sqlite3"]
    command += ["-O", output] if output else []
    for name, value in {**FAST_SETTINGS, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    command += list(extra_args)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (workdir / "stdout.txt").open("wb") as out, (workdir / "stderr.txt").open("wb") as err:
        child = subprocess.Popen(command, cwd=workdir, env=child_env, stdout=out, stderr=err)
        deadline = started + timeout
        while True:  # wait4() reports this child's own peak memory, unlike communicate()
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
    child.returncode = os.waitstatus_to_exitcode(status)
    return CrawlRun(
        returncode=child.returncode,
        stdout=(workdir / "stdout.txt").read_text("utf-8", "replace"),
        stderr=(workdir / "stderr.txt").read_text("utf-8", "replace"),
        workdir=workdir,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        seconds=time.monotonic() - started,
    )
