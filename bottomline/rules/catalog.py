"""The built-in screening rules (docs/rules.md lists each with its policy source).

A rule says when it holds (``when``), what it suggests (risk types, a category) and how to explain a hit: its
``shows`` are named values that both evaluators compute, and ``explain`` formats them in either language.
Facts are the columns of a household's feature row (``FACTS``); parameters come from policy data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bottomline.rules.nodes import All, AnyOf, Arith, Compare, Const, Field, In, Node, Not, Param, Value

# The facts a household's feature row carries, with their types (both evaluators read the same columns).
FACTS: dict[str, str] = {
    "household_type": "string",  # lifted / ordinary
    "welfare": "string",  # none / dibao / tekun
    "members": "int64",
    "labour_members": "int64",
    # Money per year, exact to the fen (rules.periods: a period that is not a year is annualised).
    "per_capita_income": "float64",  # latest assessment period
    "previous_per_capita_income": "float64",  # the period before it
    "net_income": "float64",
    "rigid_spending": "float64",  # compliant out-of-pocket medical and education, and other rigid spending
    "per_capita_income_after_spending": "float64",  # (net income - rigid spending) per person
    "medical_spending": "float64",  # of the rigid spending: compliant out-of-pocket medical
    "education_spending": "float64",  # of the rigid spending: compliant out-of-pocket education
    "months_above_line": "int64",  # whole months of continuous recorded time at or above the line
    "school_age_out_of_school": "int64",  # members aged 6 to 15 not in school
    "uninsured_members": "int64",  # members without basic medical insurance
    "housing_grade": "string",
    "safe_water": "bool",
    "sudden_events": "int64",  # disaster, accident, death or severe illness of a main labourer (feeds)
}

LINE = Param("monitoring_line")
INCOME = Field("per_capita_income")
AFTER_SPENDING = Field("per_capita_income_after_spending")


@dataclass(frozen=True)
class Rule:
    """One screening rule."""

    code: str
    title: dict[str, str]
    when: Node
    risk_types: tuple[str, ...]
    explain: dict[str, str]  # templates over the names in ``shows``
    shows: dict[str, Node] = field(default_factory=dict)
    # Risk types that follow the cause: each holds with the rule only when its condition holds too.
    risk_when: dict[str, Node] = field(default_factory=dict)
    category: int | None = None  # 3 = sudden severe hardship; None: 1 or 2 by household type, or no category
    suggests_category: bool = True
    source: str = ""


def _below_line() -> Node:
    return Compare("<", INCOME, LINE)


@dataclass(frozen=True)
class Criterion:
    """One condition of risk elimination, named so that a case page can say which hold and which do not."""

    code: str
    title: dict[str, str]
    when: Node


# Risk elimination (domain.md §1.7): all must hold; the ``ready_for_elimination`` rule is their conjunction.
ELIMINATION_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "income_above_line",
        {"en": "Income at or above the monitoring line", "zh": "人均纯收入不低于监测范围"},
        Not(_below_line()),
    ),
    Criterion(
        "income_stable",
        {"en": "Income above the line for the required months", "zh": "收入持续稳定达到规定月数"},
        Compare(">=", Field("months_above_line"), Param("stable_months")),
    ),
    Criterion(
        "rigid_spending_controlled",
        {
            "en": "Income after rigid spending at or above the line",
            "zh": "扣除刚性支出后人均纯收入不低于监测范围",
        },
        Not(Compare("<", AFTER_SPENDING, LINE)),
    ),
    Criterion(
        "education_secure",
        {"en": "Every school-age child in school", "zh": "义务教育有保障"},
        Compare("==", Field("school_age_out_of_school"), Const(0)),
    ),
    Criterion(
        "medical_secure",
        {"en": "Every member has basic medical insurance", "zh": "基本医疗有保障"},
        Compare("==", Field("uninsured_members"), Const(0)),
    ),
    Criterion(
        "housing_secure",
        {"en": "Housing is safe (not grade C or D)", "zh": "住房安全有保障"},
        Not(In(Field("housing_grade"), ("C", "D"))),
    ),
    Criterion(
        "water_secure",
        {"en": "Safe drinking water", "zh": "饮水安全有保障"},
        Compare("==", Field("safe_water"), Const(True)),
    ),
    # A household without labour capacity living on the safety net is not eliminated: it stays monitored.
    Criterion(
        "not_safety_net_only",
        {
            "en": "Not a household without labour capacity living on the safety net",
            "zh": "非无劳动能力的兜底保障户",
        },
        Not(
            All(
                (
                    Compare("==", Field("labour_members"), Const(0)),
                    Not(In(Field("welfare"), ("none",))),
                )
            )
        ),
    ),
)


# Category 3 (突发严重困难户, domain.md §1.2) is a household whose income is above the line but whose basic living
# a large rigid spending or a sharp drop after illness, disaster or accident leaves in serious difficulty; the
# common provincial test is income less compliant out-of-pocket spending below the line (`rigid_spending`). A
# sudden event or a sharp drop by itself names the cause of a lead (its risk types) without making one: a
# household still above the line after it is not in serious difficulty by that test, and one below it is a
# lead through `income_below_line` or `rigid_spending` (issue #13, item 4).
RULES: tuple[Rule, ...] = (
    Rule(
        code="income_below_line",
        title={"en": "Income inside the monitoring line", "zh": "人均纯收入低于监测范围"},
        when=_below_line(),
        risk_types=(),
        shows={"income": INCOME, "line": LINE},
        explain={
            "en": "per-capita net income {income:,.0f} < line {line:,.0f}",
            "zh": "人均纯收入 {income:,.0f} 元 < 监测范围 {line:,.0f} 元",
        },
        source="domain.md §1.2–1.3",
    ),
    Rule(
        code="income_drop",
        title={"en": "Sharp income drop", "zh": "收入大幅下降"},
        when=All(
            (
                Compare(">", Field("previous_per_capita_income"), Const(0)),
                Compare(
                    "<",
                    INCOME,
                    Arith(
                        "*",
                        Field("previous_per_capita_income"),
                        Arith("-", Const(1), Param("income_drop_ratio")),
                    ),
                ),
            )
        ),
        risk_types=("income_drop",),
        suggests_category=False,
        shows={
            "income": INCOME,
            "previous": Field("previous_per_capita_income"),
            "ratio": Param("income_drop_ratio"),
        },
        explain={
            "en": "per-capita net income fell from {previous:,.0f} to {income:,.0f}, more than {ratio:.0%}",
            "zh": "人均纯收入由 {previous:,.0f} 元降至 {income:,.0f} 元，降幅超过 {ratio:.0%}",
        },
        source="domain.md §1.2 (category 3: sharp income drop)",
    ),
    Rule(
        code="rigid_spending",
        title={"en": "Rigid spending beyond the household's means", "zh": "刚性支出过大"},
        # The common provincial rule: income minus compliant out-of-pocket spending below the line. A province
        # that also uses a share of income or an amount sets those parameters (none in force by default).
        when=AnyOf(
            (
                All((Compare(">", Field("rigid_spending"), Const(0)), Compare("<", AFTER_SPENDING, LINE))),
                Compare(
                    ">",
                    Field("rigid_spending"),
                    Arith("*", Field("net_income"), Param("rigid_spending_share")),
                ),
                Compare(">", Field("rigid_spending"), Param("rigid_spending_amount")),
            )
        ),
        risk_types=(),
        risk_when={
            "illness": Compare(">", Field("medical_spending"), Const(0)),
            "schooling": Compare(">", Field("education_spending"), Const(0)),
        },
        category=3,
        shows={
            "spending": Field("rigid_spending"),
            "income": Field("net_income"),
            "after": AFTER_SPENDING,
            "line": LINE,
        },
        explain={
            "en": "net income {income:,.0f} less rigid spending {spending:,.0f}: {after:,.0f} per person"
            " (line {line:,.0f})",
            "zh": "家庭纯收入 {income:,.0f} 元扣除刚性支出 {spending:,.0f} 元后人均 {after:,.0f} 元"
            "（监测范围 {line:,.0f} 元）",
        },
        source="domain.md §1.2 (category 3: income less compliant out-of-pocket spending; 秦安, 大姚)",
    ),
    Rule(
        code="out_of_school",
        title={"en": "School-age child out of school", "zh": "义务教育阶段适龄儿童失学辍学"},
        when=Compare(">", Field("school_age_out_of_school"), Const(0)),
        risk_types=("schooling",),
        shows={"children": Field("school_age_out_of_school")},
        explain={
            "en": "{children:d} child(ren) aged 6–15 out of school",
            "zh": "{children:d} 名 6–15 岁儿童未在校",
        },
        source="两不愁三保障: compulsory education",
    ),
    Rule(
        code="no_medical_insurance",
        title={"en": "Member without basic medical insurance", "zh": "有成员未参加基本医疗保险"},
        when=Compare(">", Field("uninsured_members"), Const(0)),
        risk_types=("illness",),
        shows={"members": Field("uninsured_members")},
        explain={
            "en": "{members:d} member(s) without basic medical insurance",
            "zh": "{members:d} 名成员未参加基本医疗保险",
        },
        source="两不愁三保障: basic medical insurance",
    ),
    Rule(
        code="dangerous_housing",
        title={"en": "Dangerous housing (grade C or D)", "zh": "住房为危房（C、D 级）"},
        when=In(Field("housing_grade"), ("C", "D")),
        risk_types=("housing_safety",),
        shows={"grade": Field("housing_grade")},
        explain={"en": "housing appraised grade {grade}", "zh": "房屋安全鉴定为 {grade} 级"},
        source="两不愁三保障: safe housing; domain.md §1.2 triggers",
    ),
    Rule(
        code="unsafe_water",
        title={"en": "No safe drinking water", "zh": "饮水安全未保障"},
        when=Compare("==", Field("safe_water"), Const(False)),
        risk_types=("water_safety",),
        explain={"en": "drinking water not secured", "zh": "未解决安全饮用水"},
        source="两不愁三保障 plus drinking water; domain.md §1.2 triggers",
    ),
    Rule(
        code="sudden_event",
        title={"en": "Sudden event reported by a department", "zh": "部门预警突发事件"},
        when=Compare(">", Field("sudden_events"), Const(0)),
        risk_types=("disaster", "accident", "illness"),
        suggests_category=False,
        shows={"events": Field("sudden_events")},
        explain={"en": "{events:d} sudden event(s) reported", "zh": "部门报告突发事件 {events:d} 起"},
        source="domain.md §1.2 (category 3), §1.4 department warnings",
    ),
    Rule(
        code="no_labour",
        title={"en": "No member with labour capacity", "zh": "家庭无劳动能力成员"},
        when=Compare("==", Field("labour_members"), Const(0)),
        risk_types=("lack_of_labour",),
        suggests_category=False,
        shows={"members": Field("members")},
        explain={"en": "none of {members:d} member(s) can work", "zh": "{members:d} 名成员均无劳动能力"},
        source="domain.md §1.6–1.7",
    ),
    Rule(
        code="ready_for_elimination",
        title={"en": "Ready for risk elimination", "zh": "符合风险消除条件"},
        when=All(tuple(c.when for c in ELIMINATION_CRITERIA)),
        risk_types=(),
        suggests_category=False,
        shows={
            "months": Field("months_above_line"),
            "required": Param("stable_months"),
            "income": INCOME,
            "line": LINE,
        },
        explain={
            "en": "income {income:,.0f} above the line {line:,.0f} for {months:d} months (≥ {required:.0f}); guarantees secure",
            "zh": "人均纯收入 {income:,.0f} 元，连续 {months:d} 个月高于监测范围 {line:,.0f} 元（≥ {required:.0f}），三保障和饮水安全",
        },
        source="domain.md §1.7",
    ),
)

MONITORING_RULES = tuple(r for r in RULES if r.code != "ready_for_elimination")


def explain(rule: Rule, values: dict[str, Value], language: str) -> str:
    """The rule's explanation with the numbers, in ``en`` or ``zh``."""
    template = rule.explain["zh" if language.startswith("zh") else "en"]
    try:
        return template.format(**values)
    except (TypeError, ValueError, KeyError):
        return template  # an unknown value: the words without the numbers
