"""Screening one household, or a whole table of them: the same rules, the same results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any

from bottomline.rules.catalog import RULES, Rule, explain
from bottomline.rules.evaluate import evaluate
from bottomline.rules.nodes import Value

if TYPE_CHECKING:
    import ibis.expr.types as ir

# Ibis is imported inside the functions that compile the rules for the batch engine: one household's screening
# (the web process) does not load it (issue #17).


@dataclass(frozen=True)
class Hit:
    """A rule that holds, with the values that explain it."""

    rule: Rule
    values: dict[str, Value]
    causes: tuple[str, ...] = ()  # the rule's conditional risk types that hold (``Rule.risk_when``)

    @property
    def risk_types(self) -> tuple[str, ...]:
        """The risk types this hit suggests: the rule's own and those whose cause holds."""
        return (*self.rule.risk_types, *self.causes)

    def explanation(self, language: str) -> str:
        """Why, with the numbers."""
        return explain(self.rule, self.values, language)


@dataclass(frozen=True)
class Screening:
    """What the rules say of one household."""

    hits: tuple[Hit, ...]
    category: int | None  # 1 unstable lifted-out, 2 marginal at-risk, 3 sudden severe hardship
    risk_types: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the rules that hold."""
        return tuple(h.rule.code for h in self.hits)

    def report(self, language: str, rules: Iterable[Rule] = RULES) -> list[tuple[str, str, bool, str]]:
        """Every rule as (code, title, holds, explanation) in ``language``: what holds first."""
        lang = "zh" if language.startswith("zh") else "en"
        by_code = {h.rule.code: h for h in self.hits}
        rows = [
            (
                r.code,
                r.title[lang],
                r.code in by_code,
                by_code[r.code].explanation(language) if r.code in by_code else "",
            )
            for r in rules
        ]
        return sorted(rows, key=lambda row: not row[2])

    @property
    def at_risk(self) -> bool:
        """Whether the household should become a lead."""
        return self.category is not None

    @property
    def score(self) -> int:
        """A 0–100 risk score for ordering work lists (docs/screening.md): a base by category (3: 60; 1 or 2:
        40; none, with a monitoring rule holding: 20) plus 10 per monitoring rule that holds."""
        held = sum(h.rule.code != "ready_for_elimination" for h in self.hits)
        if not held:
            return 0
        base = {None: 20, 3: 60}.get(self.category, 40)
        return min(100, base + 10 * held)

    def explanations(self) -> dict[str, list[str]]:
        """Every hit's explanation, in both languages."""
        return {lang: [h.explanation(lang) for h in self.hits] for lang in ("en", "zh")}


def conclude(household_type: Value, hits: Iterable[Hit]) -> Screening:
    """Category and risk types from the hits (the same for both evaluators)."""
    hits = tuple(hits)
    codes = {h.rule.code for h in hits}
    category: int | None = None
    if "income_below_line" in codes:
        category = 1 if household_type == "lifted" else 2
    elif any(h.rule.category == 3 for h in hits):
        category = 3
    elif any(h.rule.suggests_category and h.rule.code != "ready_for_elimination" for h in hits):
        category = 1 if household_type == "lifted" else 2
    risks = sorted({r for h in hits if h.rule.code != "ready_for_elimination" for r in h.risk_types})
    if category is not None and not risks:
        risks = ["other"]
    return Screening(hits=hits, category=category, risk_types=tuple(risks))


def screen(
    facts: Mapping[str, Value], params: Mapping[str, Value], rules: Iterable[Rule] = RULES
) -> Screening:
    """Screen one household in Python (the online path: no Ibis, no I/O)."""
    hits = [
        Hit(
            rule,
            {name: evaluate(node, facts, params) for name, node in rule.shows.items()},
            tuple(r for r, node in rule.risk_when.items() if evaluate(node, facts, params) is True),
        )
        for rule in rules
        if evaluate(rule.when, facts, params) is True
    ]
    return conclude(facts.get("household_type"), hits)


def flag_column(rule: Rule) -> str:
    """The column of the batch result that says whether a rule holds."""
    return f"hit_{rule.code}"


def value_column(rule: Rule, name: str) -> str:
    """The column that carries one explaining value of a rule."""
    return f"{rule.code}__{name}"


def cause_column(rule: Rule, risk: str) -> str:
    """The column that says whether one of a rule's conditional risk types holds."""
    return f"cause_{rule.code}__{risk}"


def compile_screening(table: ir.Table, rules: Iterable[Rule] = RULES, key: str = "household_id") -> ir.Table:
    """The batch form: one row per household with a flag per rule and the values that explain it."""
    from bottomline.rules.compile import compile_node

    columns: dict[str, Any] = {key: table[key], "household_type": table["household_type"]}
    for rule in rules:
        columns[flag_column(rule)] = compile_node(rule.when, table).fill_null(False)
        for name, node in rule.shows.items():
            columns[value_column(rule, name)] = compile_node(node, table)
        for risk, node in rule.risk_when.items():
            columns[cause_column(rule, risk)] = compile_node(node, table).fill_null(False)
    return table.select(**columns)


def from_batch_row(row: Mapping[str, Any], rules: Iterable[Rule] = RULES) -> Screening:
    """Turn one row of the batch result into the same Screening the Python path gives."""
    hits = [
        Hit(
            rule,
            {name: row[value_column(rule, name)] for name in rule.shows},
            tuple(r for r in rule.risk_when if row[cause_column(rule, r)]),
        )
        for rule in rules
        if row[flag_column(rule)]
    ]
    return conclude(row["household_type"], hits)


def compile_category(screened: ir.Table, rules: Iterable[Rule] = RULES) -> Any:
    """The suggested category as a column of a compiled screening: the same decision as ``conclude``."""
    import ibis

    rules = tuple(rules)

    def any_of(selected: list[Rule]) -> Any:
        flags = [screened[flag_column(r)] for r in selected]
        return reduce(lambda a, b: a | b, flags) if flags else ibis.literal(False)

    by_type = ibis.ifelse(screened["household_type"] == "lifted", 1, 2)
    below = any_of([r for r in rules if r.code == "income_below_line"])
    sudden = any_of([r for r in rules if r.category == 3])
    other = any_of([r for r in rules if r.suggests_category and r.code != "ready_for_elimination"])
    return ibis.cases((below, by_type), (sudden, 3), (other, by_type), else_=ibis.null("int64"))
