"""The identification and risk-elimination procedures as data: states, and the transitions between them.

A case (one household's spell of monitoring) walks the seven identification steps of domain.md §1.5, is
monitored and assisted, and leaves through the risk-elimination procedure of §1.7. Every step names the role
that takes it; the region gate decides where. Rejecting and sending back are transitions too, each with a
reason. No Django models here: services read this table, pages and the API list the actions it allows, and
docs/workflow.md describes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bottomline.accounts.models import Role


class State(models.TextChoices):
    """Where a case stands: what it waits for."""

    VISIT = "visit", _("To visit (待入户核实)")
    APPRAISAL = "appraisal", _("To appraise (待民主评议)")
    NOTICE = "notice", _("In public notice (公示中)")
    APPROVAL = "approval", _("To approve (待县级审批)")
    ANNOUNCEMENT = "announcement", _("To announce (待结果公告)")
    MONITORED = "monitored", _("Monitored (监测帮扶中)")
    ELIM_APPRAISAL = "elim_appraisal", _("Elimination: to appraise (风险消除待评议)")
    ELIM_NOTICE = "elim_notice", _("Elimination: in public notice (风险消除公示中)")
    ELIM_APPROVAL = "elim_approval", _("Elimination: to approve (风险消除待审定)")
    ELIMINATED = "eliminated", _("Risk eliminated (风险已消除)")
    REJECTED = "rejected", _("Not identified (未纳入)")


class Action(models.TextChoices):
    """What a person does to a case."""

    VISIT = "visit", pgettext_lazy("workflow action", "Record home visit (入户核实)")
    APPRAISE = "appraise", pgettext_lazy("workflow action", "Record village appraisal (民主评议)")
    REVIEW = "review", pgettext_lazy("workflow action", "Township review (乡镇审核)")
    APPROVE = "approve", pgettext_lazy("workflow action", "County approval (县级审批)")
    ANNOUNCE = "announce", pgettext_lazy("workflow action", "Announce the result (结果公告)")
    PROPOSE_ELIMINATION = (
        "propose_elimination",
        pgettext_lazy("workflow action", "Visit and propose risk elimination (入户核实)"),
    )
    REJECT = "reject", pgettext_lazy("workflow action", "Reject")
    SEND_BACK = "send_back", pgettext_lazy("workflow action", "Send back")
    # Recorded by the system, never taken by a person:
    OPEN = "open", pgettext_lazy("workflow action", "Lead received (线索)")
    CROSS_CHECK = "cross_check", pgettext_lazy("workflow action", "Data cross-check (信息比对)")


CLOSED = frozenset({State.ELIMINATED, State.REJECTED})
IDENTIFICATION = frozenset({State.VISIT, State.APPRAISAL, State.NOTICE, State.APPROVAL})
ELIMINATION = frozenset({State.ELIM_APPRAISAL, State.ELIM_NOTICE, State.ELIM_APPROVAL})
IN_NOTICE = frozenset({State.NOTICE, State.ELIM_NOTICE})
# Where a case has an assistance plan: identified by the county and not closed.
ASSISTABLE = frozenset(State) - IDENTIFICATION - CLOSED

# What a step needs besides the actor: "consent" (signed consent: a scan or a paper signature's date),
# "minutes" (the appraisal's minutes), "category" (category and risk types), "notice_over" (the notice period
# has ended with every objection resolved), "ready" (the elimination rules hold), "reason" (a reason).
Need = str


@dataclass(frozen=True)
class Transition:
    """One step: from a state, by a role, to a state, with what it needs."""

    action: Action
    source: State
    target: State
    role: Role
    needs: tuple[Need, ...] = ()


# (state, role that acts there, where "send back" returns, where "reject" leads)
_STAGES: tuple[tuple[State, Role, State | None, State], ...] = (
    (State.VISIT, Role.VILLAGE_CADRE, None, State.REJECTED),
    (State.APPRAISAL, Role.VILLAGE_CADRE, State.VISIT, State.REJECTED),
    (State.NOTICE, Role.TOWNSHIP_OFFICER, State.APPRAISAL, State.REJECTED),
    (State.APPROVAL, Role.COUNTY_OFFICER, State.NOTICE, State.REJECTED),
    (State.ELIM_APPRAISAL, Role.VILLAGE_CADRE, State.MONITORED, State.MONITORED),
    (State.ELIM_NOTICE, Role.TOWNSHIP_OFFICER, State.ELIM_APPRAISAL, State.MONITORED),
    (State.ELIM_APPROVAL, Role.COUNTY_OFFICER, State.ELIM_NOTICE, State.MONITORED),
)

TRANSITIONS: tuple[Transition, ...] = (
    # Identification, domain.md §1.5 (the cross-check is recorded by the system with the visit).
    Transition(Action.VISIT, State.VISIT, State.APPRAISAL, Role.VILLAGE_CADRE, ("consent",)),
    Transition(Action.APPRAISE, State.APPRAISAL, State.NOTICE, Role.VILLAGE_CADRE, ("minutes", "category")),
    Transition(Action.REVIEW, State.NOTICE, State.APPROVAL, Role.TOWNSHIP_OFFICER, ("notice_over",)),
    Transition(Action.APPROVE, State.APPROVAL, State.ANNOUNCEMENT, Role.COUNTY_OFFICER, ("category",)),
    Transition(Action.ANNOUNCE, State.ANNOUNCEMENT, State.MONITORED, Role.TOWNSHIP_OFFICER, ()),
    # Risk elimination, domain.md §1.7: visit → appraisal and notice → township → county (审定公告).
    Transition(
        Action.PROPOSE_ELIMINATION, State.MONITORED, State.ELIM_APPRAISAL, Role.VILLAGE_CADRE, ("ready",)
    ),
    Transition(Action.APPRAISE, State.ELIM_APPRAISAL, State.ELIM_NOTICE, Role.VILLAGE_CADRE, ("minutes",)),
    Transition(
        Action.REVIEW, State.ELIM_NOTICE, State.ELIM_APPROVAL, Role.TOWNSHIP_OFFICER, ("notice_over",)
    ),
    Transition(Action.APPROVE, State.ELIM_APPROVAL, State.ELIMINATED, Role.COUNTY_OFFICER, ("ready",)),
    # Every step can reject or send back, with a reason, by the role that acts there.
    *(
        Transition(Action.SEND_BACK, state, back, role, ("reason",))
        for state, role, back, _reject in _STAGES
        if back is not None
    ),
    *(Transition(Action.REJECT, state, reject, role, ("reason",)) for state, role, _back, reject in _STAGES),
)


def transition_for(state: str, action: str) -> Transition | None:
    """The transition that ``action`` takes from ``state``, if there is one."""
    for t in TRANSITIONS:
        if t.source == state and t.action == action:
            return t
    return None


def transitions_from(state: str, role: str | None = None) -> list[Transition]:
    """The transitions out of ``state`` (for one role, if given), forward steps first."""
    return [t for t in TRANSITIONS if t.source == state and (role is None or t.role == role)]


def actor_role(state: str) -> Role | None:
    """The role that acts on a case in ``state`` (None: nobody, e.g. a closed case)."""
    steps = transitions_from(state)
    return steps[0].role if steps else None
