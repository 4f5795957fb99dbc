"""The site registry's vocabulary: what a site is (`Site`) and how the registry finds them."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from functools import lru_cache

from newscrawler.extraction.page import ArticlePage

__all__ = ["Site", "UnknownSiteError", "get_site", "load_sites"]

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


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

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise ValueError(f"site id {self.id!r} must match {_ID_RE.pattern}")
        if not self.start_urls:
            raise ValueError(f"site {self.id!r} has no start_urls")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.other_names)

    def is_article_url(self, url: str) -> bool:
        return not self.article_url_patterns or any(
            re.search(p, url) for p in self.article_url_patterns
        )


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
    return dict(sorted(sites.items()))


def get_site(site_id: str) -> Site:
    sites = load_sites()
    try:
        return sites[site_id]
    except KeyError:
        raise UnknownSiteError(site_id, list(sites)) from None
