"""Every public function of engine/ and cli.py hints every parameter and its return.

ruff's flake8-annotations checks the returns (pyproject.toml), but its argument rule cannot
tell a public function from a private helper; this test reads the source and does. Public
means: a module-level function or a method (special methods included) whose name and whose
classes' names do not start with '_'. Nested functions and private helpers are left to
inference. ``self`` and ``cls`` need no hint, nor does ``__init__``'s return.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT


def _public_functions(tree: ast.AST, public: bool = True):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = node.name
            dunder = name.startswith("__") and name.endswith("__")
            if public and (dunder or not name.startswith("_")):
                yield node
        elif isinstance(node, ast.ClassDef):
            yield from _public_functions(node, public and not node.name.startswith("_"))
        else:
            yield from _public_functions(node, public)


def unhinted(source: str, file: str = "<source>") -> list[str]:
    """``file:line: name(parameters without a hint)`` (and ``-> ?`` for a missing return)."""
    out = []
    for fn in _public_functions(ast.parse(source)):
        args = fn.args
        params = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        missing = [p.arg for p in params if p.annotation is None and p.arg not in ("self", "cls")]
        no_return = fn.returns is None and fn.name != "__init__"
        if missing or no_return:
            out.append(f"{file}:{fn.lineno}: {fn.name}({', '.join(missing)})" + (" -> ?" if no_return else ""))
    return out


def test_every_public_function_is_hinted():
    files = sorted((ROOT / "engine").rglob("*.py")) + [ROOT / "cli.py"]
    missing = [
        line for path in files for line in unhinted(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert missing == []


def test_the_check_sees_a_missing_hint():
    source = (
        "def ok(a: int, *b: str, c: int = 1, **d: int) -> int: ...\n"
        "def bare(a, b: int): ...\n"
        "def _private(a): ...\n"
        "class Shown:\n"
        "    def __init__(self, x): ...\n"
        "    def method(self) -> None:\n"
        "        def nested(y): ...\n"
        "class _Hidden:\n"
        "    def method(self, z): ...\n"
    )
    assert unhinted(source) == ["<source>:2: bare(a) -> ?", "<source>:5: __init__(x)"]


def test_the_package_says_it_is_typed():
    assert (Path(ROOT) / "engine" / "py.typed").is_file()
