"""The node types a rule is built from. Both evaluators give every node the same meaning, SQL's: an unknown
(None) input makes a comparison unknown; ``All`` is false if any part is false, ``Any`` true if any is true;
a division by zero is unknown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Value = float | int | str | bool | None
ArithOp = Literal["+", "-", "*", "/"]
CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]


@dataclass(frozen=True)
class Node:
    """Any expression."""


@dataclass(frozen=True)
class Field(Node):
    """A fact about the household (a column of the feature table)."""

    name: str


@dataclass(frozen=True)
class Const(Node):
    """A fixed value."""

    value: Value


@dataclass(frozen=True)
class Param(Node):
    """A policy parameter in force for the household's region and date (e.g. the monitoring line)."""

    name: str


@dataclass(frozen=True)
class Arith(Node):
    """Arithmetic on two numbers."""

    op: ArithOp
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    """A comparison: true, false or unknown."""

    op: CompareOp
    left: Node
    right: Node


@dataclass(frozen=True)
class In(Node):
    """Whether a value is one of a fixed set."""

    item: Node
    values: tuple[Value, ...]


@dataclass(frozen=True)
class All(Node):
    """Every part holds."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf(Node):
    """At least one part holds."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    """The opposite (unknown stays unknown)."""

    item: Node


def fields_of(node: Node) -> set[str]:
    """Every field a node reads."""
    if isinstance(node, Field):
        return {node.name}
    if isinstance(node, Arith | Compare):
        return fields_of(node.left) | fields_of(node.right)
    if isinstance(node, In | Not):
        return fields_of(node.item)
    if isinstance(node, All | AnyOf):
        return set().union(*(fields_of(i) for i in node.items))
    return set()


def params_of(node: Node) -> set[str]:
    """Every policy parameter a node reads."""
    if isinstance(node, Param):
        return {node.name}
    if isinstance(node, Arith | Compare):
        return params_of(node.left) | params_of(node.right)
    if isinstance(node, In | Not):
        return params_of(node.item)
    if isinstance(node, All | AnyOf):
        return set().union(*(params_of(i) for i in node.items))
    return set()
