"""The programs' dashboard figures (registry.programs.ProgramFigures), one import per program app: the
dashboards read each program's parts, indicators and households behind them from here. Add a program's
``FIGURES`` to ``PROGRAMS`` (and a migration for its columns: ``makemigrations dashboards``)."""

from __future__ import annotations

from bottomline.employment.figures import FIGURES as EMPLOYMENT
from bottomline.industry.figures import FIGURES as INDUSTRY
from bottomline.insurance.figures import FIGURES as INSURANCE
from bottomline.loans.figures import FIGURES as LOANS
from bottomline.mutualaid.figures import FIGURES as MUTUALAID
from bottomline.points.figures import FIGURES as POINTS
from bottomline.projects.figures import FIGURES as PROJECTS
from bottomline.pv.figures import FIGURES as PV
from bottomline.registry.programs import ProgramFigure, ProgramFigures, ProgramRatio
from bottomline.relocation.figures import FIGURES as RELOCATION

PROGRAMS: tuple[ProgramFigures, ...] = (
    PV,
    INDUSTRY,
    EMPLOYMENT,
    LOANS,
    RELOCATION,
    INSURANCE,
    PROJECTS,
    POINTS,
    MUTUALAID,
)

FIGURES: tuple[ProgramFigure, ...] = tuple(f for program in PROGRAMS for f in program.figures)
BY_PART: dict[str, ProgramFigures] = {f.part: program for program in PROGRAMS for f in program.figures}
RATIOS: tuple[ProgramRatio, ...] = tuple(r for program in PROGRAMS for r in program.ratios)
