"""Explicit grants on projects and contracts: who holds them, what they allow, who may give them.

Three grants, each a django-guardian object permission written only by
``procurement.services.grants`` (docs/roles.md, section "Grants"):

* ``procurement.handle_serviceproject`` to one user: the project's 经办人. While a project is
  delegated, the purchaser's part of it (approval, tender, opening, committee, award, signing,
  Q&A and challenges, milestone acceptance, purchaser scoring, closure, grants) is the delegate's
  alone; the purchaser's other staff keep reading it. Revoking returns it to the whole
  organization.
* ``procurement.supervise_serviceproject`` to a 纪检监察/审计 organization (its group): read-only
  access to every stage of the project; bids only once opened, like the purchaser.
* ``procurement.evaluate_contract`` to a third-party evaluation organization (its group): read
  the contract, its service records, milestone reports and performance evaluation.

Grants never allow an action: every action predicate asks for a role in an organization of the
project, which a supervisor or an evaluator does not hold. The reads a grant opens are scopes
(``procurement.permissions``, ``questions``, and the delivery, finance and evaluation permission
modules) built on ``supervised_project_q`` and ``evaluated_contract_q``: subqueries on guardian's
tables inside the list's own query, and the one ``exists()`` of the derived object rule.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import user_has_role
from core.authz import granted_q, has_grant, rule
from core.permissions import Decision, allow, deny

HANDLE_PROJECT = "procurement.handle_serviceproject"
SUPERVISE_PROJECT = "procurement.supervise_serviceproject"
EVALUATE_CONTRACT = "procurement.evaluate_contract"

_DELEGATE_ATTR = "_sanshe_delegate_id"


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def project_delegate_id(project) -> int | None:
    """Return the id of the user the project is delegated to (its 经办人), or None; cached."""
    if not hasattr(project, _DELEGATE_ATTR):
        from guardian.models import UserObjectPermission

        setattr(project, _DELEGATE_ATTR, (
            UserObjectPermission.objects.filter(
                content_type__app_label="procurement", content_type__model="serviceproject",
                permission__codename="handle_serviceproject", object_pk=str(project.pk),
            ).order_by("pk").values_list("user_id", flat=True).first()
        ))
    return getattr(project, _DELEGATE_ATTR)


def project_delegate_reset(project) -> None:
    """Forget the delegate cached on the project object (after a grant or revocation)."""
    if hasattr(project, _DELEGATE_ATTR):
        delattr(project, _DELEGATE_ATTR)


def acts_for_purchaser(user, project) -> bool:
    """Return whether the user does the purchaser's part of the project now.

    The purchaser's staff, or only the delegate (who must still be its staff) while delegated.
    """
    if not _active(user) or project is None:
        return False
    if not user_has_role(user, Role.PURCHASER, project.purchaser):
        return False
    delegate_id = project_delegate_id(project)
    return delegate_id is None or delegate_id == user.pk


def purchaser_action(user, project, message) -> Decision:
    """Return the decision for a purchaser action on project, naming the delegate's monopoly."""
    if acts_for_purchaser(user, project):
        return allow()
    if _active(user) and user_has_role(user, Role.PURCHASER, project.purchaser):
        return deny(_("该项目已指定经办人，由经办人办理。"))
    return deny(message)


def supervises_project(user, project) -> bool:
    """Return whether the user's 纪检/审计 organization was granted the project's supervision."""
    return project is not None and has_grant(user, SUPERVISE_PROJECT, project)


def evaluates_contract(user, contract) -> bool:
    """Return whether the user's third-party organization was granted the contract."""
    return contract is not None and has_grant(user, EVALUATE_CONTRACT, contract)


def supervised_project_q(user, field: str = "pk") -> Q:
    """Return a filter on field (a project pk or foreign key) for the projects the user supervises."""
    from procurement.models import ServiceProject

    return granted_q(user, SUPERVISE_PROJECT, ServiceProject, field)


def evaluated_contract_q(user, field: str = "pk") -> Q:
    """Return a filter on field (a contract pk or foreign key) for the third-party's contracts."""
    from procurement.models import Contract

    return granted_q(user, EVALUATE_CONTRACT, Contract, field)


def granted_contract_q(user, field: str = "pk") -> Q:
    """Return a filter on field (a contract pk or foreign key) for the contracts a grant opens.

    The third-party evaluator's contracts and the contracts of the projects the user supervises.
    """
    project_field = "project" if field == "pk" else f"{field}__project"
    return evaluated_contract_q(user, field) | supervised_project_q(user, project_field)


def reads_contract_by_grant(user, contract) -> bool:
    """Return whether a grant lets the user read the contract (evaluator or project supervisor)."""
    if contract is None:
        return False
    return evaluates_contract(user, contract) or supervises_project(user, contract.project)


# Who may give and take back grants -------------------------------------------------------------

@rule("procurement.delegate_serviceproject")
def can_delegate_project(user, project) -> Decision:
    """Return whether the user may delegate the project or revoke its delegation (purchaser staff).

    Delegation stays with the whole organization, so that a delegate who leaves never locks the
    project; platform admins manage accounts, not projects.
    """
    if _active(user) and user_has_role(user, Role.PURCHASER, project.purchaser):
        return allow()
    return deny(_("只有该项目购买主体的工作人员可以指定或撤销经办人。"))


@rule("procurement.grant_supervision_serviceproject")
def can_grant_supervision(user, project) -> Decision:
    """Return whether the user may open the project to a 纪检/审计 body (the purchaser side)."""
    return purchaser_action(
        user, project, _("只有该项目购买主体的工作人员可以授权纪检监察或审计机关查看项目。"))


# Asked about the supervising organization (an accounts model): procurement adds the name.
@rule("accounts.end_supervision_organization")
def can_end_supervision(user, organization) -> Decision:
    """Return whether the user may end the supervision held by organization (its own staff).

    The supervised purchaser cannot withdraw its supervisor's access; the supervising body ends
    it when its work is done.
    """
    if _active(user) and user_has_role(user, Role.SUPERVISOR, organization):
        return allow()
    return deny(_("只有该纪检监察或审计机关的工作人员可以结束监督查看。"))


@rule("procurement.grant_evaluation_contract")
def can_grant_contract_evaluation(user, contract) -> Decision:
    """Return whether the user may commission or withdraw a third-party evaluation of contract."""
    return purchaser_action(
        user, contract.project,
        _("只有合同甲方（购买主体）的工作人员可以委托或撤销第三方评估机构。"))


def division_lineage_ids(division) -> list[int]:
    """Return the ids of division and its ancestors (at most four levels, one query)."""
    from accounts.models import Division

    node = Division.objects.select_related("parent__parent__parent").get(pk=division.pk)
    ids = []
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def eligible_supervisor(organization, project) -> bool:
    """Return whether organization may supervise project: an active 纪检/审计 body over its area."""
    if organization.kind != Organization.Kind.SUPERVISOR or not organization.is_active:
        return False
    return organization.division_id in division_lineage_ids(project.purchaser.division)
