"""Permission predicates for service records and milestone reports."""

from django.utils.translation import gettext_lazy as _

from accounts.models import SocialWorkerProfile
from accounts.roles import Role
from accounts.selectors import user_has_role
from core.permissions import Decision, allow, deny
from procurement.permissions.grants import purchaser_action, reads_contract_by_grant


def social_worker_profile(user) -> SocialWorkerProfile | None:
    """Return the user's social-worker profile, or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return user.social_worker_profile
    except SocialWorkerProfile.DoesNotExist:
        return None


def can_add_service_record(user, contract) -> Decision:
    """Return whether user may record services on contract (a social worker of the supplier)."""
    profile = social_worker_profile(user)
    if (
        profile is None
        or profile.organization_id != contract.supplier_id
        or not user_has_role(user, Role.SOCIAL_WORKER, contract.supplier)
    ):
        return deny(_("只有承接机构的社工可以填写服务台账。"))
    return allow()


def can_confirm_service_record(user, record) -> Decision:
    """Return whether user may confirm a service record (staff of the project's community)."""
    if not user_has_role(user, Role.COMMUNITY, record.contract.project.community):
        return deny(_("只有项目所在社区的工作人员可以确认服务台账。"))
    return allow()


def can_submit_milestone(user, contract) -> Decision:
    """Return whether user may submit a milestone report (staff of the supplier)."""
    if not user_has_role(user, Role.SOCIAL_ORG, contract.supplier):
        return deny(_("只有承接机构的工作人员可以提交阶段报告。"))
    return allow()


def can_decide_milestone(user, report) -> Decision:
    """Return whether user may accept or return a milestone report (purchaser staff)."""
    return purchaser_action(user, report.contract.project,
                            _("只有购买主体的工作人员可以验收阶段报告。"))


def can_view_contract_delivery(user, contract) -> Decision:
    """Return whether user may read the delivery records of contract."""
    if (
        user_has_role(user, Role.SOCIAL_ORG, contract.supplier)
        or user_has_role(user, Role.SOCIAL_WORKER, contract.supplier)
        or user_has_role(user, Role.PURCHASER, contract.purchaser)
        or user_has_role(user, Role.COMMUNITY, contract.project.community)
        or reads_contract_by_grant(user, contract)
    ):
        return allow()
    return deny(_("无权查看该合同的执行记录。"))
