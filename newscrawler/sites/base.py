"""The site registry's vocabulary: what a site is (`Site`) and how the registry finds them."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import regex

from newscrawler.extraction.page import ArticlePage
from newscrawler.safety.boundary import domains_problem

__all__ = [
    "PATTERN_TIMEOUT",
    "SITES_DIR_ENV",
    "Site",
    "SiteFileError",
    "UnknownSiteError",
    "UrlPatternTimeoutError",
    "get_site",
    "load_sites",
]

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# Folders of extra site modules (os.pathsep-separated), e.g. sites kept outside the package or
# the tests' sites on 127.0.0.1; an environment variable because the registry is read before
# any Scrapy settings exist (by `scrapy list` and the spider loader).
SITES_DIR_ENV = "NEWSCRAWLER_SITES_DIR"
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

    `start_urls` may name robots.txt (its `Sitemap:` lines are followed), XML sitemaps and sitemap
    indexes (gzip too), RSS/Atom/JSON feeds and WordPress REST API post lists
    (`/wp-json/wp/v2/posts`); the spider recognizes each by its content.
    """

    id: str
    name: str
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    article_url_patterns: tuple[str, ...] = ()
    """Regular expressions (searched in the URL); a page URL matching none is not fetched.
    Empty: every URL discovery yields is an article candidate."""
    page_class: type[ArticlePage] = ArticlePage
    language: str | None = None
    """The site's main language (documentation; extraction reads it from each page)."""
    download_delay: float | None = None
    concurrency: int | None = None
    other_names: tuple[str, ...] = field(default=())
    """Other spellings of the site's name, stripped from headlines like `name`."""
    render: bool = False
    """Fetch every article page through Splash (needs `SPLASH_URL`); see `newscrawler/splash/`.
    Pages of other sites go through Splash only when they arrive as script-built shells."""
    render_url_patterns: tuple[str, ...] = ()
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
        if not self.start_urls:
            raise ValueError(f"site {self.id!r} has no start_urls")
        # No domains would switch the site boundary off: every redirect would be followed.
        problem = domains_problem(self.allowed_domains)
        if problem:
            raise ValueError(f"site {self.id!r} allowed_domains: {problem}")
        for pattern in (*self.article_url_patterns, *self.render_url_patterns):
            compile_pattern(pattern)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.other_names)

    def is_article_url(self, url: str) -> bool:
        """True when a pattern matches; UrlPatternTimeoutError when one gives up on `url`."""
        return not self.article_url_patterns or any(
            search_pattern(p, url) for p in self.article_url_patterns
        )

    def needs_rendering(self, url: str) -> bool:
        """True when the site asks for this article page to be rendered through Splash."""
        return self.render or any(search_pattern(p, url) for p in self.render_url_patterns)


class SiteFileError(ValueError):
    """A site module outside the package that cannot be loaded; the message names the file."""


class UnknownSiteError(KeyError):
    def __init__(self, site_id: str, known: list[str]) -> None:
        super().__init__(site_id)
        self.site_id = site_id
        self.known = known

    def __str__(self) -> str:
        return f"unknown site {self.site_id!r}; known sites: {', '.join(self.known)}"


@lru_cache(maxsize=1)
def load_sites() -> dict[str, Site]:
    """Every `SITE` defined by a module of `newscrawler.sites`, by id. A module's name must be
    its site's id: one name everywhere (module, spider, fixture folder, test id)."""
    import newscrawler.sites as package

    sites: dict[str, Site] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        site = getattr(module, "SITE", None)
        if not isinstance(site, Site):
            continue
        if site.id != info.name:
            raise ValueError(f"newscrawler/sites/{info.name}.py defines site id {site.id!r}")
        sites[site.id] = site
    # Declarative site files (`<id>.toml`) shipped with the package, beside the modules.
    for path in sorted(Path(package.__path__[0]).glob("*.toml")):
        site = _load_site_file(path)
        if site.id in sites:
            raise SiteFileError(f"{path}: site id {site.id!r} is already registered")
        sites[site.id] = site
    for folder in filter(None, os.environ.get(SITES_DIR_ENV, "").split(os.pathsep)):
        for path in _site_files(Path(folder)):
            site = _load_site_file(path)
            if site.id in sites:
                raise SiteFileError(f"{path}: site id {site.id!r} is already registered")
            sites[site.id] = site
    return dict(sorted(sites.items()))


def _site_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SiteFileError(f"{SITES_DIR_ENV}: {folder} is not a folder of site files")
    files = [*folder.glob("*.py"), *folder.glob("*.toml")]
    return sorted(p for p in files if not p.name.startswith("_"))


def _load_site_file(path: Path) -> Site:
    """The `SITE` of a module outside the package, or of a declarative `<id>.toml` site file;
    any failure says which file (and for a site file, which line) and what to fix."""
    if path.suffix == ".toml":
        from newscrawler.sites.files import load_site_file  # imports this module

        return load_site_file(path)
    name = f"newscrawler_sites_dir.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SiteFileError(f"{path}: not a Python module")
    module: ModuleType = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's file: report it, never a traceback into our code
        raise SiteFileError(f"{path}: {type(exc).__name__}: {exc}") from exc
    site = getattr(module, "SITE", None)
    if not isinstance(site, Site):
        raise SiteFileError(f"{path}: defines no SITE = Site(...)")
    if site.id != path.stem:
        raise SiteFileError(f"{path}: defines site id {site.id!r}; rename the file {site.id}.py")
    return site


def get_site(site_id: str) -> Site:
    sites = load_sites()
    try:
        return sites[site_id]
    except KeyError:
        raise UnknownSiteError(site_id, list(sites)) from None
