"""Each NEWSCRAWLER_* default is written once, in newscrawler/settings.py, and every read gets it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import BaseSettings, Settings

from newscrawler import settings as project
from newscrawler.defaults import (
    UnknownSettingError,
    get_bool,
    get_float,
    get_int,
    get_list,
    get_str,
    project_defaults,
    setting_default,
)
from newscrawler.drift import DriftSettings
from newscrawler.incremental.crawl import IncrementalSettings
from newscrawler.incremental.neardup import DEFAULT_THRESHOLD
from newscrawler.incremental.revisit import DEFAULT_REVISIT_HOURS
from newscrawler.pipelines.deduplicate import DedupSettings
from newscrawler.pipelines.neardup import NearDupSettings
from newscrawler.spiders.feed import FeedSettings
from newscrawler.splash.config import RenderSettings
from newscrawler.state.config import StateSettings
from newscrawler.state.redis_store import DEFAULT_PREFIX

from .conftest import ROOT

PACKAGE = ROOT / "newscrawler"
GETTERS = {"get_bool", "get_int", "get_float", "get_str", "get_list", "setting_default"}
# Scrapy's own readers: they take a default of their own, which is what must not happen here.
SCRAPY_READERS = {"get", "getbool", "getint", "getfloat", "getlist", "getdict", "getwithbase"}
FEATURES: list[Any] = [
    DedupSettings,
    DriftSettings,
    FeedSettings,
    IncrementalSettings,
    NearDupSettings,
    RenderSettings,
    StateSettings,
]


def _setting_name(node: ast.expr) -> str | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, str) and value.startswith("NEWSCRAWLER_") else None


def _reads() -> Iterator[tuple[str, int, str, str, ast.Call, str]]:
    """(module, line, reader, setting, call, enclosing function) of each NEWSCRAWLER_* read."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "settings.py":
            continue
        module = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text("utf-8"))
        enclosing: dict[ast.AST, str] = {}
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(function):
                    enclosing[inner] = function.name  # outer first, so the innermost wins
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            if isinstance(node.func, ast.Name) and node.func.id in GETTERS:
                name = _setting_name(node.args[-1])
                reader = node.func.id
            elif isinstance(node.func, ast.Attribute) and node.func.attr in SCRAPY_READERS:
                name = _setting_name(node.args[0])
                reader = node.func.attr
            else:
                continue
            if name is not None:
                yield module, node.lineno, reader, name, node, enclosing.get(node, "")


def test_every_setting_read_has_a_default_and_every_default_is_read() -> None:
    read = {name for *_, name, _, _ in _reads()}
    defined = set(project_defaults())
    assert sorted(read - defined) == [], "read, but no default in newscrawler/settings.py"
    assert sorted(defined - read) == [], "a default in newscrawler/settings.py nothing reads"


def test_no_read_repeats_a_default() -> None:
    """Components read through newscrawler/defaults.py; Scrapy's readers are left to the
    start-up checks (`*_problems`), which must see the value as given, default or not."""
    raw = [
        f"{module}:{line} {reader}({name!r})"
        for module, line, reader, name, call, where in _reads()
        if reader in SCRAPY_READERS and (len(call.args) > 1 or not where.endswith("_problems"))
    ]
    assert raw == []


def test_the_project_module_and_the_defaults_agree() -> None:
    assert project_defaults() == {
        n: getattr(project, n) for n in dir(project) if "NEWSCRAWLER_" in n
    }
    assert DEFAULT_THRESHOLD == project.NEWSCRAWLER_NEARDUP_THRESHOLD
    assert tuple(project.NEWSCRAWLER_REVISIT_HOURS) == DEFAULT_REVISIT_HOURS
    assert DEFAULT_PREFIX == project.NEWSCRAWLER_REDIS_PREFIX


def _read(settings: BaseSettings, name: str) -> Any:
    default = setting_default(name)
    if isinstance(default, bool):
        return get_bool(settings, name)
    if isinstance(default, int):
        return get_int(settings, name)
    if isinstance(default, float):
        return get_float(settings, name)
    if isinstance(default, list):
        return get_list(settings, name)
    return get_str(settings, name)


def _project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("newscrawler.settings", priority="project")
    return settings


@pytest.mark.parametrize("name", sorted(project_defaults()))
def test_a_settings_object_without_the_project_reads_its_default(name: str) -> None:
    """A bare Settings (a test's get_crawler, Python code) gets the default, not None or 0."""
    assert _read(Settings(), name) == setting_default(name)
    assert _read(_project_settings(), name) == setting_default(name)


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.__name__)
def test_each_features_settings_are_the_projects_without_the_project(feature: Any) -> None:
    assert feature.from_settings(Settings()) == feature.from_settings(_project_settings())


def test_the_features_settings_hold_the_defaults() -> None:
    bare = Settings()
    assert DriftSettings.from_settings(bare) == DriftSettings(
        enabled=True, path=".newscrawler/state.sqlite3", runs=5, ratio=0.5, min_articles=10
    )
    assert NearDupSettings.from_settings(bare) == NearDupSettings(
        enabled=True, threshold=0.2, across_runs=True, drop_copies=False
    )
    assert IncrementalSettings.from_settings(bare) == IncrementalSettings(
        enabled=True, across_runs=True, revisit_hours=(1, 6, 24, 72), run_sets_on_disk=True
    )
    assert FeedSettings.from_settings(bare) == FeedSettings(enabled=True, batch=100, steps=2000)
    assert RenderSettings.from_settings(bare) == RenderSettings()
    assert RenderSettings() == RenderSettings(None, True, 30.0, 0.5, 200)


def test_values_given_as_text_are_read_as_their_type() -> None:
    given = Settings(
        {
            "NEWSCRAWLER_DRIFT_ENABLED": "False",
            "NEWSCRAWLER_DRIFT_PATH": "drift.sqlite3",
            "NEWSCRAWLER_DRIFT_HISTORY": "3",
            "NEWSCRAWLER_DRIFT_RATIO": "0.25",
            "NEWSCRAWLER_REVISIT_HOURS": "2,12",
            "JOBDIR": "job",
        }
    )
    assert DriftSettings.from_settings(given) == DriftSettings(
        enabled=False, path="drift.sqlite3", runs=3, ratio=0.25, min_articles=10
    )
    assert IncrementalSettings.from_settings(given).revisit_hours == (2.0, 12.0)
    assert FeedSettings.from_settings(given).enabled is False  # JOBDIR: every request queued


def test_settings_set_empty_keep_their_meaning() -> None:
    empty = Settings(
        {
            "NEWSCRAWLER_DRIFT_PATH": "",
            "NEWSCRAWLER_STATE_PATH": "",
            "NEWSCRAWLER_REVISIT_HOURS": "",
            "NEWSCRAWLER_REDIS_PREFIX": "",
            "NEWSCRAWLER_REJECTS": "",
        }
    )
    assert DriftSettings.from_settings(empty).path == ""  # no drift alarms: nowhere to keep rates
    assert IncrementalSettings.from_settings(empty).revisit_hours == DEFAULT_REVISIT_HOURS
    assert StateSettings.from_settings(empty).redis_prefix == DEFAULT_PREFIX
    assert get_str(empty, "NEWSCRAWLER_REJECTS") == ""  # no rejects file


def test_a_name_without_a_default_fails_at_once() -> None:
    with pytest.raises(UnknownSettingError, match=r"NEWSCRAWLER_NO_SUCH has no default in"):
        get_bool(Settings({"NEWSCRAWLER_NO_SUCH": True}), "NEWSCRAWLER_NO_SUCH")
    with pytest.raises(UnknownSettingError, match="add it there"):
        setting_default("NEWSCRAWLER_NO_SUCH")


def test_a_setting_read_as_another_type_fails_at_once() -> None:
    with pytest.raises(TypeError, match="NEWSCRAWLER_EXTRACT is read as a whole number"):
        get_int(Settings(), "NEWSCRAWLER_EXTRACT")
    with pytest.raises(TypeError, match="NEWSCRAWLER_DRIFT_RATIO is read as a flag"):
        get_bool(Settings(), "NEWSCRAWLER_DRIFT_RATIO")
    with pytest.raises(TypeError, match="NEWSCRAWLER_OUTPUT is read as a list"):
        get_list(Settings(), "NEWSCRAWLER_OUTPUT")
    # An int default read as a number is fine (a float setting may be written 60).
    assert get_float(Settings(), "NEWSCRAWLER_DRIFT_HISTORY") == 5.0


def test_the_reads_are_found() -> None:
    """The scan of the package sees reads of every kind (else the tests above prove nothing)."""
    readers = {reader for _, _, reader, *_ in _reads()}
    assert {"get_bool", "get_int", "get_float", "get_str", "get_list"} <= readers
    modules = {Path(module).name for module, *_ in _reads()}
    assert {"drift.py", "cli.py", "deduplicate.py", "config.py"} <= modules
