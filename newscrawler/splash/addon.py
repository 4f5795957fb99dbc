"""The Splash add-on: with `SPLASH_URL` set, the crawl's Splash components switch themselves on;
without it, no Splash component runs and no setting changes.

Listed in ADDONS (newscrawler/settings.py), so `scrapy crawl`, `newscrawler crawl` and the
scheduled runs all get it; it runs after the command line's `-s` settings are in, so
`-s SPLASH_URL=...` switches it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.settings.default_settings import REQUEST_FINGERPRINTER_CLASS as SCRAPY_FINGERPRINTER

from newscrawler.splash.config import splash_url

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["SPLASH_FINGERPRINTER", "SplashAddon"]

# scrapy-splash's fingerprinter, reached through this package so the compat fixes load first.
SPLASH_FINGERPRINTER = "newscrawler.splash.SplashRequestFingerprinter"
# The fingerprinter scrapy-splash's wraps (Scrapy's own unless set).
WRAPPED_FINGERPRINTER = "SCRAPY_SPLASH_REQUEST_FINGERPRINTER_BASE_CLASS"


class SplashAddon:
    """Scrapy add-on: scrapy-splash's middlewares and request fingerprinter, when `SPLASH_URL`
    names a Splash server. A `SPLASH_URL` that is not an http(s) URL fails the crawl here."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not splash_url(settings):
            raise NotConfigured  # no message: off by default, not misconfigured
        # At the places scrapy-splash documents: the renderer after the cookies and before
        # decompression; the Lua script kept once per crawl, not once per queued request. At
        # the add-on priority, so a project that sets either entry itself (or None) wins.
        settings["DOWNLOADER_MIDDLEWARES"].set(
            "newscrawler.splash.middleware.SplashRenderMiddleware", 725, priority="addon"
        )
        settings["SPIDER_MIDDLEWARES"].set(
            "newscrawler.splash.middleware.SplashArgsMiddleware", 100, priority="addon"
        )
        # The rendered and the plain fetch of one URL must not be duplicates. scrapy-splash's
        # fingerprinter wraps the one in force (Scrapy's, or one the project set), which still
        # fingerprints every request without Splash options. At the spider's priority, over
        # the project's: the project's own fingerprinter is kept as the wrapped one.
        current = settings.get("REQUEST_FINGERPRINTER_CLASS")
        if current == SPLASH_FINGERPRINTER:
            return
        if current and current != SCRAPY_FINGERPRINTER:
            settings.set(WRAPPED_FINGERPRINTER, current, priority="spider")
        settings.set("REQUEST_FINGERPRINTER_CLASS", SPLASH_FINGERPRINTER, priority="spider")
