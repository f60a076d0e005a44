"""Supplier eligibility from the registry (供应商资格): checked when a bid is submitted and
shown in the opening record.

政府采购法第二十二条 lists the conditions every supplier meets (among them 参加政府采购活动前三年
内，在经营活动中没有重大违法记录) and lets the purchaser add 特定条件 (第二款); 实施条例第十九条
defines the major violation and ends a ban with its period; 财库〔2016〕125号 has the purchaser
query the credit records and refuse those on the 失信 lists. Here:

- an organization that is inactive, listed on a 失信 list for the day, or whose latest 年检/年报
  failed or is missing cannot bid (accounts.selectors.RegistryStatus.eligible);
- a tender may require a minimum 社会组织评估等级 and qualification kinds (Tender.min_rating,
  Tender.required_qualifications), each valid on the day of submission.

Refusals speak of the bidder's own record only, never of other bids.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, OrganizationRating, Qualification
from accounts.selectors import RegistryStatus, registry_status_for
from core.exceptions import ServiceError


def tender_requirement_reasons(tender, status: RegistryStatus) -> list[str]:
    """Return why the organization does not meet the tender's own registry conditions."""
    reasons = []
    if tender.min_rating and (OrganizationRating.grade_rank(status.rating)
                              < OrganizationRating.grade_rank(tender.min_rating)):
        reasons.append(
            _("本项目要求社会组织评估等级不低于%(min)s，本机构当前有效等级为%(grade)s。")
            % {"min": tender.min_rating, "grade": status.rating or _("无")})
    labels = dict(Qualification.Kind.choices)
    for kind in tender.required_qualifications or ():
        if kind not in status.qualification_kinds:
            reasons.append(_("本项目要求具备“%(kind)s”，本机构在供应商库中没有当日有效的该项资质。")
                           % {"kind": labels.get(kind, kind)})
    return reasons


def bid_eligibility_require(*, tender, organization: Organization, on: date | None = None
                            ) -> RegistryStatus:
    """Refuse the bid when the organization may not bid on this tender; return its standing."""
    on = on or timezone.localdate()
    status = registry_status_for([organization.pk], on=on)[organization.pk]
    reasons = status.reasons() + tender_requirement_reasons(tender, status)
    if reasons:
        raise ServiceError([ValidationError(reason, code="eligibility") for reason in reasons])
    return status


def opening_eligibility(tender, organization_ids) -> dict[int, dict]:
    """Return, per organization, its registry standing on the opening day for the record:
    rating, whether it is eligible and why not (five queries however many bidders)."""
    on = timezone.localdate(tender.opened_at) if tender.opened_at else timezone.localdate()
    found = {}
    for pk, status in registry_status_for(organization_ids, on=on).items():
        reasons = status.reasons() + tender_requirement_reasons(tender, status)
        found[pk] = {"rating": status.rating, "eligible": not reasons, "reasons": reasons}
    return found
