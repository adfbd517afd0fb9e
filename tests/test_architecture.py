"""The engine's stages, checked from the source: no module imports a stage above its own,
no module reaches into another module's private names, and no two modules import each other.

Stages, lowest first: base < language < runtime < io < tools. ``engine/__init__.py`` is the
facade over all of them; ``cli.py`` may use only the facade, ``engine.io`` and the tools.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
STAGES = ["base", "language", "runtime", "columnar", "io", "tools", "service"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in ``path``, lazy ones too."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            if node.level and not node.module:  # from . import x: x is a module
                found.extend((f"{target}.{n}", [], node.lineno) for n in names)
            else:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
    return found


def stage_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "engine" or len(parts) < 2 or parts[1] not in STAGES:
        return None
    return STAGES.index(parts[1])


SOURCES = sorted(p for p in ENGINE.rglob("*.py") if p.parent != ENGINE or p.name != "__init__.py")


def test_every_engine_module_is_in_a_stage():
    # engine/testing.py re-exports engine.tools.testing under the name the README gives;
    # engine/__main__.py starts the command line (cli.py)
    facades = ("testing.py", "__main__.py")
    loose = [str(p.relative_to(ROOT)) for p in SOURCES if p.parent == ENGINE and p.name not in facades]
    assert loose == [], f"modules outside a stage folder: {loose}"


def upward_imports(path: Path) -> list[str]:
    own = stage_of(module_name(path))
    problems = []
    for target, _names, line in imports(path):
        stage = stage_of(target)
        if own is not None and stage is not None and stage > own:
            problems.append(f"{path.relative_to(ROOT)}:{line} imports {target} from a later stage")
        if target == "engine" and own is not None:
            problems.append(f"{path.relative_to(ROOT)}:{line} imports the facade from inside the engine")
    return problems


def private_imports(path: Path) -> list[str]:
    own = module_name(path)
    problems = []
    for target, names, line in imports(path):
        if not target.startswith("engine") or target == own:
            continue
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private:
            problems.append(f"{path.relative_to(ROOT)}:{line} takes private {private} from {target}")
    return problems


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_no_upward_or_private_import(path):
    assert upward_imports(path) + private_imports(path) == []


def test_the_check_sees_a_planted_upward_import(tmp_path, monkeypatch):
    planted = ENGINE / "base" / "planted.py"
    source = "from ..tools.lint import lint\nfrom ..runtime.result import _secret\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    problems = upward_imports(planted) + private_imports(planted)
    assert len(problems) == 3, problems  # tools > base, runtime > base, a private name


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in SOURCES + [ENGINE / "__init__.py"]:
        name = module_name(path)
        edges[name] = set()
        for target, names, _ in imports(path):
            if not target.startswith("engine"):
                continue
            # "from .pkg import mod" names a module when such a file exists
            for n in names:
                if (ROOT / Path(*target.split("."), f"{n}.py")).exists():
                    edges[name].add(f"{target}.{n}")
            edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Cycles between modules; a package's __init__ importing its own modules is not one."""
    found, state = [], {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt == node or node.startswith(nxt + "."):
                continue  # a module importing from its own package
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"engine.a": {"engine.b"}, "engine.b": {"engine.a"}}) != []


def test_cli_goes_through_the_facade_and_the_tools():
    allowed = ("engine", "engine.io", "engine.tools", "engine.service")
    bad = [
        f"cli.py:{line} imports {target}"
        for target, _names, line in imports(ROOT / "cli.py")
        if target.startswith("engine") and not (target in allowed or target.startswith(allowed[1:]))
    ]
    assert bad == []
