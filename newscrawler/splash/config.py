"""Splash settings: whether a Splash server is configured, and the crawl settings that follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.settings.default_settings import REQUEST_FINGERPRINTER_CLASS as SCRAPY_FINGERPRINTER

from newscrawler.defaults import get_bool, get_float, get_int, setting_default

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["SPLASH_FINGERPRINTER", "RenderSettings", "enable_splash_fingerprints", "splash_url"]

# scrapy-splash's fingerprinter, reached through this package so the compat fixes load first.
SPLASH_FINGERPRINTER = "newscrawler.splash.SplashRequestFingerprinter"


def splash_url(settings: BaseSettings) -> str | None:
    """The Splash server's base URL from `SPLASH_URL`, or None when rendering is off. A value
    that is not an http(s) URL fails the crawl at start-up instead of failing every page."""
    value = (settings.get("SPLASH_URL") or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(
            f"SPLASH_URL must be the Splash server's http(s) URL, e.g. http://127.0.0.1:8050;"
            f" got {value!r}"
        )
    return value.rstrip("/") + "/"


def enable_splash_fingerprints(settings: BaseSettings) -> None:
    """With Splash configured, fingerprint requests with scrapy-splash's fingerprinter, so the
    rendered fetch of a URL is not filtered as a duplicate of its plain fetch. It wraps the
    fingerprinter in force (Scrapy's, or one the project set), which still fingerprints every
    request without Splash options. Without Splash nothing changes."""
    if not splash_url(settings):
        return
    current = settings.get("REQUEST_FINGERPRINTER_CLASS")
    if current == SPLASH_FINGERPRINTER:
        return
    if current and current != SCRAPY_FINGERPRINTER:
        settings.set("SCRAPY_SPLASH_REQUEST_FINGERPRINTER_BASE_CLASS", current, priority="spider")
    settings.set("REQUEST_FINGERPRINTER_CLASS", SPLASH_FINGERPRINTER, priority="spider")


@dataclass(frozen=True)
class RenderSettings:
    """The rendering settings one crawl runs with; the defaults are those of
    `newscrawler/settings.py`."""

    splash_url: str | None = None
    fallback: bool = setting_default("NEWSCRAWLER_RENDER_FALLBACK")
    timeout: float = setting_default("NEWSCRAWLER_RENDER_TIMEOUT")
    wait: float = setting_default("NEWSCRAWLER_RENDER_WAIT")
    min_body_chars: int = setting_default("NEWSCRAWLER_RENDER_MIN_BODY_CHARS")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderSettings:
        return cls(
            splash_url=splash_url(settings),
            fallback=get_bool(settings, "NEWSCRAWLER_RENDER_FALLBACK"),
            timeout=get_float(settings, "NEWSCRAWLER_RENDER_TIMEOUT"),
            wait=get_float(settings, "NEWSCRAWLER_RENDER_WAIT"),
            min_body_chars=get_int(settings, "NEWSCRAWLER_RENDER_MIN_BODY_CHARS"),
        )
