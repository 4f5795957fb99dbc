"""Credentials out of every log line, error message, reject and run summary the crawler writes.

Two nets: any `scheme://userinfo@` in a text loses its userinfo (`http://***@proxy:8011`), and the
secrets of the URLs the crawl was configured with (proxy, Splash, Redis) are replaced wherever
else they show up: a bare password in a server's error text, or the base64 `user:pass` of a
Proxy-Authorization header.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "MASK",
    "RedactingFilter",
    "add_secrets",
    "add_secrets_from_urls",
    "install_redaction",
    "redact",
    "url_secrets",
]

MASK = "***"
# Userinfo cannot hold "/", "?", "#" or blanks; it may hold "@" (passwords often do, unencoded),
# so the greedy run stops at the last "@" before the host. A match may over-redact text that
# merely looks like userinfo; it never lets a password through.
_USERINFO_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*://)[^\s/?#]+@")
# Shorter secrets would mask ordinary words in log lines ("pass", "1234"); the userinfo rule
# above still removes them from URLs.
MIN_SECRET_CHARS = 4

_secrets: set[str] = set()
_lock = threading.Lock()


def url_secrets(url: str) -> set[str]:
    """The secrets a URL carries: its password (as written and decoded), its username when it
    is the only credential (an API key as user name), and the Basic-auth token of both."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return set()
    if "@" not in parts.netloc:
        return set()
    userinfo = parts.netloc.rpartition("@")[0]
    user, _, password = userinfo.partition(":")
    found = {password, unquote(password)}
    if not password:
        found |= {user, unquote(user)}
    token = f"{unquote(user)}:{unquote(password)}".encode()
    found.add(base64.b64encode(token).decode("ascii"))
    return {s for s in found if len(s) >= MIN_SECRET_CHARS}


def add_secrets(values: Iterable[object]) -> None:
    """Remember these plain secrets (a password setting, an API key) for every later redact()."""
    found = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_CHARS}
    with _lock:
        _secrets.update(found)


def add_secrets_from_urls(urls: Iterable[object]) -> None:
    """Remember the secrets of these URLs (non-strings are ignored) for every later redact()."""
    found: set[str] = set()
    for url in urls:
        if isinstance(url, str) and "@" in url:
            found |= url_secrets(url)
    with _lock:
        _secrets.update(found)


def redact(text: str) -> str:
    """`text` with URL userinfo and every known secret replaced by `***`."""
    if not text:
        return text
    text = _USERINFO_RE.sub(rf"\1{MASK}@", text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Redacts a record's message, its arguments and any traceback text, in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to logging's own error handling
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and not record.exc_text:
        # Format the traceback now, so the handler prints the redacted text, not its own.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_redaction(urls: Iterable[object] = (), secrets: Iterable[object] = ()) -> None:
    """Redact every log record of the process from now on, adding the secrets of `urls` and
    the plain `secrets`.

    Records are redacted where they are made (the log record factory), not by a handler
    filter: Scrapy replaces its root log handler for each crawler, twice, after extensions
    are built, and a filter would go with the handler it was added to. Idempotent.
    """
    add_secrets_from_urls(urls)
    add_secrets(secrets)
    factory = logging.getLogRecordFactory()
    if getattr(factory, "newscrawler_redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _redact_record(record)
        return record

    redacting_factory.newscrawler_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
