"""Rules of the code's shape that keep one command easy to follow (issue: a shorter command path) and
organisation identity stable: checked over the source, so a new route or query cannot drift."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import jsonschema
import pytest
from fastapi.routing import APIRoute

from shared.config import SERVICE_PORTS, ServiceSettings
from shared.runtime.service import build_app
from tests.conftest import ROOT

SOURCES = sorted([*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py"),
                  *(ROOT / "shared").rglob("*.sql"), *(ROOT / "services").rglob("*.sql")])
PATH_PREFIX_MATCH = re.compile(r"""like\s+[^\n;]*\|\|\s*'\.%'""", re.IGNORECASE)


def _code(path: Path) -> str:
    """Without comments, so prose about what is not done does not count as doing it."""
    marker = "--" if path.suffix == ".sql" else "#"
    return "\n".join(line.split(marker, 1)[0] for line in path.read_text(encoding="utf-8").splitlines())


def _migration(path: Path) -> bool:
    return path.suffix == ".sql" and "migrations" in path.parts


def test_no_query_matches_a_copied_path_by_prefix() -> None:
    """Subtrees come from the hierarchy (`dvk_subtree`, `dvk_carrier`), never from `path like x || '.%'`.
    Migrations already applied stay as they were written (a later one replaces what they defined)."""
    offenders = [str(p.relative_to(ROOT)) for p in SOURCES if not _migration(p) and PATH_PREFIX_MATCH.search(_code(p))]
    assert offenders == []


def test_the_prefix_rule_would_catch_one(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("SQL = \"select * from models where org_path = $1 or org_path like $1 || '.%'\"\n")
    assert PATH_PREFIX_MATCH.search(_code(probe))


def _routes(module: ast.Module) -> list[ast.AsyncFunctionDef]:
    return [node for node in ast.walk(module) if isinstance(node, ast.AsyncFunctionDef)
            and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in
                    ("post", "put", "patch", "delete") for d in node.decorator_list)]


def _calls(node: ast.AST, name: str) -> list[ast.Call]:
    return [c for c in ast.walk(node) if isinstance(c, ast.Call)
            and (getattr(c.func, "id", None) == name or getattr(c.func, "attr", None) == name)]


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_command_routes_are_thin_and_name_commands_by_class(service: str) -> None:
    """A command route hands its command to `run_command` and returns what it answers — nothing else —
    and no command is named by a string."""
    api = ROOT / "services" / service / "api.py"
    module = ast.parse(api.read_text(encoding="utf-8"))
    for route in _routes(module):
        body = [s for s in route.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        calls = _calls(route, "run_command")
        if not calls:
            continue
        assert len(body) == 1 and isinstance(body[0], ast.Return), f"{service}.{route.name} does more than dispatch"
        for call in calls:
            assert not any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args), (
                f"{service}.{route.name} names its command by a string")
    for path in (ROOT / "services" / service).rglob("*.py"):
        for call in _calls(ast.parse(path.read_text(encoding="utf-8")), "dispatch"):
            assert not any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args), path


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_every_get_is_typed(service: str) -> None:
    definition = importlib.import_module(f"services.{service}.service").DEFINITION
    app = build_app(definition, settings=ServiceSettings(database_url="postgresql://unused/never-connected"))
    untyped = []

    def walk(routes: list[object]) -> None:
        for route in routes:
            if isinstance(route, APIRoute) and "GET" in route.methods and route.include_in_schema \
                    and route.response_model in (None, dict):
                untyped.append(route.path)
            walk(list(getattr(route, "routes", []) or []))

    walk(list(app.router.routes))
    assert untyped == []


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_every_operation_is_titled_in_vietnamese_with_english_beside_it(service: str) -> None:
    definition = importlib.import_module(f"services.{service}.service").DEFINITION
    document = build_app(definition, settings=ServiceSettings(database_url="postgresql://unused/x")).openapi()
    untitled = [f"{method.upper()} {path}: {op['summary']!r}" for path, ops in document["paths"].items()
                for method, op in ops.items() if " — " not in op["summary"]]
    assert untitled == []
    bodies = [op["requestBody"]["content"]["application/json"]["schema"] for ops in document["paths"].values()
              for op in ops.values() if "requestBody" in op]
    names = {b["$ref"].rsplit("/", 1)[-1] for b in bodies if "$ref" in b}
    schemas = document["components"]["schemas"]
    without_example = sorted(n for n in names if not schemas[n].get("examples"))
    assert without_example == [], "every command body shows a realistic example in /docs"
    for name in names:  # and the example is one the operation accepts
        for example in schemas[name]["examples"]:
            jsonschema.validate(example, {**schemas[name], "components": document["components"]})
