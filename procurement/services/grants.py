"""Grants on projects and contracts: delegate to a 经办人, open to 纪检/审计, commission a third party.

Each service locks the object, checks the actor with ``core.authz.require``, refuses nonsense
with a Chinese ``ServiceError`` (a grantee outside the organization or area, a duplicate, a
revocation of what was never granted), writes the guardian grant and one audit row in the same
transaction, and tells the people concerned. Who may grant what is in
``procurement.permissions.grants``; docs/roles.md, section "Grants", says why.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import user_has_role
from accounts.services.organization_groups import organization_group, organization_group_name
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Contract, ServiceProject
from procurement.permissions.grants import (
    EVALUATE_CONTRACT,
    HANDLE_PROJECT,
    SUPERVISE_PROJECT,
    eligible_supervisor,
    project_delegate_id,
    project_delegate_reset,
)
from procurement.selectors.grants import organization_group_users
from procurement.services._common import staff_of
from procurement.services.awards import contract_url
from procurement.services.projects import project_url

FINISHED = (ServiceProject.Status.CLOSED, ServiceProject.Status.CANCELLED)


def _locked_project(project) -> ServiceProject:
    return (ServiceProject.objects.select_for_update()
            .select_related("purchaser__division").get(pk=project.pk))


def _locked_contract(contract) -> Contract:
    return (Contract.objects.select_for_update()
            .select_related("project__purchaser", "purchaser", "supplier").get(pk=contract.pk))


def _organization_holds(perm: str, organization: Organization, obj) -> bool:
    from guardian.models import GroupObjectPermission

    return GroupObjectPermission.objects.filter(
        group__name=organization_group_name(organization.pk),
        content_type__app_label=obj._meta.app_label, content_type__model=obj._meta.model_name,
        object_pk=str(obj.pk), permission__codename=perm.split(".", 1)[1],
    ).exists()


def _grant_record(perm: str, *, user=None, organization=None) -> dict:
    # Read back by procurement.selectors.grants to show "since" and "by whom".
    return {
        "permission": perm.split(".", 1)[1],
        "user": user.pk if user is not None else None,
        "organization": organization.pk if organization is not None else None,
        "holder": str(organization or user),
    }


# Delegation (经办人) ------------------------------------------------------------------------------

@transaction.atomic
def project_grant_delegate(*, project, user, actor) -> ServiceProject:
    """Delegate the purchaser's part of the project to one officer of the purchaser, audited."""
    project = _locked_project(project)
    authz.require(actor, "procurement.delegate_serviceproject", project)
    if project.status in FINISHED:
        raise ServiceError(_("项目已结项或终止，不能指定经办人。"), code="state")
    if user is None or not user.is_active or not user_has_role(
            user, Role.PURCHASER, project.purchaser):
        raise ServiceError(_("经办人必须是本项目购买主体的在岗工作人员。"), code="delegate")
    current = project_delegate_id(project)
    if current == user.pk:
        raise ServiceError(_("该工作人员已是本项目的经办人。"), code="duplicate")
    if current is not None:
        raise ServiceError(_("本项目已指定经办人，请先撤销后再指定。"), code="delegated")
    assign_perm(HANDLE_PROJECT, user, project)
    project_delegate_reset(project)
    authz.grants_reset(user)
    audit_record(actor=actor, action="project.grant_delegate", target=project,
                 after=_grant_record(HANDLE_PROJECT, user=user))
    notify(recipients=[user], title=_("您已被指定为项目经办人：%(title)s") % {"title": project.title},
           body=_("该项目购买主体一方的待办和操作由您办理。"), url=project_url(project))
    return project


@transaction.atomic
def project_revoke_delegate(*, project, user, actor) -> ServiceProject:
    """Take the project back from its delegate for the whole purchaser organization, audited."""
    project = _locked_project(project)
    authz.require(actor, "procurement.delegate_serviceproject", project)
    if user is None or project_delegate_id(project) != user.pk:
        raise ServiceError(_("该工作人员不是本项目的经办人。"), code="not_granted")
    remove_perm(HANDLE_PROJECT, user, project)
    project_delegate_reset(project)
    authz.grants_reset(user)
    audit_record(actor=actor, action="project.revoke_delegate", target=project,
                 before=_grant_record(HANDLE_PROJECT, user=user))
    notify(recipients=[user], title=_("您已不再是项目经办人：%(title)s") % {"title": project.title},
           url=project_url(project))
    return project


# Supervision (纪检监察/审计) -----------------------------------------------------------------------

@transaction.atomic
def project_grant_supervision(*, project, organization, actor) -> ServiceProject:
    """Open every stage of the project, read-only, to a 纪检/审计 body over its area, audited."""
    project = _locked_project(project)
    authz.require(actor, "procurement.grant_supervision_serviceproject", project)
    if organization is None or not eligible_supervisor(organization, project):
        raise ServiceError(_("只能授权项目购买主体所在地区的纪检监察或审计机关。"),
                           code="organization")
    if _organization_holds(SUPERVISE_PROJECT, organization, project):
        raise ServiceError(_("该机关已获授权监督查看本项目。"), code="duplicate")
    assign_perm(SUPERVISE_PROJECT, organization_group(organization=organization), project)
    audit_record(actor=actor, action="project.grant_supervision", target=project,
                 after=_grant_record(SUPERVISE_PROJECT, organization=organization))
    notify(recipients=organization_group_users(organization=organization),
           title=_("已获授权监督查看项目：%(title)s") % {"title": project.title},
           body=_("可查看该项目各阶段材料（投标文件开标后可见），不能办理任何事项。"),
           url=project_url(project))
    return project


@transaction.atomic
def project_revoke_supervision(*, project, organization, actor) -> ServiceProject:
    """End a 纪检/审计 body's read access to the project (by that body's own staff), audited."""
    project = _locked_project(project)
    authz.require(actor, "accounts.end_supervision_organization", organization)
    if not _organization_holds(SUPERVISE_PROJECT, organization, project):
        raise ServiceError(_("该机关未获授权监督查看本项目。"), code="not_granted")
    remove_perm(SUPERVISE_PROJECT, organization_group(organization=organization), project)
    authz.grants_reset(actor)
    audit_record(actor=actor, action="project.revoke_supervision", target=project,
                 before=_grant_record(SUPERVISE_PROJECT, organization=organization))
    notify(recipients=staff_of(project.purchaser, Role.PURCHASER),
           title=_("%(org)s已结束对项目的监督查看：%(title)s")
           % {"org": organization.name, "title": project.title},
           url=project_url(project))
    return project


# Third-party evaluation (第三方评估) ---------------------------------------------------------------

@transaction.atomic
def contract_grant_evaluation(*, contract, organization, actor) -> Contract:
    """Commission a third-party evaluation organization to read the contract's delivery, audited."""
    contract = _locked_contract(contract)
    authz.require(actor, "procurement.grant_evaluation_contract", contract)
    if contract.status == Contract.Status.TERMINATED:
        raise ServiceError(_("合同已解除，不能委托第三方评估。"), code="state")
    if (organization is None or organization.kind != Organization.Kind.EVALUATOR
            or not organization.is_active):
        raise ServiceError(_("只能委托有效的第三方评估机构。"), code="organization")
    if _organization_holds(EVALUATE_CONTRACT, organization, contract):
        raise ServiceError(_("该机构已受托评估本合同。"), code="duplicate")
    assign_perm(EVALUATE_CONTRACT, organization_group(organization=organization), contract)
    audit_record(actor=actor, action="contract.grant_evaluation", target=contract,
                 after=_grant_record(EVALUATE_CONTRACT, organization=organization))
    notify(recipients=organization_group_users(organization=organization),
           title=_("受托对合同开展第三方评估：%(code)s") % {"code": contract.code},
           body=_("可查看该合同及其服务台账、阶段报告和绩效评价。"), url=contract_url(contract))
    return contract


@transaction.atomic
def contract_revoke_evaluation(*, contract, organization, actor) -> Contract:
    """Withdraw a third-party evaluation organization's access to the contract, audited."""
    contract = _locked_contract(contract)
    authz.require(actor, "procurement.grant_evaluation_contract", contract)
    if organization is None or not _organization_holds(EVALUATE_CONTRACT, organization, contract):
        raise ServiceError(_("该机构未受托评估本合同。"), code="not_granted")
    remove_perm(EVALUATE_CONTRACT, organization_group(organization=organization), contract)
    audit_record(actor=actor, action="contract.revoke_evaluation", target=contract,
                 before=_grant_record(EVALUATE_CONTRACT, organization=organization))
    notify(recipients=organization_group_users(organization=organization),
           title=_("第三方评估委托已撤销：%(code)s") % {"code": contract.code})
    return contract
