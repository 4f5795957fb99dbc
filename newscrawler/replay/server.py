"""A recorded site served over real HTTP on 127.0.0.1, as an HTTP proxy (http and https).

Point a crawl at it with `http_proxy`/`https_proxy` (Scrapy's HttpProxyMiddleware reads them)
and the crawl runs with the sites' real URLs through Scrapy's whole network stack: proxy
CONNECT tunnels, TLS, HTTP/1.1, gzip. Used by the end-to-end tests and `newscrawler serve`.
The TLS certificate is self-signed and made at start-up; Scrapy does not verify certificates by
default, which is what makes this work, so never point a browser at it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newscrawler.replay.recording import Recording

logger = logging.getLogger(__name__)

__all__ = ["RecordingProxyServer"]

# Headers that describe the original connection, not the body; the server sets its own.
_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


def _self_signed_context(workdir: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newscrawler replay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = workdir / "cert.pem", workdir / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    tunnel_host: str | None = None
    tls: ssl.SSLSocket | None = None

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("replay server: " + format, *args)

    def _url(self) -> str:
        if self.path.startswith(("http://", "https://")):
            return self.path  # proxy request for a plain-http URL
        if self.tunnel_host:
            host = self.tunnel_host.removesuffix(":443")
            return f"https://{host}{self.path}"
        return f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        url = self._url()
        self.server.log_request_url(url)
        recorded = self.server.recording.get(url)
        if recorded is None:
            body = b"not in the recording\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
            return
        body = recorded.body()
        self.send_response(recorded.status)
        for name, value in recorded.headers.items():
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_CONNECT(self) -> None:
        host = self.path
        self.server.log_request_url(f"CONNECT {host}")
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.debug("TLS handshake failed for %s: %s", host, exc)
            self.close_connection = True
            return
        self.connection = self.tls = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.tunnel_host = host
        self.close_connection = False
        while not self.close_connection:
            self.handle_one_request()
        self.close_connection = True

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the client may have dropped the tunnel first
            super().finish()
        if self.tls is not None:
            self.tls.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    recording: Recording
    tls_context: ssl.SSLContext
    requested: list[str]
    lock: threading.Lock

    def log_request_url(self, url: str) -> None:
        with self.lock:
            self.requested.append(url)


class RecordingProxyServer:
    """Serve `recording` on 127.0.0.1:`port` (0 = any free port) in a background thread."""

    def __init__(self, recording: Recording, port: int = 0, host: str = "127.0.0.1") -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="newscrawler-replay-")
        self.server = _Server((host, port), _Handler)
        self.server.recording = recording
        self.server.tls_context = _self_signed_context(Path(self._tmp.name))
        self.server.requested = []
        self.server.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requested(self) -> list[str]:
        """Every URL asked of the server, in order (CONNECT tunnels as `CONNECT host:port`)."""
        with self.server.lock:
            return list(self.server.requested)

    def start(self) -> RecordingProxyServer:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._tmp.cleanup()

    def __enter__(self) -> RecordingProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
