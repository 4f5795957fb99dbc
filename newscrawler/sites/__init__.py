"""The site registry: one module per site, each defining `SITE` (and a page class if needed)."""

from newscrawler.sites.base import Site, SiteFileError
from newscrawler.sites.registry import UnknownSiteError, get_site, load_sites

__all__ = ["Site", "SiteFileError", "UnknownSiteError", "get_site", "load_sites"]
