"""The expert pool: experts' specialties, employer and region (kept by platform admins and the
procurement bureau), and the periods and conflicts each expert declares (by the expert).

The committee draw (evaluation.services.committees) reads all of it: only experts with a
specialty the tender names, available on the day and without a declared conflict with a bidder,
the purchaser or the designing community are seated (87号令 47-48, 条例39).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Division,
    ExpertConflictDeclaration,
    ExpertProfile,
    ExpertSpecialty,
    ExpertUnavailability,
    Organization,
)
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError

AUDITED_FIELDS = ["specialties", "categories", "employer_id", "region_id", "is_active"]


def _snapshot(profile: ExpertProfile) -> dict:
    return {field: getattr(profile, field) for field in AUDITED_FIELDS}


def _locked(profile: ExpertProfile) -> ExpertProfile:
    return ExpertProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)


@transaction.atomic
def expert_profile_update(*, profile: ExpertProfile, actor, categories, specialties="",
                          employer: Organization | None = None, region: Division | None = None,
                          is_active: bool = True) -> ExpertProfile:
    """Change an expert's specialties, employer, region and whether the expert is in the pool."""
    profile = _locked(profile)
    authz.require(actor, "accounts.manage_expertprofile", profile)
    categories = list(dict.fromkeys(categories or []))
    unknown = [code for code in categories if code not in ExpertSpecialty.values]
    if unknown:
        raise ServiceError(_("评审专业无效：%(codes)s。") % {"codes": "、".join(unknown)},
                           code="categories")
    if is_active and not categories:
        raise ServiceError(_("在库专家至少应有一个评审专业。"), code="categories")
    before = _snapshot(profile)
    profile.categories = categories
    profile.specialties = (specialties or "").strip()
    profile.employer = employer
    profile.region = region
    profile.is_active = bool(is_active)
    profile.save(update_fields=["categories", "specialties", "employer", "region", "is_active"])
    audit_record(actor=actor, action="expert.update", target=profile, before=before,
                 after=_snapshot(profile))
    return profile


@transaction.atomic
def expert_unavailability_add(*, profile: ExpertProfile, actor, starts_on: dt.date,
                              ends_on: dt.date, reason: str = "") -> ExpertUnavailability:
    """Record a period the expert cannot evaluate; the draw skips the expert on those days."""
    profile = _locked(profile)
    authz.require(actor, "accounts.maintain_expertprofile", profile)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ServiceError(_("不可参评截止日不能早于起始日。"), code="period")
    if ends_on < timezone.localdate():
        raise ServiceError(_("不可参评期间已经过去，无需申报。"), code="period")
    if profile.unavailable_periods.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ServiceError(_("该期间与已申报的不可参评期间重叠。"), code="overlap")
    period = ExpertUnavailability.objects.create(expert=profile, starts_on=starts_on,
                                                 ends_on=ends_on, reason=(reason or "").strip())
    audit_record(actor=actor, action="expert.unavailability_add", target=profile,
                 after={"period": period.pk, "starts_on": starts_on.isoformat(),
                        "ends_on": ends_on.isoformat(), "reason": period.reason})
    return period


@transaction.atomic
def expert_unavailability_remove(*, period: ExpertUnavailability, actor) -> None:
    """Withdraw a declared unavailable period (the expert can evaluate on those days again)."""
    profile = _locked(period.expert)
    authz.require(actor, "accounts.maintain_expertprofile", profile)
    before = {"period": period.pk, "starts_on": period.starts_on.isoformat(),
              "ends_on": period.ends_on.isoformat(), "reason": period.reason}
    period.delete()
    audit_record(actor=actor, action="expert.unavailability_remove", target=profile, before=before)


@transaction.atomic
def expert_conflict_declare(*, profile: ExpertProfile, actor, organization: Organization,
                            reason: str) -> ExpertConflictDeclaration:
    """Declare a conflict of interest with an organization (条例39): the draw never seats the
    expert on a tender that organization bids in, purchases or designed."""
    profile = _locked(profile)
    authz.require(actor, "accounts.maintain_expertprofile", profile)
    if organization is None:
        raise ServiceError(_("请选择存在利害关系的机构。"), code="organization")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请说明利害关系。"), code="reason")
    if profile.conflict_declarations.filter(organization=organization).exists():
        raise ServiceError(_("已申报与该机构存在利害关系。"), code="duplicate")
    declaration = ExpertConflictDeclaration.objects.create(
        expert=profile, organization=organization, reason=reason, declared_at=timezone.now())
    audit_record(actor=actor, action="expert.conflict_declare", target=profile,
                 after={"organization": organization.pk, "reason": reason})
    return declaration


@transaction.atomic
def expert_conflict_withdraw(*, declaration: ExpertConflictDeclaration, actor) -> None:
    """Withdraw a declared conflict of interest (recorded in the audit log)."""
    profile = _locked(declaration.expert)
    authz.require(actor, "accounts.maintain_expertprofile", profile)
    before = {"organization": declaration.organization_id, "reason": declaration.reason}
    declaration.delete()
    audit_record(actor=actor, action="expert.conflict_withdraw", target=profile, before=before)
