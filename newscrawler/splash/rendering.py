r"""The spider's rendering decisions: which article pages go through Splash, what becomes of a
page that came back as a script-built shell, and how a rendering failure is recorded. Reading
the article (the shell's embedded JSON included) is `extraction/article.py`'s, for plain and
rendered pages alike; this module only decides whether to render, and sends and checks renders.

Paths of an article page, each counted in the stats as `newscrawler/render/<path>`:

    plain fetch --> text found ------------------------------------------------> article
        |       \-> script shell (`shell`) --> text in page data (`embedded/<source>`) -> article
        |                                  \-> Splash configured: fetched again (`request/fallback`)
        |                                  \-> no Splash: rejected `needs-rendering` (`unavailable`)
    site asks for rendering (`request/site`)
        \-> Splash --> text found (`rendered`) --------------------------------> article
                   \-> no text (`error/empty`): rejected `render-empty`
                   \-> unreachable, timeout, error (`error/<kind>`): rejected `render-failed`
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy_splash.response import get_splash_status
from twisted.internet import error as net_error
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from newscrawler.splash import SplashRequest
from newscrawler.splash.config import RenderSettings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

    from newscrawler.extraction.page import ArticlePage
    from newscrawler.rejects import RejectsLog
    from newscrawler.sites import Site

logger = logging.getLogger(__name__)

__all__ = ["PageRendering", "failure_kind"]

STATS_PREFIX = "newscrawler/render/"
# Why a page went through Splash ("site" or "fallback"), kept on the request.
RENDER_REASON_META = "newscrawler_render"

_UNREACHABLE = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    net_error.ConnectionRefusedError,
    net_error.DNSLookupError,
    net_error.NoRouteError,
    net_error.ConnectError,
)
_TIMEOUT = (DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError)
# Splash took the connection and closed it without a whole answer: it crashed or was stopped.
_DISCONNECTED = (
    DownloadFailedError,
    ResponseDataLossError,
    ResponseFailed,
    ResponseNeverReceived,
    net_error.ConnectionLost,
    net_error.ConnectionDone,
)


def failure_kind(failure: Failure, timeout: float) -> tuple[str, str]:
    """(kind, detail) of a failed Splash request; kind is `unreachable`, `disconnected`,
    `timeout`, `http-<status>` (the page itself answered an error), `splash-<status>` or
    `error`."""
    exc = failure.value
    if isinstance(exc, _TIMEOUT):  # before _UNREACHABLE: a TCP timeout is a ConnectError too
        return "timeout", f"no answer from Splash: {exc}"
    if isinstance(exc, _UNREACHABLE):
        return "unreachable", f"cannot connect to Splash: {exc or type(exc).__name__}"
    if isinstance(exc, _DISCONNECTED):
        return "disconnected", "Splash closed the connection without an answer"
    if isinstance(exc, HttpError):
        response = exc.response
        splash_status = get_splash_status(response)
        description = _splash_error(response)
        if splash_status == 504:
            return "timeout", f"Splash gave up rendering after {timeout:g} s"
        if response.status != splash_status:
            return f"http-{response.status}", f"the page answered HTTP {response.status}"
        return f"splash-{splash_status}", description or f"Splash answered {splash_status}"
    return "error", f"{type(exc).__name__}: {exc}"


def _splash_error(response: Response) -> str:
    try:
        data = json.loads(response.body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    info = data.get("info")
    message = info.get("message") or info.get("error") if isinstance(info, dict) else None
    return ": ".join(str(p) for p in (data.get("type"), message or data.get("description")) if p)


class PageRendering:
    """Builds the spider's article requests and reviews each extracted article for one site."""

    def __init__(
        self,
        site: Site,
        settings: RenderSettings,
        rejects: RejectsLog,
        stats: StatsCollector | None = None,
    ) -> None:
        self.site = site
        self.settings = settings
        self.rejects = rejects
        self.stats = stats
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, site: Site, rejects: RejectsLog) -> PageRendering:
        return cls(site, RenderSettings.from_settings(crawler.settings), rejects, crawler.stats)

    @property
    def enabled(self) -> bool:
        return self.settings.splash_url is not None

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(STATS_PREFIX + key)

    def _log_once(self, key: str, level: int, message: str, *args: Any) -> None:
        """Log at `level` the first time, at debug level after that: one line per problem."""
        first = key not in self._logged
        self._logged.add(key)
        logger.log(level if first else logging.DEBUG, message, *args)

    # -- requests ----------------------------------------------------------------------------

    def request(
        self,
        url: str,
        callback: Callable[..., Any],
        cb_kwargs: dict[str, Any] | None = None,
    ) -> Request:
        """The request for an article page: through Splash when the site asks for it."""
        if self.site.needs_rendering(url):
            if self.enabled:
                self._inc("request/site")
                return self._splash_request(url, callback, cb_kwargs, "site")
            self._log_once(
                "site-without-splash",
                logging.WARNING,
                "site %s asks for rendering but SPLASH_URL is not set: fetching its pages"
                " without rendering",
                self.site.id,
            )
        return Request(url, callback=callback, cb_kwargs=cb_kwargs)

    def _splash_request(
        self,
        url: str,
        callback: Callable[..., Any],
        cb_kwargs: dict[str, Any] | None,
        reason: str,
    ) -> Request:
        wait = self.site.render_wait if self.site.render_wait is not None else self.settings.wait
        args: dict[str, Any] = {"wait": wait, "timeout": self.settings.timeout}
        # The site's script is written for the pages it asks to render; a shell found by the
        # fallback can be anything, so it gets the generic load-and-wait of render.html.
        if self.site.splash_script and reason == "site":
            endpoint, cache_args = "execute", ["lua_source"]
            args["lua_source"] = self.site.splash_script
        else:
            endpoint, cache_args = "render.html", None
            args["images"] = 0  # the article is text; images only cost render time
        return SplashRequest(
            url,
            callback,
            endpoint=endpoint,
            args=args,
            cache_args=cache_args,
            cb_kwargs=cb_kwargs,
            errback=self.failed,
            # A failed render is final for this run: it is counted and rejected once, where a
            # retry would triple a timeout's cost and log the same failure three times.
            meta={"dont_retry": True, RENDER_REASON_META: reason},
        )

    # -- responses ---------------------------------------------------------------------------

    def review(
        self, response: Response, page: ArticlePage, callback: Callable[..., Any]
    ) -> Request | bool:
        """Whether the article read from `response` (`page`, through `page_to_article`) stands:
        True to keep it (its text is there, possibly from the page's own data), a request to
        fetch the page again through Splash, or False when it is rejected (recorded here)."""
        paragraphs, layer = page.body()
        chars = sum(len(p) for p in paragraphs or [])
        minimum = self.settings.min_body_chars
        # The body came from the data a script-built shell carries (extraction/embedded.py).
        found = page.page_data
        embedded = found.source if found is not None and layer == found.layer else None
        if RENDER_REASON_META in response.meta:
            if chars >= minimum and embedded:
                self._inc(f"embedded/{embedded}")  # rendered DOM still empty, the data was not
                return True
            if chars < minimum:
                self._inc("error/empty")
                self.rejects.add(
                    response.url,
                    "render-empty",
                    f"{chars} characters of article text after rendering (minimum {minimum})",
                    site=self.site.id,
                )
                return False
            self._inc("rendered")
            return True
        if chars >= minimum:
            if embedded or (layer == "json-ld" and page.script_shell):
                self._inc("shell")
                self._inc(f"embedded/{embedded or 'json-ld'}")
            return True
        if not page.script_shell:
            return True  # a short static page: the pipelines judge it as before
        self._inc("shell")
        if self.enabled and self.settings.fallback:
            self._inc("request/fallback")
            cb_kwargs = response.request.cb_kwargs if response.request is not None else None
            return self._splash_request(response.url, callback, cb_kwargs, "fallback")
        self._inc("unavailable")
        remedy = "turn NEWSCRAWLER_RENDER_FALLBACK on" if self.enabled else "set SPLASH_URL"
        self.rejects.add(
            response.url,
            "needs-rendering",
            "the article text is built by JavaScript and the page carries no copy of it;"
            f" {remedy} to render such pages",
            site=self.site.id,
        )
        return False

    def failed(self, failure: Failure) -> None:
        """Errback of every Splash request: one clear log line per kind of failure, a counted
        error and a reject per page; the crawl goes on."""
        request = getattr(failure, "request", None)
        url = request.meta.get("splash", {}).get("args", {}).get("url") if request else None
        url = url or (request.url if request else "")
        kind, detail = failure_kind(failure, self.settings.timeout)
        self._inc(f"error/{kind}")
        # A page answering 404 through Splash is the page's problem, not Splash's.
        self._log_once(
            f"error-{kind.split('-')[0]}",
            logging.INFO if kind.startswith("http-") else logging.ERROR,
            "rendering through Splash at %s failed (%s: %s); pages that need rendering are"
            " rejected as render-failed, the crawl goes on with the others",
            self.settings.splash_url,
            kind,
            detail,
        )
        self.rejects.add(url, "render-failed", f"{kind}: {detail}", site=self.site.id)
