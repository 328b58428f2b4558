"""The views stay in pieces a person can read: no file over 700 lines, no class over 500.

A desk whose panels grow past these is split into more panels (docs/ARCHITECTURE.md,
"Adding a desk"); a fix to the refund panel should not mean reading the whole desk.
"""

from __future__ import annotations

import ast
from pathlib import Path

VIEWS = Path(__file__).resolve().parents[2] / "desktop" / "views"
MOST_FILE_LINES = 700
MOST_CLASS_LINES = 500


def _sources() -> list[Path]:
    return sorted(VIEWS.rglob("*.py"))


def test_no_view_file_is_over_700_lines() -> None:
    long = {
        str(path.relative_to(VIEWS)): lines
        for path in _sources()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_FILE_LINES
    }
    assert _sources(), "the views were not found"
    assert long == {}, f"split these into panels of their own: {long}"


def test_no_view_class_is_over_500_lines() -> None:
    long: dict[str, int] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST_CLASS_LINES:
                    long[f"{path.relative_to(VIEWS)}:{node.name}"] = lines
    assert long == {}, f"give these classes' jobs to panels: {long}"
