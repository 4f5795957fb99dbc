"""Checks of single settings and of the services they name, knowing nothing of the crawl's
components: number and flag rules, Splash and Redis URLs and whether they answer, and the
credentials a configuration carries (for the log's redaction).

Scrapy-free at import, so site loading (newscrawler/sites/) can share `MAX_DELAY` without
loading Scrapy. The start-up check that puts these together with the crawl's own components
(outputs, filters, a replay, the sites) is `newscrawler/startup.py`.
"""

from __future__ import annotations

import logging
import math
import os
import re
import socket
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newscrawler.safety.redact import redact

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_DELAY",
    "SERVICES",
    "NumberRule",
    "credential_urls",
    "credential_values",
    "flag_problem",
    "number_problem",
    "service_problems",
    "service_url_problem",
]

# Seconds to wait for a required service to accept a connection at start-up.
SERVICE_TIMEOUT = 3.0


# Seconds: the longest delay between two requests to a site (DOWNLOAD_DELAY, a site's own
# `delay`, AutoThrottle's). 1e308 was accepted: the next request was scheduled never, and the
# graceful stop on the first SIGTERM waited for it.
MAX_DELAY = 3600.0


@dataclass(frozen=True)
class NumberRule:
    kind: type[int] | type[float]
    minimum: float = 0
    above: bool = False  # True: strictly above `minimum`
    maximum: float = math.inf


# Services a crawl needs when their URL is set: setting -> (name, accepted schemes).
SERVICES = {
    "SPLASH_URL": ("Splash", ("http", "https")),
    "NEWSCRAWLER_REDIS_URL": ("Redis", ("redis", "rediss", "unix")),
}
# Environment variables whose URLs may carry credentials (Scrapy reads the proxy ones).
CREDENTIAL_ENV = (
    *("http_proxy", "https_proxy", "all_proxy"),
    *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"),
)


# Setting names whose value is itself a secret.
_SECRET_NAME_RE = re.compile(r"(?:PASS|PASSWORD|SECRET|TOKEN|API_?KEY)$", re.I)


def number_problem(name: str, value: Any, rule: NumberRule) -> str | None:
    unit = "a whole number" if rule.kind is int else "a number"
    try:
        number = rule.kind(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number):
        return f"{name}={value!r} is not {unit}; give {unit}, e.g. {name}={rule.kind(10)}"
    if number < rule.minimum or (rule.above and number == rule.minimum):
        bound = f"above {rule.minimum:g}" if rule.above else f"{rule.minimum:g} or more"
        return f"{name}={value!r} must be {bound}"
    if number > rule.maximum:
        return f"{name}={value!r} must be {rule.maximum:g} or less"
    return None


def flag_problem(name: str, settings: BaseSettings) -> str | None:
    try:
        settings.getbool(name)
    except ValueError:
        return f"{name}={settings.get(name)!r} is not a boolean; give True or False"
    return None


def service_url_problem(name: str, value: Any) -> str | None:
    if not value:
        return None
    service, schemes = SERVICES[name]
    example = "http://127.0.0.1:8050" if service == "Splash" else "redis://127.0.0.1:6379/0"
    try:
        parts = urlsplit(str(value).strip())
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        return f"{name}={str(value)!r} is not a URL ({exc}); give the {service} URL, e.g. {example}"
    if parts.scheme not in schemes or not (parts.hostname or parts.scheme == "unix"):
        return f"{name}={str(value)!r} is not a {service} URL; give one like {example}"
    return None


def service_problems(
    settings: BaseSettings, timeout: float = SERVICE_TIMEOUT, optional: Collection[str] = ()
) -> list[str]:
    """A problem for each configured service (Splash, Redis) that does not accept a connection.
    A service named in `optional` (Splash when no crawled site asks for rendering) only gets a
    warning: the crawl can go on without it, and pages that would need it are rejected."""
    problems: list[str] = []
    for name, (service, _schemes) in SERVICES.items():
        value = settings.get(name)
        if not value or service_url_problem(name, value):
            continue  # unset: not required; malformed: startup.setting_problems() says so
        parts = urlsplit(str(value).strip())
        try:
            if parts.scheme == "unix":
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(timeout)
                    sock.connect(parts.path)
            else:
                default_port = {"https": 443, "http": 80, "rediss": 6380}.get(parts.scheme, 6379)
                address = (parts.hostname or "", parts.port or default_port)
                socket.create_connection(address, timeout=timeout).close()
        except OSError as exc:
            problem = (
                f"cannot reach {service} at {value} ({name}): {exc.strerror or exc}; "
                f"start {service} or unset {name}"
            )
            if name in optional:
                logger.warning(
                    "%s; no site of this crawl asks for rendering, so the crawl goes on and "
                    "pages that need it are rejected",
                    redact(problem),
                )
            else:
                problems.append(problem)
        else:
            logger.info("start-up check: %s answers at %s (%s)", service, redact(value), name)
    return [redact(p) for p in problems]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):  # Scrapy's settings are Mappings too
        for key in value:
            yield from _strings(key)
            yield from _strings(value[key])
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


def credential_values(settings: BaseSettings) -> list[str]:
    """Plain secrets named as such in the settings (SPLASH_PASS, an *_API_KEY, a *_TOKEN)."""
    return [
        str(settings[name])
        for name in settings
        if _SECRET_NAME_RE.search(str(name)) and isinstance(settings[name], str)
    ]


def credential_urls(settings: BaseSettings | None = None) -> list[str]:
    """Every URL with credentials the crawl was given: in settings or the proxy variables."""
    values = [os.environ.get(name, "") for name in CREDENTIAL_ENV]
    if settings is not None:
        # settings[name], not settings.get(): get() warns on reading deprecated names.
        values += [s for name in settings for s in _strings(settings[name])]
    return [v for v in values if "://" in v and "@" in v]
