"""The national lists' columns, declared once: a province whose export differs adjusts this table only.

The national system's schema is not published; shared/interop.md gives the evidence (the 32 columns of the
已脱贫人口名单 and 边缘易致贫人口名单 / 监测对象名单, one row per person). Columns are found by heading or alias,
in any order; unknown columns are reported and left alone. Three extension columns (脱贫年度, 易地扶贫搬迁,
安置点) carry the baseline attributes the documents count by; an export adds them only when asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils import translation

from bottomline.monitoring.models import Category
from bottomline.registry import choices

# Kinds of cell: how a value is read and written.
TEXT, DATE, FLAG, INT, MONEY, CHOICE = "text", "date", "flag", "int", "money", "choice"


@dataclass(frozen=True)
class NationalColumn:
    """One column of the national lists: its heading, other headings seen for it, what it fills and how."""

    heading: str
    target: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    extension: bool = False  # not in the national lists: exported only when asked


COLUMNS: tuple[NationalColumn, ...] = (
    NationalColumn("序号", "sequence", INT),
    NationalColumn("数据日期", "data_date", DATE),
    NationalColumn("县(市、区、旗)", "county", aliases=("县（市、区、旗）", "县", "县(市、区)")),
    NationalColumn("乡(镇)", "township", required=True, aliases=("乡（镇）", "乡镇")),
    NationalColumn("行政村", "village", required=True),
    NationalColumn("自然村", "natural_village"),
    NationalColumn("户编号", "number", required=True),
    NationalColumn("人编号", "person_number"),
    NationalColumn("姓名", "name", required=True),
    NationalColumn("证件号码", "id_number", required=True, aliases=("身份证号码", "身份证号")),
    NationalColumn("人数", "household_size", INT),
    NationalColumn("与户主关系", "relation", CHOICE, required=True),
    NationalColumn("民族", "ethnicity", CHOICE),
    NationalColumn("文化程度", "education", CHOICE, required=True),
    NationalColumn("在校生状况", "student_status", CHOICE),
    NationalColumn("健康状况", "health", CHOICE),
    NationalColumn("劳动技能", "labour", CHOICE, required=True),
    NationalColumn("务工时间（月）", "months_worked", INT, aliases=("务工时间(月)", "务工时间")),
    NationalColumn("是否参加大病保险", "serious_illness_insurance", FLAG),
    NationalColumn("致贫原因1", "cause", aliases=("主要致贫原因", "风险类型", "致贫返贫风险1")),
    NationalColumn("危房户", "dangerous_housing", FLAG),
    NationalColumn("是否解决安全饮用水", "safe_water", FLAG),
    NationalColumn("人均纯收入", "per_capita_income", MONEY, aliases=("人均纯收入（元）", "人均纯收入(元)")),
    NationalColumn("户联系电话", "phone"),
    NationalColumn("人联系电话", "person_phone"),
    NationalColumn("首次识别时间", "first_identified", DATE),
    NationalColumn("人员识别时间", "person_identified", DATE),
    NationalColumn("户类型", "household_type", CHOICE, required=True),
    NationalColumn(
        "易返贫致贫户(监测对象)类型",
        "category",
        CHOICE,
        aliases=("易返贫致贫户（监测对象）类型", "监测对象类型", "易返贫致贫户类型"),
    ),
    NationalColumn("风险是否消除", "eliminated", FLAG),
    NationalColumn("风险识别时间", "risk_identified", DATE),
    NationalColumn("风险消除时间", "risk_eliminated", DATE),
    NationalColumn("脱贫年度", "lifted_year", INT, extension=True, aliases=("脱贫年份",)),
    NationalColumn("是否易地扶贫搬迁", "relocated", FLAG, extension=True, aliases=("易地扶贫搬迁户",)),
    NationalColumn("安置点", "resettlement_site", extension=True, aliases=("安置点名称",)),
)
BY_TARGET = {c.target: c for c in COLUMNS}

# The coded values of the CHOICE columns, and terms the national lists use beyond the registry's own.
ENUMS: dict[str, type[models.TextChoices] | type[models.IntegerChoices]] = {
    "relation": choices.Relation,
    "ethnicity": choices.Ethnicity,
    "education": choices.Education,
    "student_status": choices.StudentStatus,
    "health": choices.Health,
    "labour": choices.Labour,
    "household_type": choices.HouseholdType,
    "category": Category,
}
EXTRA_TERMS: dict[str, dict[str, str]] = {
    "relation": {
        "之孙子": "grandchild",
        "之孙女": "grandchild",
        "之外孙子": "grandchild",
        "之外孙女": "grandchild",
        "之父": "parent",
        "之母": "parent",
        "之岳父": "parent",
        "之岳母": "parent",
        "之公公": "parent",
        "之婆婆": "parent",
        "之祖父": "grandparent",
        "之祖母": "grandparent",
        "之兄弟姐妹": "sibling",
        "之兄": "sibling",
        "之弟": "sibling",
        "之姐": "sibling",
        "之妹": "sibling",
        "之女婿": "child_in_law",
        "之儿媳": "child_in_law",
    },
    "health": {"残疾（含肢体、听力等）": "disabled", "长期慢性疾病": "chronic", "大病": "serious"},
    "labour": {"弱劳动力": "weak", "半劳动力": "weak"},
    "category": {"脱贫不稳定户": "1", "边缘易致贫户": "2", "突发严重困难户": "3"},
    "household_type": {"脱贫户": "lifted", "一般农户": "ordinary", "一般户": "ordinary"},
}
YES = {"是", "有", "y", "yes", "true", "1", "√"}
NO = {"否", "无", "n", "no", "false", "0", "×"}

_INNER = re.compile(r"[（(]([^（）()]+)[）)]\s*$")


def chinese_terms(label: str) -> list[str]:
    """The Chinese terms in a label such as "Son- or daughter-in-law (之儿媳/之女婿)"."""
    inner = _INNER.search(label)
    if inner is None:
        return []
    return [t.strip() for t in re.split(r"[/、]", inner.group(1)) if t.strip()]


def choice_lookup(target: str) -> dict[str, str]:
    """Every text a cell may hold for a CHOICE column (code, labels, Chinese terms), to the stored code."""
    enum = ENUMS[target]
    lookup: dict[str, str] = {}
    for value, label in enum.choices:
        code = str(value)
        lookup[code.lower()] = code
        for language in (None, "zh-hans", "en"):  # the label as written, in Chinese, in English
            with translation.override(language):
                text = str(label)
            lookup[text.lower()] = code
            for term in chinese_terms(text):
                lookup[term.lower()] = code
    lookup.update({term.lower(): code for term, code in EXTRA_TERMS.get(target, {}).items()})
    return lookup


def term_of(target: str, code: object) -> str:
    """The Chinese term an export writes for a stored code (the first of its label's terms)."""
    if code in (None, ""):
        return ""
    with translation.override(None):  # the label as written (English, the Chinese term in brackets)
        labels = {str(value): str(label) for value, label in ENUMS[target].choices}
    label = labels.get(str(code))
    if label is None:
        return str(code)
    terms = chinese_terms(label)
    return terms[0] if terms else label
