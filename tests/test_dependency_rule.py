"""The dependency rule of DESIGN.md: models <- reminders <- video <- portal."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"models", "reminders", "video", "portal"}
ALLOWED = {
    "models": set(),
    "reminders": {"models"},
    "video": {"models", "reminders"},
    "portal": {"models", "reminders", "video"},
}


def imports_of(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {(str(path.relative_to(ROOT)), name.split(".")[0]) for name in names}
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_the_rule_allows(package: str) -> None:
    wrong = sorted(
        (where, top)
        for where, top in imports_of(package)
        if top in OURS - {package} - ALLOWED[package]
    )
    assert wrong == []


def test_models_import_no_flask() -> None:
    flask = sorted(where for where, top in imports_of("models") if top.startswith("flask"))
    assert flask == []
