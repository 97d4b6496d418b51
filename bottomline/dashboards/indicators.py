"""The dashboard indicators, written once as data: what each counts, its unit, formula and source.

Every indicator is read from *parts*: integer sums kept per village and month (dashboards.models.VillageMonth)
that roll up to any region by SUM. A ratio (a rate, a share, a mean) is a quotient of parts computed when it is
read, never stored, so that a county's rate is its own and not an average of its villages' rates. The
dashboard, the exports and docs/indicators.md (``manage.py indicators_doc``) all read this table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bottomline.dashboards.programs import FIGURES as PROGRAM_FIGURES
from bottomline.dashboards.programs import RATIOS as PROGRAM_RATIOS
from bottomline.monitoring.models import Category, Channel, MeasureKind
from bottomline.registry.choices import RiskType

STOCK, FLOW = "stock", "flow"


@dataclass(frozen=True)
class Part:
    """One integer column of the per-village, per-month pre-aggregate."""

    name: str
    kind: str  # STOCK: as of the period's end; FLOW: during the period
    counts: str  # what one unit is, in English (for the documentation)


def _parts() -> tuple[Part, ...]:
    parts = [
        Part("objects_hh", STOCK, "households ever identified as monitoring objects (county approval given)"),
        Part("objects_people", STOCK, "their members"),
        *(
            Part(f"objects_hh_c{c.value}", STOCK, f"of them, households of category {c.value}")
            for c in Category
        ),
        *(
            Part(f"objects_people_c{c.value}", STOCK, f"members of category {c.value} households")
            for c in Category
        ),
        *(
            Part(f"objects_hh_risk_{r.value}", STOCK, f"households with risk type {r.value}")
            for r in RiskType
        ),
        Part("eliminated_cum_hh", STOCK, "monitoring objects whose risk has been eliminated"),
        Part("eliminated_cum_people", STOCK, "their members"),
        Part("monitored_hh", STOCK, "monitoring objects still monitored (risk not eliminated)"),
        Part("monitored_people", STOCK, "their members"),
        Part("safety_net_hh", STOCK, "still monitored households kept on the safety net (兜底)"),
        Part("safety_net_people", STOCK, "their members"),
        Part("leads_open", STOCK, "cases still being identified (a lead without a decision)"),
        Part("leads_overdue", STOCK, "of them, older than identification_days since the first lead"),
        *(
            Part(f"measures_{k.value}", STOCK, f"assistance measures of kind {k.value} in effect")
            for k in MeasureKind
        ),
        Part("covered_hh", STOCK, "still monitored households with at least one measure in effect"),
        Part("income_hh", STOCK, "registered households with an income record"),
        Part("income_below", STOCK, "of them, latest per-capita net income below the monitoring line"),
        Part("income_near", STOCK, "latest per-capita net income from the line to 1.5 × the line"),
        Part("income_above", STOCK, "latest per-capita net income at 1.5 × the line or more"),
        Part("identified_hh", FLOW, "households identified (county approval dated in the period)"),
        Part("identified_people", FLOW, "their members"),
        Part("eliminated_hh", FLOW, "households whose risk elimination is dated in the period"),
        Part("eliminated_people", FLOW, "their members"),
        Part("decided", FLOW, "cases decided (approved or rejected) in the period"),
        Part("decided_days", FLOW, "sum over them of the days from first lead to decision"),
        Part("decided_in_time", FLOW, "of them, decided within identification_days"),
        Part("feed_records", FLOW, "department feed rows applied to the village's households"),
        *(
            Part(f"signals_{c.value}", FLOW, f"signals (alerts) received through channel {c.value}")
            for c in Channel
        ),
        *(Part(f.part, f.kind, f.counts) for f in PROGRAM_FIGURES),
    ]
    return tuple(parts)


PARTS: tuple[Part, ...] = _parts()
PART_NAMES: tuple[str, ...] = tuple(p.name for p in PARTS)
FLOW_PARTS: tuple[str, ...] = tuple(p.name for p in PARTS if p.kind == FLOW)

# Sources (docs/indicators.md names them; domain.md has the addresses).
S_CATEGORIES = "domain.md §1.2 (three categories, risk-type picklist)"
S_PROCEDURE = "domain.md §1.5 (identification by county approval, ≤ 15 days from first lead)"
S_ELIMINATION = "domain.md §1.7; the rate as Guizhou reports it (issue 6, see above)"
S_SAFETY_NET = "domain.md §1.6–1.7 (no labour capacity: safety-net measures, stays monitored)"
S_MEASURES = "domain.md §1.6 (assistance catalog)"
S_LINE = "domain.md §1.3 (monitoring line per province or county and year; policy parameter monitoring_line)"
S_CHANNELS = "domain.md §1.4 (three monitoring methods) and batch screening"


@dataclass(frozen=True)
class Indicator:
    """One figure of the dashboard: parts summed (and divided, for a ratio), with its meaning and source."""

    code: str
    en: str | Promise
    zh: str
    unit: str  # households, people, cases, measures, records, signals, %, days
    kind: str  # STOCK or FLOW
    source: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    scale: int = 1  # 100 for a percentage
    year_to_date: bool = False  # a flow summed from January to the period
    group: str = ""  # indicators shown together (a breakdown)

    def value(self, sums: Mapping[str, int | None]) -> float | int | None:
        """The indicator from summed parts (``ytd_<part>`` for year-to-date ones); None when a ratio has no
        denominator."""
        prefix = "ytd_" if self.year_to_date else ""
        top = sum(int(sums.get(prefix + p) or 0) for p in self.numerator)
        if not self.denominator:
            return top
        bottom = sum(int(sums.get(prefix + p) or 0) for p in self.denominator)
        if bottom == 0:
            return None
        return round(top * self.scale / bottom, 1)

    def formula(self) -> str:
        """The formula in words of parts, for the documentation."""
        top = " + ".join(f"`{p}`" for p in self.numerator)
        text = (
            top if not self.denominator else f"({top}) / ({' + '.join(f'`{p}`' for p in self.denominator)})"
        )
        if self.scale != 1:
            text += f" × {self.scale}"
        if self.year_to_date:
            text = f"Σ January … period of {text}"
        return text


def _indicators() -> tuple[Indicator, ...]:
    hh, people, pct = "households", "people", "%"
    items: list[Indicator] = [
        Indicator(
            "objects_households",
            _("Monitoring objects (households)"),
            "监测对象户数",
            hh,
            STOCK,
            S_CATEGORIES,
            ("objects_hh",),
        ),
        Indicator(
            "objects_people",
            _("Monitoring objects (people)"),
            "监测对象人数",
            people,
            STOCK,
            S_CATEGORIES,
            ("objects_people",),
        ),
    ]
    for c in Category:
        items.append(
            Indicator(
                f"objects_households_c{c.value}",
                c.label,
                f"{_ZH_CATEGORY[c.value]}户数",
                hh,
                STOCK,
                S_CATEGORIES,
                (f"objects_hh_c{c.value}",),
                group="category_households",
            )
        )
    for c in Category:
        items.append(
            Indicator(
                f"objects_people_c{c.value}",
                c.label,
                f"{_ZH_CATEGORY[c.value]}人数",
                people,
                STOCK,
                S_CATEGORIES,
                (f"objects_people_c{c.value}",),
                group="category_people",
            )
        )
    for r in RiskType:
        items.append(
            Indicator(
                f"objects_risk_{r.value}",
                r.label,
                f"风险类型：{_ZH_RISK[r.value]}（户）",
                hh,
                STOCK,
                S_CATEGORIES,
                (f"objects_hh_risk_{r.value}",),
                group="risk_type",
            )
        )
    items += [
        Indicator(
            "identified_month_households",
            _("Identified this month (households)"),
            "本月新识别户数",
            hh,
            FLOW,
            S_PROCEDURE,
            ("identified_hh",),
        ),
        Indicator(
            "identified_month_people",
            _("Identified this month (people)"),
            "本月新识别人数",
            people,
            FLOW,
            S_PROCEDURE,
            ("identified_people",),
        ),
        Indicator(
            "identified_year_households",
            _("Identified this year (households)"),
            "本年新识别户数",
            hh,
            FLOW,
            S_PROCEDURE,
            ("identified_hh",),
            year_to_date=True,
        ),
        Indicator(
            "identified_year_people",
            _("Identified this year (people)"),
            "本年新识别人数",
            people,
            FLOW,
            S_PROCEDURE,
            ("identified_people",),
            year_to_date=True,
        ),
        Indicator(
            "eliminated_month_households",
            _("Risk eliminated this month (households)"),
            "本月风险消除户数",
            hh,
            FLOW,
            S_ELIMINATION,
            ("eliminated_hh",),
        ),
        Indicator(
            "eliminated_month_people",
            _("Risk eliminated this month (people)"),
            "本月风险消除人数",
            people,
            FLOW,
            S_ELIMINATION,
            ("eliminated_people",),
        ),
        Indicator(
            "eliminated_households",
            _("Risk eliminated, cumulative (households)"),
            "累计风险消除户数",
            hh,
            STOCK,
            S_ELIMINATION,
            ("eliminated_cum_hh",),
        ),
        Indicator(
            "eliminated_people",
            _("Risk eliminated, cumulative (people)"),
            "累计风险消除人数",
            people,
            STOCK,
            S_ELIMINATION,
            ("eliminated_cum_people",),
        ),
        Indicator(
            "elimination_rate_households",
            _("Elimination rate (households)"),
            "风险消除率（户）",
            pct,
            STOCK,
            S_ELIMINATION,
            ("eliminated_cum_hh",),
            ("objects_hh",),
            scale=100,
        ),
        Indicator(
            "elimination_rate_people",
            _("Elimination rate (people)"),
            "风险消除率（人）",
            pct,
            STOCK,
            S_ELIMINATION,
            ("eliminated_cum_people",),
            ("objects_people",),
            scale=100,
        ),
        Indicator(
            "monitored_households",
            _("Still monitored (households)"),
            "未消除风险户数",
            hh,
            STOCK,
            S_ELIMINATION,
            ("monitored_hh",),
        ),
        Indicator(
            "monitored_people",
            _("Still monitored (people)"),
            "未消除风险人数",
            people,
            STOCK,
            S_ELIMINATION,
            ("monitored_people",),
        ),
        Indicator(
            "safety_net_households",
            _("Monitored on the safety net (households)"),
            "兜底保障监测户数",
            hh,
            STOCK,
            S_SAFETY_NET,
            ("safety_net_hh",),
        ),
        Indicator(
            "safety_net_people",
            _("Monitored on the safety net (people)"),
            "兜底保障监测人数",
            people,
            STOCK,
            S_SAFETY_NET,
            ("safety_net_people",),
        ),
        Indicator(
            "leads_open",
            _("Leads being identified"),
            "识别中线索",
            "cases",
            STOCK,
            S_PROCEDURE,
            ("leads_open",),
        ),
        Indicator(
            "leads_overdue", _("Leads overdue"), "超期线索", "cases", STOCK, S_PROCEDURE, ("leads_overdue",)
        ),
        Indicator(
            "days_to_decision",
            _("Days from first lead to decision (mean)"),
            "线索至决定平均天数",
            "days",
            FLOW,
            S_PROCEDURE,
            ("decided_days",),
            ("decided",),
        ),
        Indicator(
            "decided_in_time",
            _("Decided within the deadline"),
            "按时限决定占比",
            pct,
            FLOW,
            S_PROCEDURE,
            ("decided_in_time",),
            ("decided",),
            scale=100,
        ),
    ]
    for k in MeasureKind:
        items.append(
            Indicator(
                f"measures_{k.value}",
                k.label,
                f"{_ZH_MEASURE[k.value]}（项）",
                "measures",
                STOCK,
                S_MEASURES,
                (f"measures_{k.value}",),
                group="measure_kind",
            )
        )
    items += [
        Indicator(
            "measure_coverage",
            _("Assistance coverage"),
            "帮扶措施覆盖率",
            pct,
            STOCK,
            S_MEASURES,
            ("covered_hh",),
            ("monitored_hh",),
            scale=100,
        ),
        Indicator(
            "income_households",
            _("Households with an income record"),
            "有收入记录户数",
            hh,
            STOCK,
            S_LINE,
            ("income_hh",),
        ),
        Indicator(
            "income_below_line",
            _("Below the monitoring line"),
            "低于监测线",
            hh,
            STOCK,
            S_LINE,
            ("income_below",),
            group="income",
        ),
        Indicator(
            "income_near_line",
            _("From the line to 1.5 × the line"),
            "监测线至1.5倍",
            hh,
            STOCK,
            S_LINE,
            ("income_near",),
            group="income",
        ),
        Indicator(
            "income_above_line",
            _("Above 1.5 × the line"),
            "高于1.5倍监测线",
            hh,
            STOCK,
            S_LINE,
            ("income_above",),
            group="income",
        ),
        Indicator(
            "income_below_share",
            _("Share below the line"),
            "低于监测线占比",
            pct,
            STOCK,
            S_LINE,
            ("income_below",),
            ("income_hh",),
            scale=100,
        ),
        Indicator(
            "feed_records",
            _("Department feed rows received"),
            "部门数据接收条数",
            "records",
            FLOW,
            S_CHANNELS,
            ("feed_records",),
        ),
        Indicator(
            "signals",
            _("Alerts raised, all channels"),
            "预警线索（全部渠道）",
            "signals",
            FLOW,
            S_CHANNELS,
            tuple(f"signals_{c.value}" for c in Channel),
        ),
    ]
    for ch in Channel:
        items.append(
            Indicator(
                f"signals_{ch.value}",
                ch.label,
                f"预警线索：{_ZH_CHANNEL[ch.value]}",
                "signals",
                FLOW,
                S_CHANNELS,
                (f"signals_{ch.value}",),
                group="channel",
            )
        )
    # The programs' figures (dashboards.programs): one indicator per part, grouped by program app.
    items += [
        Indicator(f.part, f.en, f.zh, f.unit, f.kind, f.source, (f.part,), group=f.part.split("_")[0])
        for f in PROGRAM_FIGURES
    ]
    items += [  # and their rates (a quotient of their parts, in per cent)
        Indicator(
            r.code,
            r.en,
            r.zh,
            pct,
            r.kind,
            r.source,
            r.numerator,
            r.denominator,
            scale=100,
            group=r.code.split("_")[0],
        )
        for r in PROGRAM_RATIOS
    ]
    return tuple(items)


_ZH_CATEGORY = {1: "脱贫不稳定户", 2: "边缘易致贫户", 3: "突发严重困难户"}
_ZH_RISK = {
    "illness": "因病",
    "disability": "因残",
    "schooling": "因学",
    "disaster": "因自然灾害",
    "accident": "因意外事故",
    "failed_industry": "因产业项目失败",
    "unstable_employment": "因务工就业不稳",
    "lack_of_labour": "缺劳动力",
    "housing_safety": "住房安全问题",
    "water_safety": "饮水安全问题",
    "income_drop": "收入大幅缩减",
    "other": "其他",
}
_ZH_MEASURE = {
    "industry": "产业帮扶",
    "employment": "就业帮扶",
    "public_welfare_post": "公益性岗位",
    "health": "医疗保障",
    "education": "教育帮扶",
    "housing": "危房改造",
    "dibao": "低保",
    "tekun": "特困供养",
    "disability": "残疾人两项补贴",
    "relocation": "易地扶贫搬迁后续扶持",
    "insurance": "防贫保理赔",
    "other": "其他",
}
_ZH_CHANNEL = {
    "self_declaration": "农户自主申报",
    "cadre": "基层干部排查",
    "department": "部门筛查预警",
    "screening": "规则筛查",
    "staff_entry": "电话、纸质申报",
}

INDICATORS: tuple[Indicator, ...] = _indicators()
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


Value = float | int | None


class IndicatorValues(Mapping[str, Value]):
    """Every indicator from summed parts (and ``ytd_`` sums of the flow parts), each computed when first read:
    a dashboard builds figures for every child region and every month of its trend and reads a few of each."""

    def __init__(self, sums: Mapping[str, int | None]) -> None:
        self._sums = sums
        self._read: dict[str, Value] = {}

    def __getitem__(self, code: str) -> Value:
        if code not in self._read:
            self._read[code] = BY_CODE[code].value(self._sums)
        return self._read[code]

    def __iter__(self) -> Iterator[str]:
        return iter(BY_CODE)

    def __len__(self) -> int:
        return len(BY_CODE)


def indicator_values(sums: Mapping[str, int | None]) -> IndicatorValues:
    """Every indicator from summed parts (and ``ytd_`` sums of the flow parts)."""
    return IndicatorValues(sums)


# docs/indicators.md carries the table between two markers; ``manage.py indicators_doc`` rewrites it.
DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
BEGIN, END = "<!-- indicators:begin -->", "<!-- indicators:end -->"


def indicators_table() -> str:
    """The indicators and the parts they read, as Markdown."""
    lines = [
        "| code | indicator | 指标 | unit | stock / flow | formula | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for i in INDICATORS:
        lines.append(f"| `{i.code}` | {i.en} | {i.zh} | {i.unit} | {i.kind} | {i.formula()} | {i.source} |")
    lines += [
        "",
        "Parts (integer columns of `dashboards.VillageMonth`, summed over villages):",
        "",
        "| part | stock / flow | counts |",
        "|---|---|---|",
    ]
    lines += [f"| `{p.name}` | {p.kind} | {p.counts} |" for p in PARTS]
    return "\n".join(lines)


def doc_render(text: str) -> str:
    """The document with its generated section replaced by the one this table gives."""
    from django.utils import translation

    with translation.override("en"):
        generated = indicators_table()
    head, _sep, rest = text.partition(BEGIN)
    _old, _sep, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{generated}\n{END}{tail}"
