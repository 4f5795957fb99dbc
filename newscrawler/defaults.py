"""Reading NEWSCRAWLER_* settings: each default is written once, in newscrawler/settings.py.

Components read their settings with these getters (directly, or through a small settings object
of their feature, like `DriftSettings`), never with a literal default of their own. A Settings
object without the project module (a bare `Settings()`, a test's `get_crawler`, a
`CrawlerProcess` built in Python) then still gets the project's default, not None or False, and
a name with no default in newscrawler/settings.py fails at once instead of reading as empty.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = [
    "PREFIX",
    "UnknownSettingError",
    "get_bool",
    "get_float",
    "get_int",
    "get_list",
    "get_str",
    "project_defaults",
    "setting_default",
]

PREFIX = "NEWSCRAWLER_"

_T = TypeVar("_T")


class UnknownSettingError(KeyError):
    """A NEWSCRAWLER_* name with no default in newscrawler/settings.py (a programming error)."""

    def __str__(self) -> str:
        return str(self.args[0])


@cache
def project_defaults() -> dict[str, Any]:
    """Every NEWSCRAWLER_* setting of newscrawler/settings.py with its default."""
    from newscrawler import settings

    return {name: getattr(settings, name) for name in dir(settings) if name.startswith(PREFIX)}


def setting_default(name: str) -> Any:
    """The default of `name` in newscrawler/settings.py; UnknownSettingError if it has none."""
    try:
        return project_defaults()[name]
    except KeyError:
        raise UnknownSettingError(
            f"{name} has no default in newscrawler/settings.py: add it there, with a comment"
            " saying why, and a row to the settings table in docs/operations.md"
        ) from None


def _default(name: str, kind: type[_T] | tuple[type, ...], what: str) -> Any:
    value = setting_default(name)
    # bool is an int to isinstance; a flag read as a number (or back) is a mistake all the same.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise TypeError(f"{name} is read as {what}, but its default is {value!r}")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def get_bool(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name, _default(name, bool, "a flag"))


def get_int(settings: BaseSettings, name: str) -> int:
    return settings.getint(name, _default(name, int, "a whole number"))


def get_float(settings: BaseSettings, name: str) -> float:
    return settings.getfloat(name, _default(name, (int, float), "a number"))


def get_str(settings: BaseSettings, name: str) -> str:
    """The value as text; "" when it is set empty (a default may be "" too)."""
    value = settings.get(name, _default(name, str, "text"))
    return "" if value is None else str(value)


def get_list(settings: BaseSettings, name: str) -> list[Any]:
    """A list, or comma-separated text (`-s NAME=a,b`) split as Scrapy's getlist does."""
    return settings.getlist(name, list(_default(name, list, "a list")))
