"""The documentation stays true: the generated sites table, links, and the README's commands."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from newscrawler.sites import load_sites

from .conftest import ROOT, doc_section

DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "CHANGELOG.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
# [text](target) links; absolute URLs and in-page anchors are not files.
_LINK_RE = re.compile(r"\]\((?!https?://|#)([^)#\s]+)(?:#[^)\s]*)?\)")


def sites_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sites_table", ROOT / "tools" / "sites_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_sites_table_is_the_generated_one() -> None:
    tool = sites_table()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert tool.replaced(readme, tool.render()) == readme, (
        "README.md: the sites table is stale; run: python tools/sites_table.py --write"
    )


def test_sites_table_lists_every_registered_site_once() -> None:
    table = sites_table().render()
    ids = re.findall(r"^\| `([a-z0-9_]+)` \|", table, flags=re.MULTILINE)
    assert ids == list(load_sites())


def test_sites_table_check_fails_on_a_stale_readme_and_write_mends_it(tmp_path: Path) -> None:
    tool = sites_table()
    readme = (ROOT / "README.md").read_text("utf-8")
    stale = tmp_path / "README.md"
    stale.write_text(tool.replaced(readme, "| id |\n|---|\n"), "utf-8")
    script = [sys.executable, str(ROOT / "tools" / "sites_table.py"), "--readme", str(stale)]

    check = subprocess.run([*script, "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 1
    assert "python tools/sites_table.py --write" in check.stdout
    subprocess.run([*script, "--write"], check=True)
    assert stale.read_text("utf-8") == readme


def test_every_relative_link_in_the_docs_names_a_file() -> None:
    missing = [
        f"{doc.relative_to(ROOT)}: {target}"
        for doc in DOCUMENTS
        for target in _LINK_RE.findall(doc.read_text("utf-8"))
        if not (doc.parent / target).exists()
    ]
    assert not missing


def test_readme_begins_with_the_command_ci_runs() -> None:
    """.ci/run runs the README's second set-up command verbatim; the README must still say it."""
    ci = (ROOT / ".ci" / "run").read_text("utf-8").strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text("utf-8")
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert ci in first_block.splitlines()


def test_readme_stays_a_users_page() -> None:
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    assert len(lines) <= 260, len(lines)


def test_the_settings_table_lists_every_newscrawler_setting() -> None:
    """docs/operations.md names each NEWSCRAWLER_* default of settings.py, and no other."""
    from newscrawler import settings

    section = doc_section("docs/operations.md", "Settings")
    listed = set(re.findall(r"^\| `(NEWSCRAWLER_[A-Z0-9_]+)` \|", section, flags=re.MULTILINE))
    defined = {name for name in dir(settings) if name.startswith("NEWSCRAWLER_")}
    assert sorted(defined - listed) == [], "settings without a row in docs/operations.md"
    assert sorted(listed - defined) == [], "rows of docs/operations.md that are no setting"
