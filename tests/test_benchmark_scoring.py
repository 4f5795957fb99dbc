"""The extraction benchmark's comparisons follow the label conventions of issue 17: titles
normalized (NFKC, case, quotes, dashes), authors as sets of names however a label joins them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _benchmark() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(
            "extraction_bench", ROOT / "benchmarks" / "extraction.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


bench = _benchmark()


@pytest.mark.parametrize(
    ("found", "label", "same"),
    [
        (["Ibtisam Mahdi", "Ruwaida Kamal Amer"], ["Ibtisam Mahdi, Ruwaida Kamal Amer"], True),
        (["David Brand", "Ramsey Khalifeh"], ["David Brand and Ramsey Khalifeh"], True),
        (["Fiona Bornhöft", "Mariam Hofbeck"], ["Fiona Bornhöft und Mariam Hofbeck"], True),
        (["Laura", "House Plant House"], ["Laura / House Plant House"], True),
        (["Jane Doe"], ["jane doe."], True),
        (["Sadhbh O'Sullivan"], ["SADHBH O'SULLIVAN, ELISABETH KOCHAN"], False),
        (["Jane Doe", "Daily Planet"], ["Jane Doe"], False),
    ],
)
def test_authors_compare_as_sets_of_names(found: list[str], label: list[str], same: bool) -> None:
    assert bench.same_authors(found, label) is same


def test_titles_compare_by_the_label_convention() -> None:
    assert bench.title_key("“Wir dekorieren” – die Liegestühle") == bench.title_key(
        '"wir dekorieren" - die liegestühle'
    )
    assert bench.title_key("Stadt der Superlative") != bench.title_key(
        "Stuttgart: Stadt der Superlative"
    )
