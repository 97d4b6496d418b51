"""The registry's coded values (农户档案), with the Chinese terms of the 建档立卡 forms they come from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdType(models.TextChoices):
    """Whether the household was lifted out of poverty (registered) or is an ordinary rural household."""

    LIFTED = "lifted", _("Lifted-out household (脱贫户)")
    ORDINARY = "ordinary", _("Ordinary household (一般农户)")


class Welfare(models.TextChoices):
    """Safety-net status from civil affairs."""

    NONE = "none", _("None")
    DIBAO = "dibao", _("Minimum living allowance (低保)")
    TEKUN = "tekun", _("Extreme-hardship support (特困供养)")


class PovertyCause(models.TextChoices):
    """Main cause of poverty (主要致贫原因), the 12 of the registration form."""

    ILLNESS = "illness", _("Illness (因病)")
    DISABILITY = "disability", _("Disability (因残)")
    SCHOOLING = "schooling", _("Schooling (因学)")
    DISASTER = "disaster", _("Disaster (因灾)")
    LAND = "land", _("Lack of land (缺土地)")
    WATER = "water", _("Lack of water (缺水)")
    SKILLS = "skills", _("Lack of skills (缺技术)")
    LABOUR = "labour", _("Lack of labour (缺劳力)")
    FUNDS = "funds", _("Lack of funds (缺资金)")
    TRANSPORT = "transport", _("Poor transport (交通条件落后)")
    MOTIVATION = "motivation", _("Lack of drive (自身发展动力不足)")
    OTHER = "other", _("Other (其他)")


class HousingGrade(models.TextChoices):
    """Housing safety appraisal (房屋安全等级): C and D are dangerous housing (危房)."""

    A = "A", _("A, safe")
    B = "B", _("B, basically safe")
    C = "C", _("C, partly dangerous (危房)")
    D = "D", _("D, dangerous as a whole (危房)")


class Relation(models.TextChoices):
    """Relation to the head of household (与户主关系)."""

    HEAD = "head", _("Head (户主)")
    SPOUSE = "spouse", _("Spouse (配偶)")
    SON = "son", _("Son (之子)")
    DAUGHTER = "daughter", _("Daughter (之女)")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law (之儿媳/之女婿)")
    GRANDCHILD = "grandchild", _("Grandchild (之孙子女)")
    PARENT = "parent", _("Parent (之父母)")
    GRANDPARENT = "grandparent", _("Grandparent (之祖父母)")
    SIBLING = "sibling", _("Sibling (兄弟姐妹)")
    OTHER = "other", _("Other (其他)")


class Education(models.TextChoices):
    """Education level (文化程度)."""

    ILLITERATE = "illiterate", _("Illiterate or semi-literate (文盲或半文盲)")
    PRESCHOOL = "preschool", _("Pre-school child (学龄前儿童)")
    PRIMARY = "primary", _("Primary (小学)")
    JUNIOR = "junior", _("Junior secondary (初中)")
    SENIOR = "senior", _("Senior secondary (高中)")
    VOCATIONAL = "vocational", _("Vocational secondary (中专/职高)")
    TERTIARY = "tertiary", _("College or above (大专及以上)")


class StudentStatus(models.TextChoices):
    """Current schooling (在校生状况)."""

    NONE = "none", _("Not a student (非在校生)")
    PRESCHOOL = "preschool", _("Pre-school (学前教育)")
    PRIMARY = "primary", _("Primary school (小学)")
    JUNIOR = "junior", _("Junior secondary (初中)")
    SENIOR = "senior", _("Senior secondary (高中)")
    VOCATIONAL = "vocational", _("Vocational school (中职)")
    TERTIARY = "tertiary", _("College or university (大专及以上)")
    DROPPED_OUT = "dropped_out", _("Dropped out of compulsory education (义务教育阶段辍学)")


class Health(models.TextChoices):
    """Health status (健康状况)."""

    HEALTHY = "healthy", _("Healthy (健康)")
    CHRONIC = "chronic", _("Long-term chronic illness (长期慢性病)")
    SERIOUS = "serious", _("Serious illness (患有大病)")
    DISABLED = "disabled", _("Disabled (残疾)")


class Labour(models.TextChoices):
    """Labour capacity and skill (劳动技能)."""

    SKILLED = "skilled", _("Skilled labour (技能劳动力)")
    ORDINARY = "ordinary", _("Ordinary labour (普通劳动力)")
    WEAK = "weak", _("Weak or partial labour (弱劳动力或半劳动力)")
    LOST = "lost", _("Lost labour capacity (丧失劳动力)")
    NONE = "none", _("No labour capacity (无劳动力)")


# Members with these count as labour: a household with none "has no labour capacity".
LABOUR_CAPABLE = (Labour.SKILLED, Labour.ORDINARY, Labour.WEAK)


class Ethnicity(models.TextChoices):
    """The 56 ethnic groups (民族), by their Chinese names, the most frequent in Qinghai and Guizhou first."""

    HAN = "汉族", "汉族"
    HUI = "回族", "回族"
    ZANG = "藏族", "藏族"
    TU = "土族", "土族"
    SALAR = "撒拉族", "撒拉族"
    MONGOL = "蒙古族", "蒙古族"
    MIAO = "苗族", "苗族"
    BUYI = "布依族", "布依族"
    DONG = "侗族", "侗族"
    TUJIA = "土家族", "土家族"
    YI = "彝族", "彝族"
    SHUI = "水族", "水族"
    GELAO = "仡佬族", "仡佬族"
    OTHER = "其他", _("Other (其他)")


class MoveReason(models.TextChoices):
    """Why a member joined or left a household (from or to none: into or out of the archive)."""

    MARRIAGE = "marriage", _("Marriage (婚嫁)")
    SPLIT = "split", _("Household split (分户)")
    DEATH = "death", _("Death (死亡)")
    MOVED_AWAY = "moved_away", _("Moved away (迁出)")
    CORRECTION = "correction", _("Correction of the record (信息纠错)")
    BIRTH = "birth", _("Birth (出生)")
    MOVED_IN = "moved_in", _("Moved in (迁入)")


class RiskType(models.TextChoices):
    """Risk types of a monitored household (domain.md §1.2 picklist)."""

    ILLNESS = "illness", _("Illness (因病)")
    DISABILITY = "disability", _("Disability (因残)")
    SCHOOLING = "schooling", _("Schooling (因学)")
    DISASTER = "disaster", _("Natural disaster (因自然灾害)")
    ACCIDENT = "accident", _("Accident (因意外事故)")
    FAILED_INDUSTRY = "failed_industry", _("Failed industry project (因产业项目失败)")
    UNSTABLE_EMPLOYMENT = "unstable_employment", _("Unstable employment (因务工就业不稳)")
    LACK_OF_LABOUR = "lack_of_labour", _("Lack of labour (缺劳动力)")
    # Named by their cause (issue #13), not folded into "other".
    HOUSING_SAFETY = "housing_safety", _("Housing safety problem (住房安全问题)")
    WATER_SAFETY = "water_safety", _("Drinking-water safety problem (饮水安全问题)")
    INCOME_DROP = "income_drop", _("Large income drop (收入大幅缩减)")
    OTHER = "other", _("Other (其他)")


class Program(models.TextChoices):
    """The programs whose money reaches a household's income records (registry.programs; docs/programs.md)."""

    WELFARE_POST = "welfare_post", _("Public-welfare post")
    PV_INCOME = "pv_income", _("Village PV income")
    BENEFIT_LINKAGE = "benefit_linkage", _("Benefit linkage")
    EMPLOYMENT = "employment", _("Employment support")
    RAIN_DEW = "rain_dew", _("Rain and Dew grant")
    INSURANCE_CLAIM = "insurance_claim", _("Anti-poverty insurance claim")
    PROJECT = "project", _("Project benefit")
    OTHER = "other", _("Other program")


class IncomeKind(models.TextChoices):
    """The four income types of the national forms, as a program's money is counted in them."""

    WAGE = "wage", _("Wage income (工资性收入)")
    PRODUCTION = "production", _("Production and operation income (生产经营性收入)")
    PROPERTY = "property", _("Property income (财产性收入)")
    TRANSFER = "transfer", _("Transfer income (转移性收入)")
