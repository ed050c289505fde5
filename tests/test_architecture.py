"""The shape of the code: who imports whom, and who listens to issue changes."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from tickets.events import subscribers

ROOT = Path(settings.BASE_DIR)
# The apps that hold the product's domain; each is checked for imports hidden in functions.
DOMAIN_APPS = ("tickets", "sla", "oncall", "portal", "desk", "clients", "monitoring")


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def test_tickets_imports_neither_the_sla_nor_the_on_call_app():
    offending = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
        for path, tree in _modules("tickets")
        for node in ast.walk(tree)
        for name in _imported(node)
        if name.split(".")[0] in ("sla", "oncall")
    ]
    assert offending == []


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_no_import_hides_inside_a_function(app):
    # AppConfig.ready is where Django lets an app import its models' users; nothing else
    # may import late, as that is how import cycles get hidden.
    offending = []
    for path, tree in _modules(app):
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == "ready" and path.name == "apps.py":
                continue
            offending += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name} in {function.name}()"
                for node in ast.walk(function)
                for name in _imported(node)
            ]
    assert offending == []


def test_the_clocks_and_the_pager_follow_every_change_in_that_order():
    names = subscribers()
    assert names.index("sla.clocks") < names.index("oncall.pager")
    assert "tickets.search" in names
