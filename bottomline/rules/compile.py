"""The Ibis compiler: the same nodes as column expressions over a table of households' facts, for DuckDB
(default) or PySpark. Parameters arrive as columns named ``param_<name>`` (joined per region and date)."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from bottomline.rules.nodes import All, AnyOf, Arith, Compare, Const, Field, In, Node, Not, Param


def param_column(name: str) -> str:
    """The column that carries a policy parameter in the feature table."""
    return f"param_{name}"


def compile_node(node: Node, table: ir.Table) -> ir.Value:
    """An Ibis expression with the node's meaning (unknowns as SQL NULL)."""
    if isinstance(node, Field):
        return table[node.name]
    if isinstance(node, Param):
        return table[param_column(node.name)]
    if isinstance(node, Const):
        return ibis.literal(node.value)
    if isinstance(node, Arith):
        left: Any = compile_node(node.left, table)
        right: Any = compile_node(node.right, table)
        if node.op == "/":
            return left.cast("float64") / right.cast("float64").nullif(0)
        return {"+": left + right, "-": left - right, "*": left * right}[node.op]
    if isinstance(node, Compare):
        a: Any = compile_node(node.left, table)
        b: Any = compile_node(node.right, table)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[node.op]
    if isinstance(node, In):
        item: Any = compile_node(node.item, table)
        return item.isin(list(node.values))
    if isinstance(node, Not):
        inner: Any = compile_node(node.item, table)
        return ~inner
    if isinstance(node, All | AnyOf):
        parts: list[Any] = [compile_node(i, table) for i in node.items]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if isinstance(node, All) else (result | part)
        return result
    raise TypeError(f"no compilation for {type(node).__name__}")
