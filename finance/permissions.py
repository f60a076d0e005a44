"""Relationship rules for budget review and payments, and the finance bureau's share of reads.

Which finance bureau deals with a project (docs/roles.md, "City and district finance"):

* its **reviewer** at budget review is the bureau of the envelope of the project's year and
  funding source whose division is closest to the purchaser's division (its own district's
  envelope before the city's); with no such envelope, the first active finance bureau of the
  purchaser's division or an ancestor. Once a commitment exists it is the bureau of the
  committed envelope (``budget_reviewers``; workflows assigns the budget-review task with it);
* after the commitment, the project, its contract and its tranches belong to the bureau of the
  committed envelope. A city bureau therefore does not see a district-funded project.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import user_memberships
from core.authz import rule, scope
from core.permissions import Decision, allow, deny
from procurement.permissions import org_ids
from procurement.permissions.grants import supervised_project_q

_CHAIN = ("purchaser__division_id", "purchaser__division__parent_id",
          "purchaser__division__parent__parent_id", "purchaser__division__parent__parent__parent_id")


def budget_reviewers(projects: Q) -> dict[int, int | None]:
    """Return {project id: finance bureau id that reviews its budget} in four queries."""
    from finance.models import BudgetCommitment, BudgetEnvelope
    from procurement.models import ServiceProject

    rows = list(ServiceProject.objects.filter(projects).values_list(
        "pk", "fiscal_year", "funding_source", *_CHAIN))
    if not rows:
        return {}
    chains = {pk: [d for d in divisions if d is not None] for pk, _y, _s, *divisions in rows}
    divisions = {d for chain in chains.values() for d in chain}
    committed = dict(BudgetCommitment.objects.filter(project_id__in=chains)
                     .values_list("project_id", "envelope__finance_bureau_id"))
    envelopes = {
        (year, source, division): bureau
        for year, source, division, bureau in BudgetEnvelope.objects.filter(
            division_id__in=divisions, fiscal_year__in={r[1] for r in rows},
        ).values_list("fiscal_year", "funding_source", "division_id", "finance_bureau_id")
    }
    first_bureau: dict[int, int] = {}
    for division, pk in (Organization.objects.filter(
            kind=Organization.Kind.FINANCE, division_id__in=divisions, is_active=True)
            .order_by("pk").values_list("division_id", "pk")):
        first_bureau.setdefault(division, pk)
    reviewers = {}
    for pk, year, source, *_divisions in rows:
        chain = chains[pk]
        if pk in committed:
            reviewers[pk] = committed[pk]
            continue
        reviewers[pk] = next(
            (envelopes[(year, source, d)] for d in chain if (year, source, d) in envelopes),
            min((first_bureau[d] for d in chain if d in first_bureau), default=None),
        )
    return reviewers


def project_budget_reviewer(project) -> Organization | None:
    """Return the finance bureau that reviews the project's budget and pays its tranches."""
    bureau_id = budget_reviewers(Q(pk=project.pk)).get(project.pk)
    return Organization.objects.filter(pk=bureau_id).first() if bureau_id else None


def _reviews(user, project) -> bool:
    bureaus = org_ids(user, Role.FINANCE)
    return bool(bureaus) and budget_reviewers(Q(pk=project.pk)).get(project.pk) in bureaus


@rule("finance.confirm_budgetcommitment")
def can_confirm_budget(user, commitment) -> Decision:
    """Return whether the user may commit the envelope's money to the project (the reviewer).

    Asked about ``BudgetCommitment(project=..., envelope=...)``: the envelope must be the user's
    bureau's, cover the purchaser's division, and the bureau must be the project's reviewer.
    """
    envelope, project = commitment.envelope, commitment.project
    if envelope.finance_bureau_id not in org_ids(user, Role.FINANCE):
        return deny(_("只有该预算额度所属财政部门的审核人员可以确认预算。"))
    chain = budget_chain(project)
    if envelope.division_id not in chain:
        return deny(_("该预算额度不覆盖购买主体所在区划。"))
    if budget_reviewers(Q(pk=project.pk)).get(project.pk) != envelope.finance_bureau_id:
        return deny(_("该项目的预算由其他财政部门审核。"))
    return allow()


def budget_chain(project) -> list[int]:
    """Return the ids of the purchaser's division and its ancestors (one query)."""
    from procurement.models import ServiceProject

    row = ServiceProject.objects.filter(pk=project.pk).values_list(*_CHAIN).first() if project.pk \
        else None
    if row is None:
        division = project.purchaser.division
        row = []
        while division is not None:
            row.append(division.pk)
            division = division.parent
    return [d for d in row if d is not None]


@rule("finance.reject_budgetcommitment")
def can_reject_budget(user, commitment) -> Decision:
    """Return whether the user may return the project at budget review (its reviewer's staff).

    Asked about ``BudgetCommitment(project=...)``, the commitment the review would make.
    """
    if not _reviews(user, commitment.project):
        return deny(_("只有审核该项目预算的财政部门可以退回预算。"))
    return allow()


def _tranche_bureau_id(tranche) -> int | None:
    commitment = getattr(tranche.contract.project, "budget_commitment", None)
    return commitment.envelope.finance_bureau_id if commitment is not None else None


@rule("finance.approve_paymenttranche", "finance.pay_paymenttranche")
def can_approve_tranche(user, tranche) -> Decision:
    """Return whether the user may approve or pay a tranche (finance of the funding envelope)."""
    bureau_id = _tranche_bureau_id(tranche)
    if bureau_id is None or bureau_id not in org_ids(user, Role.FINANCE):
        return deny(_("只有出资财政部门的审核人员可以审核拨付。"))
    return allow()


@scope("finance.view_paymenttranche", reason=_("无权查看该付款节点。"))
def tranche_scope(user) -> Q:
    """Select the tranches of the user's envelopes, purchaser or supplier.

    Each part is a ``contract_id IN (subquery)``, not a join, so that a list of tranches counts
    and sorts the tranche table alone (benchmarks/bench_list_scaling.py)."""
    from procurement.models import Contract

    condition = Q(pk__in=[])
    for part in (
        Q(project__budget_commitment__envelope__finance_bureau_id__in=org_ids(user, Role.FINANCE)),
        Q(purchaser_id__in=org_ids(user, Role.PURCHASER)),
        Q(supplier_id__in=org_ids(user, Role.SOCIAL_ORG)),
    ):
        if part.children[0][1]:
            condition |= Q(contract_id__in=Contract.objects.filter(part).values("pk"))
    return condition


@scope("finance.view_paymenttranche")
def supervised_tranche_scope(user) -> Q:
    """Select the tranches of the projects the user's 纪检/审计 body supervises (read-only)."""
    from procurement.models import Contract

    return Q(contract_id__in=Contract.objects.filter(supervised_project_q(user, "project"))
             .values("pk"))


@rule("finance.adjust_budgetenvelope")
def can_adjust_envelope(user, envelope) -> Decision:
    """Return whether the user may change an envelope's amount (staff of its finance bureau)."""
    if envelope.finance_bureau_id not in org_ids(user, Role.FINANCE):
        return deny(_("只有该预算额度所属财政部门的人员可以调整预算额度。"))
    return allow()


@scope("finance.view_budgetenvelope", reason=_("无权查看该预算额度。"))
def envelope_scope(user) -> Q:
    """Select the envelopes of the user's finance bureaus."""
    return Q(finance_bureau_id__in=org_ids(user, Role.FINANCE))


# The finance bureau's share of procurement's reads ---------------------------------------------

@scope("procurement.view_serviceproject")
def funded_project_scope(user) -> Q | None:
    """Select the projects committed on the user's envelopes and those it reviews now."""
    from procurement.models import ServiceProject

    bureaus = org_ids(user, Role.FINANCE)
    if not bureaus:
        return None
    bureau_divisions = {m.organization.division_id for m in user_memberships(user)
                        if m.organization_id in bureaus}
    in_reach = Q(pk__in=[])
    for field in _CHAIN:
        in_reach |= Q(**{f"{field}__in": bureau_divisions})
    at_review = budget_reviewers(Q(status=ServiceProject.Status.APPROVED) & in_reach)
    return (Q(pk__in=_committed_project_ids(bureaus))
            | Q(pk__in=[pk for pk, bureau in at_review.items() if bureau in bureaus]))


def _committed_project_ids(bureaus):
    """Return the subquery of the projects committed on the bureaus' envelopes (a subquery,
    not a join: a scoped list then reads its own table alone)."""
    from finance.models import BudgetCommitment

    return BudgetCommitment.objects.filter(envelope__finance_bureau_id__in=bureaus).values(
        "project_id")


@scope("procurement.view_contract")
def funded_contract_scope(user) -> Q | None:
    """Select the contracts whose project is committed on the user's envelopes."""
    bureaus = org_ids(user, Role.FINANCE)
    if not bureaus:
        return None
    return Q(project_id__in=_committed_project_ids(bureaus))
