"""The declared feed types: for each, the department that sends it and its columns (type, required, allowed
values, Chinese and English headings). docs/feeds.md is generated from these declarations (``feeds_doc``)
and a test holds the two equal; the templates and the validation read them too.

Headings, titles and allowed values are bilingual data here (as in ``rules/catalog.py``): a department's
file may use either language's heading, and either language's term (or the code) for a coded value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bottomline.accounts.models import Department

ColumnType = Literal["id_number", "text", "date", "amount", "integer", "choice", "flag"]

TYPE_NAMES: dict[str, dict[str, str]] = {
    "id_number": {"en": "ID number (18 characters, as text)", "zh": "身份证号码（18 位，文本格式）"},
    "text": {"en": "text", "zh": "文本"},
    "date": {"en": "date (YYYY-MM-DD)", "zh": "日期（YYYY-MM-DD）"},
    "amount": {"en": "amount in yuan, ≥ 0", "zh": "金额（元，≥ 0）"},
    "integer": {"en": "whole number", "zh": "整数"},
    "choice": {"en": "one of the allowed values", "zh": "取值之一"},
    "flag": {"en": "是 / 否 (yes / no)", "zh": "是 / 否"},
}


@dataclass(frozen=True)
class Allowed:
    """One allowed value of a coded column: the code stored, and its Chinese and English terms."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class FeedColumn:
    """One column of a feed file."""

    key: str
    zh: str  # the heading departments use
    en: str  # the English heading, accepted as well
    type: ColumnType
    required: bool = False
    allowed: tuple[Allowed, ...] = ()
    low: int | None = None  # bounds of an integer column
    high: int | None = None
    example: str = ""


@dataclass(frozen=True)
class FeedType:
    """A kind of feed a department sends, with its columns and what it changes in the archive."""

    code: str
    department: Department
    title: dict[str, str]
    effect: dict[str, str]
    columns: tuple[FeedColumn, ...]
    # Columns whose values identify a row for idempotent re-upload (empty: every column).
    key: tuple[str, ...] = ()

    def column(self, key: str) -> FeedColumn:
        """The column with this key."""
        return next(c for c in self.columns if c.key == key)


ID = FeedColumn("id_number", "身份证号码", "ID number", "id_number", True, example="（18 位，文本格式）")
NAME = FeedColumn("name", "姓名", "name", "text", example="王某某")
YES_NO = (Allowed("yes", "是", "yes"), Allowed("no", "否", "no"))
KINDS = (Allowed("disaster", "自然灾害", "natural disaster"), Allowed("accident", "意外事故", "accident"))
STAGES = (
    Allowed("preschool", "学前教育", "pre-school"),
    Allowed("primary", "小学", "primary school"),
    Allowed("junior", "初中", "junior secondary"),
    Allowed("senior", "高中", "senior secondary"),
    Allowed("vocational", "中职", "vocational school"),
    Allowed("tertiary", "大专及以上", "college or university"),
)
LABOUR = (
    Allowed("skilled", "技能劳动力", "skilled labour"),
    Allowed("ordinary", "普通劳动力", "ordinary labour"),
    Allowed("weak", "弱劳动力或半劳动力", "weak or partial labour"),
    Allowed("lost", "丧失劳动力", "lost labour capacity"),
    Allowed("none", "无劳动力", "no labour capacity"),
)

FEED_TYPES: tuple[FeedType, ...] = (
    FeedType(
        code="medical_claims",
        department=Department.HEALTH_INSURANCE,
        title={"en": "Medical-insurance claims", "zh": "医保报销结算"},
        effect={
            "en": "Adds the compliant out-of-pocket amount to the household's compliant medical spending of the "
            "income period that contains the settlement date (a claim counts once, by its settlement number). "
            "A serious illness of a main labourer (skilled or ordinary labour) becomes a sudden event. A claim "
            "whose income period is not recorded yet raises the same warning (counted in the newest period) and "
            "is listed until the period exists. Dates after the upload day are refused.",
            "zh": "将合规自付金额计入结算日期所在收入核算期的家庭合规医疗支出（同一结算单号只计一次）；"
            "主要劳动力患大病的，记为突发事件。结算日期所在核算期尚未录入的，同样预警（按最近一期计算），"
            "并列入未匹配清单，待核算期录入后计入。晚于上传当日的日期不予接收。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn("claim_number", "结算单号", "settlement number", "text", True, example="YB2026000001"),
            FeedColumn("settled_on", "结算日期", "settlement date", "date", True, example="2026-03-15"),
            FeedColumn(
                "out_of_pocket",
                "合规自付金额",
                "compliant out-of-pocket amount",
                "amount",
                True,
                example="8500.00",
            ),
            FeedColumn(
                "serious_illness", "是否大病", "serious illness", "flag", allowed=YES_NO, example="否"
            ),
        ),
        key=("claim_number",),
    ),
    FeedType(
        code="civil_affairs",
        department=Department.CIVIL_AFFAIRS,
        title={"en": "Civil-affairs status (低保, 特困)", "zh": "民政救助信息"},
        effect={
            "en": "Sets the household's safety-net status (低保 / 特困 / none).",
            "zh": "更新家庭低保、特困状态。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn(
                "welfare",
                "救助类别",
                "safety-net status",
                "choice",
                True,
                allowed=(
                    Allowed("none", "无", "none"),
                    Allowed("dibao", "低保", "minimum living allowance"),
                    Allowed("tekun", "特困", "extreme-hardship support"),
                ),
                example="低保",
            ),
            FeedColumn("effective_on", "认定日期", "date decided", "date", True, example="2026-03-01"),
        ),
    ),
    FeedType(
        code="disability",
        # 残疾证 are issued by the Disabled Persons' Federation (残联), not by civil affairs.
        department=Department.DISABLED_PERSONS_FEDERATION,
        title={"en": "Disability certificates (残疾证)", "zh": "残疾人证信息"},
        effect={
            "en": "Sets the member's disability grade (empty when the person holds no disability certificate).",
            "zh": "更新成员残疾等级（无残疾证的清空残疾等级）。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn(
                "disability_certificate",
                "持残疾证",
                "disability certificate",
                "flag",
                True,
                YES_NO,
                example="是",
            ),
            FeedColumn(
                "disability_grade", "残疾等级", "disability grade", "integer", low=1, high=4, example="2"
            ),
            FeedColumn("issued_on", "发证日期", "date issued", "date", True, example="2026-03-01"),
        ),
    ),
    FeedType(
        code="education",
        department=Department.EDUCATION,
        title={"en": "School enrolment and dropout", "zh": "学籍与控辍保学"},
        effect={
            "en": "Sets the member's student status: the stage when enrolled, dropped out otherwise.",
            "zh": "更新成员在校生状况：在读的记学段，辍学的记为义务教育阶段辍学。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn(
                "status",
                "在读状态",
                "enrolment status",
                "choice",
                True,
                allowed=(
                    Allowed("enrolled", "在读", "enrolled"),
                    Allowed("dropped_out", "辍学", "dropped out"),
                ),
                example="在读",
            ),
            FeedColumn("stage", "学段", "stage", "choice", allowed=STAGES, example="初中"),
            FeedColumn("school", "学校", "school", "text", example="田家寨镇中学"),
            FeedColumn("effective_on", "变动日期", "date of the change", "date", True, example="2026-09-01"),
        ),
    ),
    FeedType(
        code="housing",
        department=Department.HOUSING,
        title={"en": "Housing safety ratings", "zh": "农村房屋安全鉴定"},
        effect={
            "en": "Sets the housing safety grade of the household of the person named (C and D are dangerous).",
            "zh": "更新所列人员所在家庭的房屋安全等级（C、D 级为危房）。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn(
                "grade",
                "鉴定等级",
                "safety grade",
                "choice",
                True,
                allowed=(
                    Allowed("A", "A", "A"),
                    Allowed("B", "B", "B"),
                    Allowed("C", "C", "C"),
                    Allowed("D", "D", "D"),
                ),
                example="C",
            ),
            FeedColumn("appraised_on", "鉴定日期", "date appraised", "date", True, example="2026-05-20"),
        ),
    ),
    FeedType(
        code="disasters",
        department=Department.EMERGENCY,
        title={"en": "Disaster and accident losses", "zh": "灾害事故损失"},
        effect={
            "en": "Records a sudden event (disaster or accident) on the household of the person named.",
            "zh": "在所列人员所在家庭记录一起突发事件（自然灾害或意外事故）。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn("kind", "事件类型", "kind", "choice", True, allowed=KINDS, example="自然灾害"),
            FeedColumn("occurred_on", "发生日期", "date", "date", True, example="2026-07-12"),
            FeedColumn("loss", "直接经济损失", "direct loss", "amount", example="30000"),
            FeedColumn("description", "情况说明", "description", "text", example="暴雨致房屋受损"),
        ),
    ),
    FeedType(
        code="employment",
        department=Department.HUMAN_RESOURCES,
        title={"en": "Employment changes", "zh": "务工就业变动"},
        effect={
            "en": "Sets the member's months worked away this year and, when given, labour capacity.",
            "zh": "更新成员本年务工月数，并在填写时更新劳动技能。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn(
                "status",
                "就业状态",
                "employment status",
                "choice",
                True,
                allowed=(Allowed("employed", "就业", "employed"), Allowed("lost_job", "失业", "lost job")),
                example="就业",
            ),
            FeedColumn(
                "months_worked", "务工月数", "months worked", "integer", True, low=0, high=12, example="8"
            ),
            FeedColumn(
                "labour", "劳动技能", "labour capacity", "choice", allowed=LABOUR, example="普通劳动力"
            ),
            FeedColumn("changed_on", "变动日期", "date of the change", "date", True, example="2026-06-30"),
        ),
    ),
    FeedType(
        code="public_security",
        department=Department.PUBLIC_SECURITY,
        title={"en": "Deaths and moves (household register)", "zh": "户籍死亡与迁出"},
        effect={
            "en": "Moves the member out of the archive (death or moved away) through the registry's member move; "
            "the death of a main labourer becomes a sudden event.",
            "zh": "通过成员变动将其移出档案（死亡或迁出）；主要劳动力死亡的，记为突发事件。",
        },
        columns=(
            ID,
            NAME,
            FeedColumn(
                "change",
                "变动类型",
                "change",
                "choice",
                True,
                allowed=(Allowed("death", "死亡", "death"), Allowed("moved_away", "迁出", "moved away")),
                example="死亡",
            ),
            FeedColumn("changed_on", "变动日期", "date of the change", "date", True, example="2026-04-02"),
        ),
    ),
)
BY_CODE: dict[str, FeedType] = {t.code: t for t in FEED_TYPES}


def feed_title(code: str) -> str:
    """A feed type's title in the active language (the code itself when it is unknown)."""
    from django.utils.translation import get_language

    feed = BY_CODE.get(code)
    if feed is None:
        return code
    return feed.title["zh" if (get_language() or "").startswith("zh") else "en"]


def feed_types_for(department: str) -> tuple[FeedType, ...]:
    """The feed types a department sends (all of them when ``department`` is empty)."""
    return tuple(t for t in FEED_TYPES if not department or t.department == department)


def feeds_doc() -> str:
    """docs/feeds.md's schema section, generated from the declarations."""
    lines = [
        "<!-- generated from bottomline/feeds/schemas.py by `manage.py feed_doc`: edit the declarations -->",
        "",
    ]
    for t in FEED_TYPES:
        lines += [
            f"### `{t.code}`: {t.title['en']} ({t.title['zh']})",
            "",
            f"Sent by: **{Department(t.department).label}** (`{t.department}`). "
            f"Re-upload key: {', '.join(f'`{k}`' for k in t.key) if t.key else 'the whole row'}.",
            "",
            f"Effect: {t.effect['en']}",
            "",
            "| column | 中文表头 | English heading | type | required | allowed values |",
            "|---|---|---|---|---|---|",
        ]
        for c in t.columns:
            allowed = " · ".join(f"`{a.code}` {a.zh} / {a.en}" for a in c.allowed)
            if c.type == "integer" and c.low is not None:
                allowed = f"{c.low} to {c.high}"
            lines.append(
                f"| `{c.key}` | {c.zh} | {c.en} | {TYPE_NAMES[c.type]['en']} | {'yes' if c.required else ''} "
                f"| {allowed} |"
            )
        lines.append("")
    return "\n".join(lines)
