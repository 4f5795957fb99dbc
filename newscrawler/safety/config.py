"""Start-up checks: settings, output paths and required services are checked before anything is
fetched, and a problem stops the crawl with a message that says what to fix.

`configuration_problems()` is what the `newscrawler` command runs before it starts Scrapy (it
prints the problems, no traceback, exit status 2); `StartupCheck` is the same check as a Scrapy
extension, so `scrapy crawl` refuses a bad configuration too, and it installs the credential
redaction on the log before Scrapy logs the settings.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import socket
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from newscrawler.safety.paths import UnsafePathError, expand_output_path, writable_file_problem
from newscrawler.safety.redact import install_redaction, redact

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_DELAY",
    "ConfigurationError",
    "StartupCheck",
    "configuration_problems",
    "credential_urls",
    "credential_values",
    "service_problems",
    "setting_problems",
]

PREFIX = "NEWSCRAWLER_"
# Seconds to wait for a required service to accept a connection at start-up.
SERVICE_TIMEOUT = 3.0


# Seconds: the longest delay between two requests to a site (DOWNLOAD_DELAY, a site's own
# `delay`, AutoThrottle's). 1e308 was accepted: the next request was scheduled never, and the
# graceful stop on the first SIGTERM waited for it.
MAX_DELAY = 3600.0


@dataclass(frozen=True)
class _Number:
    kind: type[int] | type[float]
    minimum: float = 0
    above: bool = False  # True: strictly above `minimum`
    maximum: float = math.inf


# Scrapy settings the project relies on, with the values that make sense.
_SCRAPY_NUMBERS = {
    "DOWNLOAD_DELAY": _Number(float, maximum=MAX_DELAY),
    "DOWNLOAD_TIMEOUT": _Number(float, above=True),
    "DOWNLOAD_MAXSIZE": _Number(int),
    "DOWNLOAD_WARNSIZE": _Number(int),
    "RETRY_TIMES": _Number(int),
    "CONCURRENT_REQUESTS": _Number(int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _Number(int, 1),
    "AUTOTHROTTLE_START_DELAY": _Number(float, maximum=MAX_DELAY),
    "AUTOTHROTTLE_MAX_DELAY": _Number(float, maximum=MAX_DELAY),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": _Number(float, above=True),
    "CLOSESPIDER_PAGECOUNT": _Number(int),
    "CLOSESPIDER_ITEMCOUNT": _Number(int),
    "CLOSESPIDER_TIMEOUT": _Number(float),
    "CLOSESPIDER_ERRORCOUNT": _Number(int),
}
_SCRAPY_FLAGS = ("ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "RETRY_ENABLED", "REDIRECT_ENABLED")
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


class ConfigurationError(Exception):
    """The crawl cannot start: the message lists what to fix."""


def _defaults() -> dict[str, Any]:
    from newscrawler import settings as project

    return {name: getattr(project, name) for name in dir(project) if name.startswith(PREFIX)}


def _number_problem(name: str, value: Any, rule: _Number) -> str | None:
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


def _flag_problem(name: str, settings: BaseSettings) -> str | None:
    try:
        settings.getbool(name)
    except ValueError:
        return f"{name}={settings.get(name)!r} is not a boolean; give True or False"
    return None


def setting_problems(settings: BaseSettings) -> list[str]:
    """Unknown NEWSCRAWLER_* names, values of the wrong type or range, unusable output paths
    and malformed service URLs; [] when all is well. Touches no network."""
    problems: list[str] = []
    defaults = _defaults()
    for name in sorted(n for n in settings if str(n).startswith(PREFIX)):
        if name not in defaults:
            close = difflib.get_close_matches(name, defaults, n=1)
            hint = (
                f"; did you mean {close[0]}?"
                if close
                else "; see the settings table in docs/operations.md"
            )
            problems.append(f"unknown setting {name}{hint}")
            continue
        default = defaults[name]
        if isinstance(default, bool):
            problems.append(_flag_problem(name, settings) or "")
        elif isinstance(default, int | float):
            rule = _Number(type(default))
            problems.append(_number_problem(name, settings.get(name), rule) or "")
    for name, rule in _SCRAPY_NUMBERS.items():
        if settings.get(name) is not None:
            problems.append(_number_problem(name, settings.get(name), rule) or "")
    problems += [_flag_problem(name, settings) or "" for name in _SCRAPY_FLAGS]
    level = str(settings.get("LOG_LEVEL") or "INFO")
    if not isinstance(logging.getLevelName(level.upper()), int):
        problems.append(f"LOG_LEVEL={level!r} is not a level; give DEBUG, INFO, WARNING or ERROR")
    problems += _filter_problems(settings)
    problems += _path_problems(settings)
    problems += [_service_url_problem(name, settings.get(name)) or "" for name in SERVICES]
    return [redact(p) for p in problems if p]


def _filter_problems(settings: BaseSettings) -> list[str]:
    from newscrawler.pipelines.filters import parse_since

    problems: list[str] = []
    since = settings.get("NEWSCRAWLER_SINCE")
    if since:
        try:
            parse_since(str(since))
        except ValueError as exc:
            problems.append(f"NEWSCRAWLER_SINCE: {exc}")
    # A similarity is a share: above 1 no pair of bodies would ever be linked, at 0 all would.
    threshold = settings.get("NEWSCRAWLER_NEARDUP_THRESHOLD")
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = None  # reported by the number check
    if value is not None and not 0 < value <= 1:
        problems.append(
            f"NEWSCRAWLER_NEARDUP_THRESHOLD={threshold!r} must be above 0 and at most 1 "
            "(an estimated Jaccard similarity)"
        )
    return problems


def _path_problems(settings: BaseSettings) -> list[str]:
    from newscrawler.pipelines.write import OutputConfigError, output_target

    problems: list[str] = []
    try:
        template, _ = output_target(settings)
    except OutputConfigError as exc:
        return [f"output: {exc}"]
    try:
        output = expand_output_path(template, "site", "2000-01-01T00-00-00")
    except UnsafePathError as exc:
        problems.append(f"NEWSCRAWLER_OUTPUT: {exc}")
    else:
        problems.append(writable_file_problem(output, "NEWSCRAWLER_OUTPUT (-o/-O)") or "")
    record = settings.get("NEWSCRAWLER_RUN_RECORD")
    if record:
        try:
            path = expand_output_path(str(record), "site", "2000-01-01T00-00-00")
        except UnsafePathError as exc:
            problems.append(f"NEWSCRAWLER_RUN_RECORD: {exc}")
        else:
            problems.append(writable_file_problem(path, "NEWSCRAWLER_RUN_RECORD") or "")
    for name in ("NEWSCRAWLER_REJECTS", "NEWSCRAWLER_STATE_PATH"):
        value = settings.get(name)
        if value:
            problems.append(writable_file_problem(str(value), name) or "")
    replay = settings.get("NEWSCRAWLER_REPLAY_DIR")
    if replay:
        from newscrawler.replay.recording import Recording

        try:
            Recording.load(str(replay))
        except (OSError, ValueError) as exc:
            problems.append(f"NEWSCRAWLER_REPLAY_DIR={str(replay)!r}: {exc}")
    return [p for p in problems if p]


def _service_url_problem(name: str, value: Any) -> str | None:
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
        if not value or _service_url_problem(name, value):
            continue  # unset: not required; malformed: setting_problems() says so
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


def optional_services(site_ids: Iterable[str]) -> tuple[str, ...]:
    """Services a crawl of these sites can go on without: Splash, unless one of them asks for
    rendering (the automatic fallback for script-built pages is best effort)."""
    from newscrawler.sites import get_site

    renders = any((site := get_site(site_id)).render or site.render_urls for site_id in site_ids)
    return () if renders else ("SPLASH_URL",)


def configuration_problems(
    settings: BaseSettings, services: bool = True, optional: Collection[str] = ()
) -> list[str]:
    """Everything that keeps this configuration from crawling; [] when it can start."""
    problems = setting_problems(settings)
    return problems + (service_problems(settings, optional=optional) if services else [])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping | BaseSettings):
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


class StartupCheck:
    """Extension: redact credentials from the log, then refuse a bad configuration before the
    engine starts (before Scrapy logs the settings, before any request)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartupCheck:
        install_redaction(credential_urls(crawler.settings), credential_values(crawler.settings))
        site_id = getattr(crawler.spidercls, "site_id", "") or crawler.spidercls.name
        try:
            optional = optional_services([site_id])
        except KeyError:
            optional = ()
        problems = configuration_problems(crawler.settings, optional=optional)
        if problems:
            message = "cannot start, fix the configuration first:\n" + "\n".join(
                f"  - {p}" for p in problems
            )
            logger.critical(message)
            raise ConfigurationError(message)
        return cls()
