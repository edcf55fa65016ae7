"""The dependency rule of docs/ARCHITECTURE.md, read from the import statements themselves.

Every import inside ``inference_pipeline`` (top-level or inside a function) must point at
its own area or at an area listed below it. A new area must be added here (and to the
architecture document) before it can be imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "shared" / "inference_pipeline"

# area → the other areas it may import. Bottom first: this is the layering, not a wish list.
ALLOWED: dict[str, set[str]] = {
    "catalogue": set(),
    "archives": set(),
    "serving": set(),
    "mleap": {"archives"},
    "runtimes": {"serving", "mleap", "catalogue"},
    "spec": {"catalogue", "serving"},
    "pipeline": {"spec", "serving", "catalogue", "archives"},
    "deploy": {"spec", "catalogue", "archives"},
    "build": {"catalogue"},
    "cli": {"catalogue", "archives", "serving", "mleap", "runtimes", "spec", "pipeline", "deploy", "build"},
    "__init__": set(),
}


def _area(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _module_parts(path: Path, root: Path) -> list[str]:
    relative = path.relative_to(root).with_suffix("")
    parts = ["inference_pipeline", *relative.parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_areas(path: Path, root: Path = PACKAGE) -> set[tuple[str, int]]:
    """(area, line) of every import of another ``inference_pipeline`` module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_parts(path, root) if path.name == "__init__.py" else _module_parts(path, root)[:-1]
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join([*base, *([node.module] if node.module else [])])]
                if not node.module:  # from . import x: each x may be a module
                    names = [".".join([*base, alias.name]) for alias in node.names]
            elif node.module:
                names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "inference_pipeline" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_area_is_known() -> None:
    unknown = sorted({_area(p) for p in _sources()} - set(ALLOWED))
    assert not unknown, f"add {unknown} to ALLOWED (and docs/ARCHITECTURE.md) with the areas it may import"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    area = _area(path)
    bad = sorted((target, line) for target, line in imported_areas(path)
                 if target != area and target not in ALLOWED.get(area, set()))
    assert not bad, "; ".join(f"line {line} imports inference_pipeline.{target}, which {area}/ may not import"
                              for target, line in bad)


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    # The checker itself: an upward import (serving → runtimes) and a relative one are both seen.
    (tmp_path / "serving").mkdir()
    probe = tmp_path / "serving" / "probe.py"
    probe.write_text("def f():\n    from inference_pipeline.runtimes import runtime_class\n"
                     "from ..pipeline import local\nfrom . import media\n")
    assert {area for area, _ in imported_areas(probe, tmp_path)} == {"runtimes", "pipeline", "serving"}
