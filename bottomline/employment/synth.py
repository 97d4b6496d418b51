"""Synthetic workshops, jobs, courses and Rain and Dew grants for a synthetic county, calibrated to seed 004
(Huangzhong) where it gives a figure and to stated assumptions elsewhere (docs/synthetic-data.md). Deterministic
for a seed; a county that has a workshop already is left alone. The wages and grants reach income through
``registry.programs`` and the months worked through ``registry.services.members_set``, as a page's would."""

from __future__ import annotations

import calendar
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from bottomline.accounts.models import User
from bottomline.employment.models import Course, CourseKind, Grant, Job, Place, Trainee, Workshop, last_month
from bottomline.employment.services import grant_source, job_entries, months_worked
from bottomline.engine.online import households_refresh
from bottomline.regions.models import Level, Region
from bottomline.registry.choices import IncomeKind, Program
from bottomline.registry.models import Member
from bottomline.registry.programs import ProgramEntry, program_incomes_post
from bottomline.registry.services import members_set


@dataclass(frozen=True)
class EmploymentCalibration:
    """The figures the synthetic programs follow; docs/synthetic-data.md gives each one's source."""

    transferred_5y: int = 19602  # seed 004: 转移输出贫困劳动力19602人 (Huangzhong, cumulative)
    trained_5y: int = 20165  # seed 004: 累计培训贫困劳动力20165人(次)
    years_of_campaign: int = 5  # assumption: the cumulative figures cover 2016-2020 ("五年来")
    local_per_migrant: float = 0.4  # assumption: local jobs (workshops, nearby employers) per migrant job
    outside_share: float = 0.4  # assumption: of migrant jobs, outside Qinghai (the rest elsewhere in it)
    workshops: int = 60  # assumption: about one workshop for every six or seven villages
    workshop_share: float = 0.5  # assumption: local jobs that are at a workshop
    course_size: int = 40  # assumption: trainees per course
    certified: float = 0.7  # assumption: trainees of a course with a certificate who obtain it
    grant_per_term: int = 1500  # domain.md §3.7: about 3,000 yuan a school year, paid per term
    higher_vocational: float = 0.3  # assumption: tertiary students in higher vocational schools (高职, 大专)


EMPLOYERS_LOCAL = (
    "湟中区新绿康食品有限公司",
    "千紫缘农产品加工厂",
    "湟中区建筑工程队",
    "鲁沙尔镇物流园",
    "西宁市家政服务公司",
)
EMPLOYERS_PROVINCE = ("西宁经济技术开发区企业", "格尔木盐湖化工", "海西州建筑工地", "西宁市餐饮企业")
EMPLOYERS_OUTSIDE = ("江苏昆山电子厂", "浙江义乌商贸城", "广东东莞制造企业", "福建晋江鞋厂", "新疆棉花采摘")
WORKSHOP_NAMES = ("加工车间", "刺绣车间", "服装车间", "农产品车间", "藏毯车间", "手工艺车间")
COURSES = (
    ("电焊工", CourseKind.SKILLS, "焊工职业资格证书"),
    ("中式烹调", CourseKind.SKILLS, "中式烹调师证书"),
    ("家政服务", CourseKind.SKILLS, "家政服务员证书"),
    ("挖掘机操作", CourseKind.SKILLS, "特种作业操作证"),
    ("高原夏菜种植", CourseKind.FARMING, ""),
    ("牛羊养殖技术", CourseKind.FARMING, ""),
    ("电商直播", CourseKind.BUSINESS, ""),
    ("外出务工引导", CourseKind.GUIDANCE, ""),
)
WAGES = {Place.LOCAL: (2200, 3200), Place.PROVINCE: (3000, 4200), Place.OUTSIDE: (4000, 5500)}


def _month(year: int, month: int) -> date:
    return date(year, month, 1)


def employment_synth(*, county: Region, seed: int, on: date, user: User) -> dict[str, int]:
    """Write the county's workshops, jobs, courses, trainees and grants for the two years up to ``on``."""
    made = dict.fromkeys(("workshops", "jobs", "courses", "trainees", "grants"), 0)
    prefix = county.code[:6]
    if Workshop.objects.filter(village__code__startswith=prefix).exists():
        return made
    c = EmploymentCalibration()
    rng = random.Random(f"employment:{seed}:{county.code}")  # noqa: S311  (synthetic data: reproducible, not secret)
    villages = list(Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE).order_by("code"))
    townships = list(Region.objects.filter(code__startswith=prefix, level=Level.TOWNSHIP).order_by("code"))
    if not villages:
        return made
    people = list(
        Member.objects.filter(household__village__code__startswith=prefix, household__household_type="lifted")
        .order_by("id")
        .values_list(
            "id", "household_id", "household__village__code", "birth_date", "labour", "student_status"
        )
    )
    workers = [p for p in people if p[4] in ("skilled", "ordinary") and 18 <= on.year - p[3].year <= 60]
    relocated = set(
        Member.objects.filter(
            household__village__code__startswith=prefix, household__relocated=True
        ).values_list("household__village__code", flat=True)
    )
    years = (on.year - 1, on.year)
    with transaction.atomic():
        # Workshops: at villages with relocated households first (relocation sites), then anywhere.
        sites = [v for v in villages if v.code in relocated]
        chosen = rng.sample(sites, min(len(sites), c.workshops // 4)) + rng.sample(
            villages, min(len(villages), c.workshops)
        )
        workshops = Workshop.objects.bulk_create(
            [
                Workshop(
                    name=f"{v.name}{rng.choice(WORKSHOP_NAMES)}",
                    kind=rng.choice(("factory", "factory", "home", "farming", "trade", "tourism")),
                    village=v,
                    relocation_site=v.code in relocated and i < c.workshops // 4,
                    employer=f"{v.name}{rng.choice(('专业合作社', '农产品有限公司', '手工艺有限公司'))}",
                    capacity=rng.randint(10, 60),
                    opened=date(on.year - rng.randint(2, 8), rng.randint(1, 12), 1),
                )
                for i, v in enumerate(chosen[: c.workshops])
            ]
        )
        by_township: dict[str, list[Workshop]] = defaultdict(list)
        for w in workshops:
            by_township[w.village.code[:9]].append(w)
        made["workshops"] = len(workshops)

        # Jobs: each year, the campaign's yearly transfer out of the county and the local jobs beside it.
        migrant = round(c.transferred_5y / c.years_of_campaign)
        local = round(migrant * c.local_per_migrant)
        jobs: list[Job] = []
        for year in years:
            last = on.month if year == on.year else 12
            for n, (member_id, household_id, village, _b, _l, _s) in enumerate(
                rng.sample(workers, min(len(workers), migrant + local))
            ):
                place = Place.LOCAL if n >= migrant else (
                    Place.OUTSIDE if rng.random() < c.outside_share else Place.PROVINCE
                )  # fmt: skip
                # Migrants leave after the Spring Festival; local work starts in any month.
                first = rng.randint(2, 4) if place != Place.LOCAL else rng.randint(1, 10)
                if first > last:
                    continue
                months = min(rng.randint(4, 10), last - first + 1)
                workshop = None
                if place == Place.LOCAL and rng.random() < c.workshop_share and by_township[village[:9]]:
                    workshop = rng.choice(by_township[village[:9]])
                employer = workshop.employer if workshop else rng.choice(
                    {Place.LOCAL: EMPLOYERS_LOCAL, Place.PROVINCE: EMPLOYERS_PROVINCE}.get(place, EMPLOYERS_OUTSIDE)
                )  # fmt: skip
                start = _month(year, first)
                low, high = WAGES[place]
                jobs.append(
                    Job(
                        member_id=member_id,
                        household_id=household_id,
                        workshop=workshop,
                        employer=employer,
                        place=place,
                        start=start,
                        months=months,
                        last=last_month(start, months),
                        monthly_wage=Decimal(rng.randrange(low, high, 100)),
                        recorded_by=user,
                    )
                )
        jobs = Job.objects.bulk_create(jobs, batch_size=2000)
        made["jobs"] = len(jobs)

        # Courses: the campaign's yearly person-times, in courses of about course_size held by the townships.
        courses: list[Course] = []
        trainees: list[Trainee] = []
        per_year = round(c.trained_5y / c.years_of_campaign)
        for year in years:
            last = on.month if year == on.year else 12
            wanted = round(per_year * last / 12)
            pool = rng.sample(workers, min(len(workers), wanted))
            for at in range(0, len(pool), c.course_size):
                name, kind, certificate = rng.choice(COURSES)
                month = rng.randint(1, last)
                day = rng.randint(1, 18)
                start = date(year, month, day)
                end = date(year, month, min(day + rng.randint(2, 10), calendar.monthrange(year, month)[1]))
                course = Course(
                    name=name,
                    kind=kind,
                    provider=rng.choice(
                        ("湟中区职业技术学校", "湟中区人社局", "湟中区农业农村局", "青海省技工学校")
                    ),
                    region=rng.choice(townships) if townships else county,
                    start=start,
                    end=end,
                    hours=rng.choice((16, 24, 40, 56, 80)),
                    certificate=certificate,
                )
                courses.append(course)
                for member_id, household_id, *_rest in pool[at : at + c.course_size]:
                    trainees.append(
                        Trainee(
                            course=course,
                            member_id=member_id,
                            household_id=household_id,
                            certified=bool(certificate) and rng.random() < c.certified,
                        )
                    )
        Course.objects.bulk_create(courses, batch_size=2000)
        for trainee in trainees:
            trainee.course_id = trainee.course.pk
        Trainee.objects.bulk_create(trainees, batch_size=2000)
        made["courses"], made["trainees"] = len(courses), len(trainees)

        # Rain and Dew: every vocational student of a lifted household, and some tertiary ones, each term paid.
        students = [
            p
            for p in people
            if p[5] == "vocational" or (p[5] == "tertiary" and rng.random() < c.higher_vocational)
        ]
        grants: list[Grant] = []
        for member_id, household_id, _v, _b, _l, status in students:
            level = "secondary" if status == "vocational" else "higher"
            for year in years:
                for term, paid in (("春", date(year, 4, 15)), ("秋", date(year, 10, 15))):
                    if paid > on:
                        continue
                    grants.append(
                        Grant(
                            member_id=member_id,
                            household_id=household_id,
                            school="湟中区职业技术学校" if level == "secondary" else "青海交通职业技术学院",
                            level=level,
                            term=f"{year}{term}",
                            amount=Decimal(c.grant_per_term),
                            paid_on=paid,
                            recorded_by=user,
                        )
                    )
        grants = Grant.objects.bulk_create(grants, batch_size=2000)
        made["grants"] = len(grants)

        entries = [entry for job in jobs for entry in job_entries(job)]
        entries += [
            ProgramEntry(
                source=grant_source(g.pk),
                household_id=g.household_id,
                member_id=g.member_id,
                program=Program.RAIN_DEW,
                kind=IncomeKind.TRANSFER,
                on=g.paid_on,
                amount=g.amount,
            )
            for g in grants
        ]
        touched = program_incomes_post(actor=user, entries=entries, refresh=False)
        by_member: dict[int, list[Job]] = defaultdict(list)
        for job in jobs:
            by_member[job.member_id].append(job)
        changes = {m: {"months_worked": months_worked(js) or 0} for m, js in by_member.items()}
        touched |= members_set(actor=user, changes=changes, refresh=False)
    households_refresh(touched)
    return made
