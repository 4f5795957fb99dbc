"""Splash settings: whether a Splash server is configured, and how pages are rendered.

What a configured server switches on in the crawl is the add-on's (newscrawler/splash/addon.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newscrawler.defaults import get_bool, get_float, get_int, setting_default

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["RenderSettings", "splash_url"]


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
