"""Start-up checks of the whole crawl: settings, output paths and required services are checked
before anything is fetched, and a problem stops the crawl with a message that says what to fix.

`configuration_problems()` is what the `newscrawler` command runs before it starts Scrapy (it
prints the problems, no traceback, exit status 2); `StartupCheck` is the same check as a Scrapy
extension, so `scrapy crawl` refuses a bad configuration too, and it installs the credential
redaction on the log before Scrapy logs the settings.

It lives here, beside the settings and the command, because it knows the crawl's components
(the output writer, the filters, a replay, the sites); the checks of single values and of the
services, which know none of them, stay low in newscrawler/safety/config.py.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from newscrawler.safety.config import (
    MAX_DELAY,
    SERVICES,
    NumberRule,
    credential_urls,
    credential_values,
    flag_problem,
    number_problem,
    service_problems,
    service_url_problem,
)
from newscrawler.safety.paths import UnsafePathError, expand_output_path, writable_file_problem
from newscrawler.safety.redact import install_redaction, redact

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = [
    "ConfigurationError",
    "StartupCheck",
    "configuration_problems",
    "optional_services",
    "setting_problems",
]

PREFIX = "NEWSCRAWLER_"

# Scrapy settings the project relies on, with the values that make sense.
_SCRAPY_NUMBERS = {
    "DOWNLOAD_DELAY": NumberRule(float, maximum=MAX_DELAY),
    "DOWNLOAD_TIMEOUT": NumberRule(float, above=True),
    "DOWNLOAD_MAXSIZE": NumberRule(int),
    "DOWNLOAD_WARNSIZE": NumberRule(int),
    "RETRY_TIMES": NumberRule(int),
    "CONCURRENT_REQUESTS": NumberRule(int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": NumberRule(int, 1),
    "AUTOTHROTTLE_START_DELAY": NumberRule(float, maximum=MAX_DELAY),
    "AUTOTHROTTLE_MAX_DELAY": NumberRule(float, maximum=MAX_DELAY),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": NumberRule(float, above=True),
    "CLOSESPIDER_PAGECOUNT": NumberRule(int),
    "CLOSESPIDER_ITEMCOUNT": NumberRule(int),
    "CLOSESPIDER_TIMEOUT": NumberRule(float),
    "CLOSESPIDER_ERRORCOUNT": NumberRule(int),
}
_SCRAPY_FLAGS = ("ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "RETRY_ENABLED", "REDIRECT_ENABLED")


class ConfigurationError(Exception):
    """The crawl cannot start: the message lists what to fix."""


def _defaults() -> dict[str, Any]:
    from newscrawler import settings as project

    return {name: getattr(project, name) for name in dir(project) if name.startswith(PREFIX)}


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
            problems.append(flag_problem(name, settings) or "")
        elif isinstance(default, int | float):
            rule = NumberRule(type(default))
            problems.append(number_problem(name, settings.get(name), rule) or "")
    for name, rule in _SCRAPY_NUMBERS.items():
        if settings.get(name) is not None:
            problems.append(number_problem(name, settings.get(name), rule) or "")
    problems += [flag_problem(name, settings) or "" for name in _SCRAPY_FLAGS]
    level = str(settings.get("LOG_LEVEL") or "INFO")
    if not isinstance(logging.getLevelName(level.upper()), int):
        problems.append(f"LOG_LEVEL={level!r} is not a level; give DEBUG, INFO, WARNING or ERROR")
    problems += _filter_problems(settings)
    problems += _path_problems(settings)
    problems += [service_url_problem(name, settings.get(name)) or "" for name in SERVICES]
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
