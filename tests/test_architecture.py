"""The shape of the package: every module imports, dependencies point one way, faces stay apart.

Read from the source with ast (imports inside functions included), so a rule broken in a
branch no test runs is still caught. README.md, "How the code is organised", says why.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
MAX_LINES = 300
# The faces: only they may import the web framework and the command-line one.
FACES = ("assistant.web", "assistant.cli", "assistant.cli_documents", "assistant.cli_output", "assistant.__main__")
FRAMEWORKS = ("flask", "click", "werkzeug", "waitress")
# What the faces may import besides the facade (`assistant`) and their own package: modules
# whose names the facade does not carry (or, for the web, its own small needs).
PUBLIC_MODULES = {
    "assistant.records": "the records the page lays out (Document)",
    "assistant.rules": "the limits the page shows and the refusals it turns into HTTP errors",
    "assistant.messages": "the one catalogue of refusals, for HTTP errors",
    "assistant.typography": "French typography for the page's strings",
    "assistant.placeholders": "how the page's strings are filled with their values",
    "assistant.shown": "how a file name is printed, its control characters escaped",
    "assistant.cli_output": "the command group's guard on usage errors and failed writes",
    "assistant.serialise": "the JSON contract of the API",
    "assistant.export": "the export formats and languages the API checks",
    "assistant.stats": "the question counts the API shows",
    "assistant.lang": "warming the language profiles up before the first request",
    "assistant.search": "the searcher the application holds",
    "assistant.harness": "the line `assistant serve` prints once listening",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


@cache
def imports_of(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return (imported module, names taken from it) for every import in a module, anywhere in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(alias.name for alias in node.names)
            # `from assistant.web import api` imports the module assistant.web.api, as
            # `import assistant.web.api` would: the package's own names only when it takes some.
            modules = [item for item in names if f"{base}.{item}" in MODULES]
            found += [(f"{base}.{item}", ()) for item in modules]
            if len(modules) < len(names):
                found.append((base, tuple(item for item in names if item not in modules)))
    return tuple(found)


def internal_imports(name: str) -> set[str]:
    return {module for module, _ in imports_of(name) if module in MODULES}


def wing(name: str) -> str:
    """Return the part of the package a module belongs to: its sub-package, or itself at the top."""
    parts = name.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1] / "__init__.py").exists()):
        return ".".join(parts[:2])
    return name


def is_face(name: str) -> bool:
    return any(name == face or name.startswith(face + ".") for face in FACES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    importlib.import_module(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_300_lines(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by job"


def test_only_the_faces_import_the_frameworks():
    offenders = {
        name: sorted(module for module, _ in imports_of(name) if module.split(".")[0] in FRAMEWORKS)
        for name in MODULES
        if not is_face(name)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_pipeline_imports_only_downstream():
    order = ["assistant.ingest", "assistant.chunk", "assistant.embed", "assistant.index", "assistant.search"]
    upstream = [
        f"{name} imports {module}"
        for name in MODULES
        if wing(name) in order
        for module in internal_imports(name)
        if wing(module) in order and order.index(wing(module)) > order.index(wing(name))
    ]
    assert upstream == []


def test_the_two_faces_never_import_each_other():
    cli = internal_imports("assistant.cli")
    assert not any(module == "assistant.web" or module.startswith("assistant.web.") for module in cli)
    for name in MODULES:
        if name.startswith("assistant.web"):
            assert "assistant.cli" not in internal_imports(name), name


def test_no_private_name_is_imported_across_wings():
    crossing = [
        f"{name} imports {item} from {module}"
        for name in MODULES
        for module, names in imports_of(name)
        if module in MODULES and wing(module) != wing(name)
        for item in names
        if item.startswith("_")
    ]
    assert crossing == []


def test_the_faces_use_the_facade_their_own_package_or_listed_public_modules():
    allowed = {"assistant", *PUBLIC_MODULES}
    stray = []
    for name in MODULES:
        if not is_face(name) or name == "assistant.__main__":  # __main__ joins the two faces
            continue
        own = "assistant.web" if name.startswith("assistant.web") else name
        for module in internal_imports(name):
            if module != own and not module.startswith(own + ".") and module not in allowed:
                stray.append(f"{name} imports {module}")
    assert stray == []


def test_the_import_graph_has_no_cycle():
    graph = {name: internal_imports(name) - {name} for name in MODULES}
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                cycles.append([*path[path.index(other):], other])
            elif other not in state:
                visit(other, [*path, other])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], " ; ".join(" → ".join(cycle) for cycle in cycles)


def test_the_checks_see_what_they_look_for():
    """The rules above pass because the package keeps them, not because nothing is seen."""
    assert "flask" in {module.split(".")[0] for module, _ in imports_of("assistant.web.app")}
    assert "assistant.cli" in internal_imports("assistant.__main__")
    assert "assistant.web.api" in internal_imports("assistant.web.app")  # from assistant.web import api
    assert wing("assistant.search.question") == "assistant.search" and wing("assistant.rules") == "assistant.rules"


def test_every_package_of_the_code_is_installed_by_pyproject():
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(PACKAGE.parent).parts)
        for path in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert found <= listed, f"not installed by a wheel (pyproject's packages): {sorted(found - listed)}"
