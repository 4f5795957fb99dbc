"""The site registry's vocabulary: what a site is (`Site`); `registry.py` finds and loads them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from newscrawler.extraction.page import ArticlePage
from newscrawler.safety.hosts import domains_problem

__all__ = [
    "OLD_WORDS",
    "PATTERN_TIMEOUT",
    "Site",
    "SiteFileError",
    "UrlPatternTimeoutError",
    "compile_pattern",
    "page_class_with_names",
    "search_pattern",
]

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# The words Python sites used before they took the site file's; refused with the new word.
OLD_WORDS = {
    "allowed_domains": "domains",
    "start_urls": "discovery",
    "article_url_patterns": "article_urls",
    "render_url_patterns": "render_urls",
}
# Seconds one site pattern may spend on one URL. Patterns are matched with the `regex` engine,
# which can give up: a pattern that backtracks catastrophically (`(a|aa)+$`) would otherwise
# hold the reactor thread at full CPU, and no signal handler runs until the match ends.
PATTERN_TIMEOUT = 0.05


class UrlPatternTimeoutError(ValueError):
    """A site's URL pattern gave up on a URL (PATTERN_TIMEOUT); the URL counts as no match."""

    def __init__(self, pattern: str, url: str) -> None:
        super().__init__(
            f"URL pattern {pattern!r} gave up on {url!r} after {PATTERN_TIMEOUT:g} s; "
            "rewrite the pattern without nested repetition"
        )
        self.pattern = pattern
        self.url = url


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """A site pattern compiled by the `regex` engine (re syntax); ValueError when it is not one."""
    try:
        return regex.compile(pattern)
    except (regex.error, TypeError) as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc


def search_pattern(pattern: str, url: str) -> bool:
    """True when `pattern` is found in `url`; UrlPatternTimeoutError when it takes too long."""
    try:
        return compile_pattern(pattern).search(url, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        raise UrlPatternTimeoutError(pattern, url) from None


@dataclass(frozen=True)
class Site:
    """One news site: where its URLs come from and which of them are articles.

    The words are the site file's (`newscrawler/sites/files.py`): `domains`, `discovery`,
    `article_urls`, `render_urls`, `name` and `other_names` mean the same in both.
    """

    id: str
    name: str
    domains: tuple[str, ...]
    """The site's domains (subdomains included): no request leaves them."""
    discovery: tuple[str, ...]
    """Where URLs come from: robots.txt (its `Sitemap:` lines are followed), XML sitemaps and
    sitemap indexes (gzip too), RSS/Atom/JSON feeds and WordPress REST API post lists
    (`/wp-json/wp/v2/posts`); the spider recognizes each by its content."""
    article_urls: tuple[str, ...] = ()
    """Regular expressions (searched in the URL); a page URL matching none is not fetched.
    Empty: every URL discovery yields is an article candidate."""
    page_class: type[ArticlePage] = ArticlePage
    """The site's page rules. The registered class always carries the site's names
    (`SITE_NAMES` = `name` + `other_names`), so a site declares its names once, in `Site`."""
    language: str | None = None
    """The site's main language (documentation; extraction reads it from each page)."""
    download_delay: float | None = None
    concurrency: int | None = None
    other_names: tuple[str, ...] = field(default=())
    """Other spellings of the site's name; they and `name` are cut from headlines ("Headline |
    Name"), and never taken for an author or a wire source."""
    render: bool = False
    """Fetch every article page through Splash (needs `SPLASH_URL`); see `newscrawler/splash/`.
    Pages of other sites go through Splash only when they arrive as script-built shells."""
    render_urls: tuple[str, ...] = ()
    """Regular expressions (searched in the URL): article pages matching one are fetched through
    Splash, the others without."""
    splash_script: str | None = None
    """Lua source for Splash's `execute` endpoint, for pages that need a wait for a selector, a
    scroll or a click (`newscrawler.splash.scripts.interaction_script`); None: `render.html`."""
    render_wait: float | None = None
    """Seconds Splash waits after the page loaded; None: `NEWSCRAWLER_RENDER_WAIT`."""
    schedule: str | None = None
    """Cron expression for `newscrawler schedule` (`*/30 * * * *`: every half hour, UTC);
    None: not scheduled unless a schedule file names the site."""

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise ValueError(f"site id {self.id!r} must match {_ID_RE.pattern}")
        if not self.discovery:
            raise ValueError(f"site {self.id!r} has no discovery URLs")
        # Frozen: the one place the page class is bound to the names, whoever built the Site.
        object.__setattr__(self, "page_class", page_class_with_names(self.page_class, self))
        # No domains would switch the site boundary off: every redirect would be followed.
        problem = domains_problem(self.domains)
        if problem:
            raise ValueError(f"site {self.id!r} domains: {problem}")
        for pattern in (*self.article_urls, *self.render_urls):
            compile_pattern(pattern)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.other_names)

    def is_article_url(self, url: str) -> bool:
        """True when a pattern matches; UrlPatternTimeoutError when one gives up on `url`."""
        return not self.article_urls or any(search_pattern(p, url) for p in self.article_urls)

    def needs_rendering(self, url: str) -> bool:
        """True when the site asks for this article page to be rendered through Splash."""
        return self.render or any(search_pattern(p, url) for p in self.render_urls)


class SiteFileError(ValueError):
    """A site module outside the package that cannot be loaded; the message names the file."""


def page_class_with_names(page_class: type[ArticlePage], site: Site) -> type[ArticlePage]:
    """`page_class`, or a subclass of it, whose `SITE_NAMES` are the site's names.

    The title, author and wire rules read a site's names from `SITE_NAMES`; a site file's page,
    a plain `ArticlePage` and a Python site's own class all get them here, from `Site`."""
    if site.names == page_class.SITE_NAMES:
        return page_class
    class_name, module, doc = page_class.__name__, page_class.__module__, page_class.__doc__
    if page_class is ArticlePage:
        class_name = "".join(part.title() for part in site.id.split("_")) + "Page"
        module, doc = __name__, f"The generic page with the names of the site {site.id}."
    attributes = {"SITE_NAMES": site.names, "__module__": module, "__doc__": doc}
    named: type[ArticlePage] = type(class_name, (page_class,), attributes)
    return named
