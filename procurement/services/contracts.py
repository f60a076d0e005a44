"""Contracts (合同): each party signs; both signatures start the delivery.

法46: the contract is signed within 30 days of the award notice (Contract.sign_due). A party that
signs after that day is not refused — refusing would leave the awarded service unbought and the
budget committed — but must state why: the reason is kept on the contract and in the audit row,
and the contract shows as signed late in the record and on the portal.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import user_has_role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Contract, ServiceProject
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import finance_staff_for_project, staff_of
from procurement.services.awards import contract_url
from procurement.services.challenges import check_signing_allowed
from procurement.signals import contract_signed
from procurement.states import ContractStates, ServiceProjectStates


@transaction.atomic
def contract_sign(*, contract, actor, late_reason="") -> Contract:
    """Sign the contract for the actor's party; both signed → signed, project → in_delivery.

    After Contract.sign_due (法46) the signature needs late_reason.

    On the second signature finance receives ``contract_signed`` in this transaction and makes
    the first tranche due; what it reports is kept in the audit row.
    """
    contract = (Contract.objects.select_for_update()
                .select_related("purchaser", "supplier", "project").get(pk=contract.pk))
    authz.require(actor, "procurement.sign_contract", contract)
    if contract.status != Contract.Status.DRAFT:
        raise ServiceError(_("只有待签订的合同可以签订。"), code="state")
    check_signing_allowed(contract.award.tender_id)  # 条例54: challenges suspend signing
    now = timezone.now()
    late = contract.sign_due is not None and timezone.localdate(now) > contract.sign_due
    late_reason = (late_reason or "").strip() if late else ""
    if late and not late_reason:
        raise ServiceError(
            _("合同应当在中标、成交通知书发出之日起三十日内签订（政府采购法第四十六条），"
              "签约期限已于%(date)s届满，请填写逾期签订的理由。") % {
                "date": contract.sign_due.isoformat()},
            code="late_reason")
    if user_has_role(actor, Role.PURCHASER, contract.purchaser):
        if contract.purchaser_signed_at is not None:
            raise ServiceError(_("甲方已签订该合同。"), code="signed")
        contract.purchaser_signed_by, contract.purchaser_signed_at = actor, now
        contract.purchaser_late_reason = late_reason
        party, other, other_role = "purchaser", contract.supplier, Role.SOCIAL_ORG
    else:
        if contract.supplier_signed_at is not None:
            raise ServiceError(_("乙方已签订该合同。"), code="signed")
        contract.supplier_signed_by, contract.supplier_signed_at = actor, now
        contract.supplier_late_reason = late_reason
        party, other, other_role = "supplier", contract.purchaser, Role.PURCHASER
    before = {"status": contract.status}
    both = contract.purchaser_signed_at is not None and contract.supplier_signed_at is not None
    project = ServiceProject.objects.select_for_update().select_related(
        "purchaser__division", "community").get(pk=contract.project_id)
    after = {"party": party}
    if late:
        after.update(late=True, sign_due=contract.sign_due.isoformat(), late_reason=late_reason)
    if both:
        ContractStates(contract).sign()
        if project.status != ServiceProject.Status.AWARDED:
            raise ServiceError(_("项目不在待签约状态。"), code="project_state")
        ServiceProjectStates(project).start_delivery()
        project.save(update_fields=["status"])
        after["project_status"] = project.status
        for _receiver, facts in contract_signed.send(sender=Contract, contract=contract,
                                                     project=project, actor=actor):
            after.update(facts or {})
    contract.save(update_fields=["status", "purchaser_signed_by", "purchaser_signed_at",
                                 "supplier_signed_by", "supplier_signed_at",
                                 "purchaser_late_reason", "supplier_late_reason"])
    after["status"] = contract.status
    audit_record(actor=actor, action="contract.sign", target=contract, before=before, after=after)
    url = contract_url(contract)
    if both:
        notify(recipients=finance_staff_for_project(project),
               title=_("合同已签订，首期款待审核拨付：%(code)s") % {"code": contract.code},
               body=_("合同金额 %(amount)s 元。") % {"amount": contract.amount}, url=url)
        notify(recipients=[*staff_of(contract.supplier, Role.SOCIAL_ORG),
                           *project_purchaser_staff(project),
                           *staff_of(project.community, Role.COMMUNITY)],
               title=_("合同已签订，项目进入执行：%(code)s") % {"code": contract.code}, url=url)
    else:
        notify(recipients=staff_of(other, other_role),
               title=_("请签订服务合同：%(code)s") % {"code": contract.code},
               body=_("对方已签订，等待贵方签订。"), url=url)
    return contract
