"""``name op constant`` in an expression tree: the one search that lint, the property tests
and the record generators share (a comparison either way round, normalised to name first)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from fractions import Fraction

__all__ = ["FLIPPED", "comparisons", "constant"]

#: the operator that keeps ``c op x`` true when written ``x op' c``
FLIPPED: dict[type, type] = {
    ast.Lt: ast.Gt,
    ast.Gt: ast.Lt,
    ast.LtE: ast.GtE,
    ast.GtE: ast.LtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}


def constant(node: ast.AST) -> int | Fraction | None:
    """The number a tree node stands for (a constant or a negated one), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = constant(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        value = node.value
        if isinstance(value, (int, Fraction)):
            return value
        if isinstance(value, float):
            return Fraction(repr(value))
    return None


def comparisons(tree: ast.AST) -> Iterator[tuple[ast.Compare, str, int | Fraction, type]]:
    """(node, name, constant, op) for each ``name op constant`` (either way round) in a tree."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if type(op) not in FLIPPED:
            continue
        if isinstance(left, ast.Name) and (value := constant(right)) is not None:
            yield node, left.id, value, type(op)
        elif isinstance(right, ast.Name) and (value := constant(left)) is not None:
            yield node, right.id, value, FLIPPED[type(op)]
