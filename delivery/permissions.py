"""Relationship rules for service records and milestone reports (and the grantees' reads)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import SocialWorkerProfile
from accounts.roles import Role
from accounts.selectors import user_has_role
from core.authz import rule, scope
from core.permissions import Decision, allow, deny
from procurement.permissions import org_ids
from procurement.permissions.grants import granted_contract_q, purchaser_action


def social_worker_profile(user) -> SocialWorkerProfile | None:
    """Return the user's social-worker profile, or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return user.social_worker_profile
    except SocialWorkerProfile.DoesNotExist:
        return None


@rule("delivery.add_servicerecord")
def can_add_service_record(user, record) -> Decision:
    """Return whether user may record services on the contract (a social worker of the supplier).

    Asked about ``ServiceRecord(contract=...)``, the record to be written.
    """
    contract = record.contract
    profile = social_worker_profile(user)
    if (
        profile is None
        or profile.organization_id != contract.supplier_id
        or not user_has_role(user, Role.SOCIAL_WORKER, contract.supplier)
    ):
        return deny(_("只有承接机构的社工可以填写服务台账。"))
    return allow()


@rule("delivery.confirm_servicerecord")
def can_confirm_service_record(user, record) -> Decision:
    """Return whether user may confirm a service record (staff of the project's community)."""
    if not user_has_role(user, Role.COMMUNITY, record.contract.project.community):
        return deny(_("只有项目所在社区的工作人员可以确认服务台账。"))
    return allow()


@rule("delivery.submit_milestonereport")
def can_submit_milestone(user, report) -> Decision:
    """Return whether user may submit a milestone report (staff of the supplier).

    Asked about ``MilestoneReport(contract=...)``, the report to be submitted.
    """
    if not user_has_role(user, Role.SOCIAL_ORG, report.contract.supplier):
        return deny(_("只有承接机构的工作人员可以提交阶段报告。"))
    return allow()


@rule("delivery.decide_milestonereport")
def can_decide_milestone(user, report) -> Decision:
    """Return whether user may accept or return a milestone report (purchaser staff)."""
    # The purchaser's staff, or only the project's delegate (经办人) while it has one.
    return purchaser_action(user, report.contract.project,
                            _("只有购买主体的工作人员可以验收阶段报告。"))


@rule("delivery.give_serviceuseropinion")
def can_give_opinion(user, opinion) -> Decision:
    """Return whether user may give an opinion on a report's service (a resident of the community).

    Asked about ``ServiceUserOpinion(report=...)``, the opinion to be recorded.
    """
    if not user_has_role(user, Role.RESIDENT, opinion.report.contract.project.community):
        return deny(_("只有项目所在社区的居民可以填写服务对象意见。"))
    return allow()


@scope("delivery.view_servicerecord", reason=_("无权查看该合同的执行记录。"))
@scope("delivery.view_milestonereport", reason=_("无权查看该合同的执行记录。"))
def delivery_scope(user) -> Q:
    """Select the records and reports of contracts the user's organizations take part in."""
    return (
        Q(contract__supplier_id__in=org_ids(user, Role.SOCIAL_ORG, Role.SOCIAL_WORKER))
        | Q(contract__purchaser_id__in=org_ids(user, Role.PURCHASER))
        | Q(contract__project__community_id__in=org_ids(user, Role.COMMUNITY))
    )


@scope("delivery.view_servicerecord")
@scope("delivery.view_milestonereport")
def granted_delivery_scope(user) -> Q:
    """Select the records and reports of the contracts a grant opens (third party, supervisor)."""
    return granted_contract_q(user, "contract")
