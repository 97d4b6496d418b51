"""A synthetic population for real counties of the division tree, calibrated to published figures
(docs/synthetic-data.md gives each parameter's source). Deterministic for a seed. Names come from Faker
(zh_CN); ID numbers, addresses and everything else from the division table and the figures below."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from stdnum.cn import ric

from bottomline.jobs.progress import Progress
from bottomline.jobs.registry import job_handler
from bottomline.privacy.crypto import blind_index, encrypt
from bottomline.privacy.keys import field_keys
from bottomline.privacy.masking import mask_id_number, mask_number
from bottomline.regions.models import Level, Region
from bottomline.registry.models import Household, IncomeRecord, Member
from bottomline.registry.services import ID_PURPOSE, PHONE_PURPOSE


@dataclass(frozen=True)
class Calibration:
    """The figures the population follows; see docs/synthetic-data.md for their sources."""

    lifted_households: int = 8954  # Huangzhong, seed 004: 8,954 households, 28,565 people lifted out by 2018
    lifted_people: int = 28565
    ordinary_per_lifted: float = 1.5  # assumption: a demo-sized share of the villages' ordinary households
    ordinary_size: float = 3.96  # Guizhou: 423,200 people in 106,900 households
    income_2019: float = 9808.0  # per-capita income of lifted households, 2019 (3,416 in 2015)
    income_growth: float = 0.07  # assumption: yearly growth after 2019, close to 2015→2019 rural growth
    income_sigma: float = 0.45  # assumption: spread of per-capita income (lognormal)
    ordinary_income_factor: float = 1.3  # assumption: ordinary households earn more than lifted ones
    dibao_lifted: float = 0.12  # assumption
    tekun_lifted: float = 0.03  # assumption
    dibao_ordinary: float = 0.03  # assumption
    illness_shock: float = 0.03  # assumption: large out-of-pocket medical spending in the latest year
    income_drop_shock: float = 0.03  # assumption: latest year's income halved (accident, lost work)
    dangerous_housing: float = 0.02  # assumption: grade C or D
    dropout: float = 0.005  # assumption: share of children 6–15 out of school
    uninsured: float = 0.005  # assumption: members without basic medical insurance
    unsafe_water: float = 0.01  # assumption
    relocated: float = 0.05  # assumption (Huangzhong relocated villages such as 大卡阳村, seed 004)
    disaster_shock: float = 0.01  # assumption: a disaster loss in the last 12 months (Parquet events)
    death_shock: float = 0.005  # assumption: death of a main labourer in the last 12 months (Parquet events)


# The demography both outputs follow: the database synth draws it row by row (synth_county), the Parquet synth
# vectorised (synth_parquet.py). All are assumptions; docs/synthetic-data.md lists them.
HEAD_AGE = (52.0, 12.0, 22, 85)  # head of household: mean, sd, youngest, oldest
HEAD_MALE = 0.8
SPOUSE_SHARE = 0.85  # households of two or more with a spouse
SPOUSE_AGE = (-5, 3)  # spouse's age minus the head's
PARENT_SHARE = 0.2  # each further member of a head under 60 is a parent ...
PARENT_AGE = (20, 30)  # ... this much older than the head (at most 95)
GRANDCHILD_SHARE = 0.4  # ... or, for a head 55 or older, a grandchild aged 0–16
CHILD_AGE = (20, 35)  # otherwise a son or daughter this much younger than the head
HOUSING_AB = (60, 40)  # weights of grades A and B among safe houses
DISABLED = 0.02  # members disabled (grade 1–4)
SERIOUS = 0.03  # members seriously ill
LOSE_LABOUR = 0.7  # of the seriously ill and disabled of working age, those who lost labour capacity
WORKING = (("skilled", 20), ("ordinary", 70), ("weak", 10))  # labour of healthy members 16–60
UPPER_SECONDARY = (("senior", 55), ("vocational", 30), ("none", 15))  # schooling at 15–17
PRESCHOOL = 0.85  # children 3–5 in pre-school
TERTIARY = 0.25  # members 18–21 in college
EDUCATION_TEEN = (("junior", 1), ("senior", 1), ("vocational", 1))  # attained at 15–17
EDUCATION_ADULT = (
    ("illiterate", 5),
    ("primary", 30),
    ("junior", 40),
    ("senior", 10),
    ("vocational", 8),
    ("tertiary", 7),
)  # attained at 18–59
EDUCATION_OLD = (("illiterate", 35), ("primary", 45), ("junior", 20))  # attained at 60 and over
INCOME_SHARES = (("wage", 0.6), ("production", 0.25), ("property_income", 0.03), ("transfer", 0.12))
MEDICAL_SPENDING = (9.6, 0.5)  # lognormal of the ill household's out-of-pocket medical spending (≈ 15,000)
TERTIARY_FEES = 5000  # out-of-pocket education spending per college student
# Sudden events (department feeds) in the Parquet output, each from the shock rate that causes it.
EVENT_SHOCKS = (
    ("severe_illness", "illness_shock"),
    ("accident", "income_drop_shock"),
    ("disaster", "disaster_shock"),
    ("death", "death_shock"),
)


def chronic_rate(age: int | float) -> float:
    """Share of members of an age with a chronic illness."""
    return 0.05 + max(0.0, age - 40) * 0.004


def size_weights(mean: float) -> list[float]:
    """Household sizes 1–9 as 1 + Poisson(mean − 1), the tail beyond 9 folded into 9."""
    lam, p, weights = mean - 1, 2.718281828459045 ** (-(mean - 1)), []
    for k in range(8):
        weights.append(p)
        p *= lam / (k + 1)
    weights.append(max(0.0, 1 - sum(weights)))
    return weights


def base_income(c: Calibration, year: int, kind: str) -> float:
    """Median per-capita income of a household type in a year, carried forward from 2019."""
    return (
        c.income_2019
        * (1 + c.income_growth) ** (year - 2019)
        * (1 if kind == "lifted" else c.ordinary_income_factor)
    )


ETHNICITY = (("汉族", 0.70), ("回族", 0.15), ("藏族", 0.10), ("土族", 0.05))  # assumption for Huangzhong
CAUSES = (
    ("illness", 0.30),
    ("disability", 0.10),
    ("schooling", 0.08),
    ("disaster", 0.05),
    ("labour", 0.10),
    ("skills", 0.15),
    ("funds", 0.15),
    ("other", 0.07),
)


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...] | tuple[tuple[str, float], ...]) -> str:
    """One key of a (key, weight) table."""
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _education(rng: random.Random, age: int) -> str:
    if age < 6:
        return "preschool"
    if age < 12:
        return "primary"
    if age < 15:
        return "junior"
    if age < 18:
        return _pick(rng, EDUCATION_TEEN)
    if age >= 60:
        return _pick(rng, EDUCATION_OLD)
    return _pick(rng, EDUCATION_ADULT)


def _student(rng: random.Random, age: int, c: Calibration) -> str:
    if 6 <= age <= 15 and rng.random() < c.dropout:
        return "dropped_out"
    if 3 <= age <= 5:
        return "preschool" if rng.random() < PRESCHOOL else "none"
    if 6 <= age <= 11:
        return "primary"
    if 12 <= age <= 14:
        return "junior"
    if 15 <= age <= 17:
        return _pick(rng, UPPER_SECONDARY)
    if 18 <= age <= 21 and rng.random() < TERTIARY:
        return "tertiary"
    return "none"


def _health(rng: random.Random, age: int) -> tuple[str, int | None]:
    roll = rng.random()
    if roll < DISABLED:
        return "disabled", rng.randint(1, 4)
    if roll < DISABLED + SERIOUS:
        return "serious", None
    if roll < DISABLED + SERIOUS + chronic_rate(age):
        return "chronic", None
    return "healthy", None


def _labour(rng: random.Random, age: int, health: str) -> str:
    if age < 16 or age > 70 or (health in ("serious", "disabled") and rng.random() < LOSE_LABOUR):
        return "none" if age < 16 or age > 70 else "lost"
    if age > 60:
        return "weak"
    return _pick(rng, WORKING)


@dataclass
class Person:
    """A generated member before it is stored."""

    relation: str
    age: int
    sex: str


def _household_people(rng: random.Random, size: int) -> list[Person]:
    mean, sd, low, high = HEAD_AGE
    head_age = max(low, min(high, int(rng.gauss(mean, sd))))
    head_sex = "M" if rng.random() < HEAD_MALE else "F"
    people = [Person("head", head_age, head_sex)]
    if size >= 2 and rng.random() < SPOUSE_SHARE:
        people.append(
            Person("spouse", max(20, head_age + rng.randint(*SPOUSE_AGE)), "F" if head_sex == "M" else "M")
        )
    while len(people) < size:
        if head_age < 60 and rng.random() < PARENT_SHARE:
            people.append(Person("parent", min(95, head_age + rng.randint(*PARENT_AGE)), rng.choice("MF")))
        elif head_age >= 55 and rng.random() < GRANDCHILD_SHARE:
            people.append(Person("grandchild", rng.randint(0, 16), rng.choice("MF")))
        else:
            sex = rng.choice("MF")
            people.append(
                Person("son" if sex == "M" else "daughter", max(0, head_age - rng.randint(*CHILD_AGE)), sex)
            )
    return people


def _size(rng: random.Random, mean: float) -> int:
    return rng.choices(range(1, 10), weights=size_weights(mean))[0]


class IdMaker:
    """Valid ID numbers, unique per birth date and area, consistent with sex."""

    def __init__(self, area: str, taken: set[str]) -> None:
        self.area = area
        self.counts: Counter[tuple[str, str]] = Counter()
        self.taken = taken

    def make(self, birth: date, sex: str) -> str:
        while True:
            key = (birth.isoformat(), sex)
            n = self.counts[key]
            self.counts[key] += 1
            sequence = n * 2 + (1 if sex == "M" else 0)  # the 17th digit is odd for men
            if sequence > 999:
                birth += timedelta(days=1)
                continue
            body = f"{self.area}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.taken:
                self.taken.add(number)
                return number


def synth_county(
    *,
    county: Region,
    seed: int,
    on: date,
    calibration: Calibration | None = None,
    lifted: int | None = None,
    progress: Progress,
) -> dict[str, int]:
    """Households, members and two years of incomes for every village of a county, written in bulk."""
    c = calibration or Calibration()
    if Household.objects.filter(village__code__range=county.bounds).exists():
        return {"households": 0, "members": 0, "skipped": 1}
    rng = random.Random(f"{seed}:{county.code}")  # noqa: S311  (synthetic data: reproducible, not secret)
    from faker import Faker  # here, not at start-up: a web process does not load it (issue #17)

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    villages = list(
        Region.objects.filter(code__range=county.bounds, level=Level.VILLAGE, valid_to__isnull=True)
    )
    if not villages:
        raise ValueError(f"{county} has no villages loaded")
    lifted_n = lifted if lifted is not None else c.lifted_households
    lifted_size = c.lifted_people / c.lifted_households
    ordinary_n = int(lifted_n * c.ordinary_per_lifted)
    keys = field_keys()
    ids = IdMaker(county.code[:6], set())
    progress.start(lifted_n + ordinary_n, f"{county.name}")
    years = (on.year - 2, on.year - 1)
    numbers: Counter[int] = Counter()
    made = {"households": 0, "members": 0, "skipped": 0}
    kinds = ["lifted"] * lifted_n + ["ordinary"] * ordinary_n
    for start in range(0, len(kinds), 2000):
        batch = kinds[start : start + 2000]
        with transaction.atomic():
            households: list[Household] = []
            plans: list[tuple[list[Person], float, bool, bool]] = []
            for kind in batch:
                village = rng.choice(villages)
                numbers[village.pk] += 1
                phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
                welfare = "none"
                roll = rng.random()
                if kind == "lifted":
                    welfare = (
                        "dibao"
                        if roll < c.dibao_lifted
                        else "tekun"
                        if roll < c.dibao_lifted + c.tekun_lifted
                        else "none"
                    )
                elif roll < c.dibao_ordinary:
                    welfare = "dibao"
                households.append(
                    Household(
                        number=f"{village.code}{numbers[village.pk]:04d}",
                        village=village,
                        village_group=f"{rng.randint(1, 8)}社",
                        household_type=kind,
                        welfare=welfare,
                        poverty_cause=_pick(rng, CAUSES) if kind == "lifted" else "",
                        housing_grade=rng.choice("CD")
                        if rng.random() < c.dangerous_housing
                        else rng.choices("AB", weights=HOUSING_AB)[0],
                        safe_water=rng.random() >= c.unsafe_water,
                        phone_enc=encrypt(phone, keys=keys, purpose=PHONE_PURPOSE),
                        phone_index=blind_index(phone, keys=keys, purpose=PHONE_PURPOSE),
                        phone_masked=mask_number(phone),
                        first_identified=date(rng.choice([2014, 2015, 2016]), rng.randint(1, 12), 1)
                        if kind == "lifted"
                        else None,
                        relocated=kind == "lifted" and rng.random() < c.relocated,
                    )
                )
                size = _size(rng, lifted_size if kind == "lifted" else c.ordinary_size)
                base = base_income(c, years[1], kind)
                plans.append(
                    (
                        _household_people(rng, size),
                        base,
                        rng.random() < c.illness_shock,
                        rng.random() < c.income_drop_shock,
                    )
                )
            Household.objects.bulk_create(households)
            members: list[Member] = []
            incomes: list[IncomeRecord] = []
            for household, (people, base, ill, drop) in zip(households, plans, strict=True):
                for person in people:
                    birth = on - timedelta(days=person.age * 365 + rng.randint(0, 364))
                    number = ids.make(birth, person.sex)
                    health, grade = _health(rng, person.age)
                    labour = _labour(rng, person.age, health)
                    members.append(
                        Member(
                            household=household,
                            name=fake.name_male() if person.sex == "M" else fake.name_female(),
                            id_number_enc=encrypt(number, keys=keys, purpose=ID_PURPOSE),
                            id_number_index=blind_index(number, keys=keys, purpose=ID_PURPOSE),
                            id_number_masked=mask_id_number(number),
                            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                            sex=person.sex,
                            relation=person.relation,
                            ethnicity=_pick(rng, ETHNICITY),
                            education=_education(rng, person.age),
                            student_status=_student(rng, person.age, c),
                            health=health,
                            disability_grade=grade,
                            labour=labour,
                            months_worked=rng.randint(4, 11)
                            if labour in ("skilled", "ordinary") and rng.random() < 0.5
                            else 0,
                            medical_insurance=rng.random() >= c.uninsured,
                            serious_illness_insurance=rng.random() >= c.uninsured,
                        )
                    )
                per_capita = rng.lognormvariate(0, c.income_sigma) * base
                for year in years:
                    factor = (1 + c.income_growth) ** (year - years[1])
                    if year == years[1] and drop:
                        factor *= 0.5
                    total = per_capita * factor * len(people)
                    incomes.append(
                        IncomeRecord(
                            household=household,
                            period_start=date(year, 1, 1),
                            period_end=date(year, 12, 31),
                            household_size=len(people),
                            **{name: Decimal(round(total * share, 2)) for name, share in INCOME_SHARES},
                            medical_out_of_pocket=Decimal(round(rng.lognormvariate(*MEDICAL_SPENDING), 2))
                            if ill and year == years[1]
                            else Decimal(0),
                            education_out_of_pocket=Decimal(
                                TERTIARY_FEES
                                * sum(m.student_status == "tertiary" for m in members[-len(people) :])
                            ),
                        )
                    )
            Member.objects.bulk_create(members, batch_size=2000)
            IncomeRecord.objects.bulk_create(incomes, batch_size=2000)
        made["households"] += len(households)
        made["members"] += len(members)
        progress.advance(len(batch))
    return made


@job_handler("registry.synth")
def synth_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Params: ``counties`` (12-digit codes), ``seed``, ``on`` (ISO date), optional ``lifted``."""
    totals: Counter[str] = Counter()
    for code in params["counties"]:
        county = Region.objects.get(code=code, level=Level.COUNTY)
        totals.update(
            synth_county(
                county=county,
                seed=int(params["seed"]),
                on=date.fromisoformat(params["on"]),
                lifted=params.get("lifted"),
                progress=progress,
            )
        )
    return dict(totals)
