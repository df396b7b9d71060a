"""The layers in design.md hold: imports only point the allowed way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("drivers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_drivers_never_import_the_studio(path):
    bad = {name for name in imports_of(path) if name.split(".")[0] == "studio_console"}
    assert not bad, f"{path} imports {bad}"


# cli.py, demo.py and console.py are entry points: they start the UI, importing it inside functions.
ENTRY_POINTS = ("cli.py", "demo.py", "console.py")
NON_UI = [p for p in modules("studio_console")
          if "ui" not in p.relative_to(ROOT).parts[1:2] and p.name not in ENTRY_POINTS]


@pytest.mark.parametrize("path", NON_UI, ids=lambda p: str(p.relative_to(ROOT)))
def test_services_never_import_textual_rich_or_the_ui(path):
    bad = {name for name in imports_of(path)
           if name.split(".")[0] in ("textual", "rich") or name.startswith("studio_console.ui")}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", modules("studio_console/store"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_store_imports_nothing_of_the_drivers(path):
    bad = {name for name in imports_of(path) if name.split(".")[0] == "drivers"}
    assert not bad, f"{path} imports {bad}"
