"""The site registry: every site shipped in `newscrawler/sites/` and in the folders a user names,
loaded once, by id. Python modules (`<id>.py` defining `SITE`) and site files (`<id>.toml`)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from newscrawler.sites.base import OLD_WORDS, Site, SiteFileError
from newscrawler.sites.files import load_site_file

__all__ = ["SITES_DIR_ENV", "UnknownSiteError", "get_site", "load_sites"]

# Folders of extra site modules (os.pathsep-separated), e.g. sites kept outside the package or
# the tests' sites on 127.0.0.1; an environment variable because the registry is read before
# any Scrapy settings exist (by `scrapy list` and the spider loader).
SITES_DIR_ENV = "NEWSCRAWLER_SITES_DIR"
# Modules of the package that are not sites.
_NOT_SITES = frozenset({"base", "files", "registry"})


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
        if info.name.startswith("_") or info.name in _NOT_SITES:
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


def get_site(site_id: str) -> Site:
    sites = load_sites()
    try:
        return sites[site_id]
    except KeyError:
        raise UnknownSiteError(site_id, list(sites)) from None


def _site_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SiteFileError(f"{SITES_DIR_ENV}: {folder} is not a folder of site files")
    files = [*folder.glob("*.py"), *folder.glob("*.toml")]
    return sorted(p for p in files if not p.name.startswith("_"))


def _load_site_file(path: Path) -> Site:
    """The `SITE` of a module outside the package, or of a declarative `<id>.toml` site file;
    any failure says which file (and for a site file, which line) and what to fix."""
    if path.suffix == ".toml":
        return load_site_file(path)
    name = f"newscrawler_sites_dir.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SiteFileError(f"{path}: not a Python module")
    module: ModuleType = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's file: report it, never a traceback into our code
        raise SiteFileError(f"{path}: {type(exc).__name__}: {exc}{_renamed_hint(exc)}") from exc
    site = getattr(module, "SITE", None)
    if not isinstance(site, Site):
        raise SiteFileError(f"{path}: defines no SITE = Site(...)")
    if site.id != path.stem:
        raise SiteFileError(f"{path}: defines site id {site.id!r}; rename the file {site.id}.py")
    return site


def _renamed_hint(exc: Exception) -> str:
    """'; Site(discovery=...) is now Site(discovery=...)' for a keyword of the old vocabulary."""
    if not isinstance(exc, TypeError):
        return ""
    for old, new in OLD_WORDS.items():
        if f"'{old}'" in str(exc):
            return f"; Site({old}=...) is now Site({new}=...)"
    return ""
