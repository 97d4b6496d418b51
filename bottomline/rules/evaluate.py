"""The Python evaluator: one household's facts in, values out (run on every save; no Ibis, no I/O)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from bottomline.rules.nodes import All, AnyOf, Arith, Compare, Const, Field, In, Node, Not, Param, Value

ARITH: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def evaluate(node: Node, facts: Mapping[str, Value], params: Mapping[str, Value]) -> Value:
    """The node's value for one household, with SQL's treatment of unknowns."""
    if isinstance(node, Field):
        return facts[node.name]
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Param):
        return params.get(node.name)  # a parameter not in force is unknown, as a NULL column is in batch
    if isinstance(node, Arith):
        left, right = evaluate(node.left, facts, params), evaluate(node.right, facts, params)
        if left is None or right is None:
            return None
        if node.op == "/":
            return None if right == 0 else float(left) / float(right)
        result: Value = ARITH[node.op](left, right)
        return result
    if isinstance(node, Compare):
        left, right = evaluate(node.left, facts, params), evaluate(node.right, facts, params)
        if left is None or right is None:
            return None
        return COMPARE[node.op](left, right)
    if isinstance(node, In):
        item = evaluate(node.item, facts, params)
        return None if item is None else item in node.values
    if isinstance(node, Not):
        inner = evaluate(node.item, facts, params)
        return None if inner is None else not inner
    if isinstance(node, All):
        values = [evaluate(i, facts, params) for i in node.items]
        if any(v is False for v in values):
            return False
        return None if any(v is None for v in values) else True
    if isinstance(node, AnyOf):
        values = [evaluate(i, facts, params) for i in node.items]
        if any(v is True for v in values):
            return True
        return None if any(v is None for v in values) else False
    raise TypeError(f"no evaluation for {type(node).__name__}")
