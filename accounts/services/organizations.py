"""Create and change organizations; the only place a failing credit code can be accepted.

An organization's identity (name, credit code, legal representative) is set when it is created
and changes afterwards only through an identity-change request approved by a platform admin
(organization_identity_change_request / _approve / _reject): 条例18 compares legal
representatives at opening, so nobody may rewrite who an organization is on their own.
"""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, OrganizationIdentityChange
from accounts.selectors import is_platform_admin, platform_admins
from accounts.states import IdentityChangeStates
from accounts.validators import normalize_credit_code
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify

AUDITED_FIELDS = [
    "name", "kind", "division", "credit_code", "credit_code_override_reason",
    "legal_representative", "contact_person", "contact_phone", "rating", "is_active",
]


# Who an organization is: written at creation, then only by an approved identity change.
IDENTITY_FIELDS = ["name", "credit_code", "legal_representative"]
IDENTITY_CHANGE_ONLY = _("机构名称、统一社会信用代码和法定代表人只能通过“机构身份信息变更申请”修改，"
                         "经平台管理员审核后生效。")


def _snapshot(organization: Organization) -> dict:
    return model_to_dict(organization, fields=AUDITED_FIELDS)


def _identity(organization: Organization) -> dict:
    return {field: getattr(organization, field) for field in IDENTITY_FIELDS}


def _refuse_identity_edit(organization: Organization, stored: Organization) -> None:
    changed = [field for field in IDENTITY_FIELDS
               if getattr(organization, field) != getattr(stored, field)]
    if changed:
        raise ValidationError({field: ValidationError(IDENTITY_CHANGE_ONLY, code="identity_field")
                               for field in changed})


def organization_validate(*, organization: Organization, actor) -> bool:
    """Validate organization for saving by actor; return whether a credit-code override applies.

    A credit code with a wrong check character passes only with an override reason (model
    clean) given by a platform admin (here). An override already stored is not asked again
    while neither the code nor the reason changes.
    """
    organization.credit_code = normalize_credit_code(organization.credit_code)
    organization.full_clean()
    if not organization.credit_code or not organization.credit_code_fails_check:
        return False
    previous = None
    if organization.pk is not None:
        previous = (
            Organization.objects.filter(pk=organization.pk)
            .values("credit_code", "credit_code_override_reason")
            .first()
        )
    unchanged = previous is not None and previous == {
        "credit_code": organization.credit_code,
        "credit_code_override_reason": organization.credit_code_override_reason,
    }
    if unchanged:
        return False
    if not is_platform_admin(actor):
        raise ValidationError(
            {
                "credit_code_override_reason": ValidationError(
                    _("只有平台管理员可以确认未通过校验的统一社会信用代码。"),
                    code="credit_code_override_forbidden",
                )
            }
        )
    return True


@transaction.atomic
def organization_save(*, organization: Organization, actor) -> Organization:
    """Validate and save an organization, auditing the change and any credit-code override."""
    authz.require(actor, "accounts.save_organization", organization)
    creating = organization.pk is None
    before = None
    if not creating:
        stored = Organization.objects.select_for_update().get(pk=organization.pk)
        before = _snapshot(stored)
    override = organization_validate(organization=organization, actor=actor)
    if not creating:
        _refuse_identity_edit(organization, stored)  # after normalizing the credit code
    organization.save()
    audit_record(
        actor=actor,
        action="organization.create" if creating else "organization.update",
        target=organization, before=before, after=_snapshot(organization),
    )
    if override:
        audit_record(
            actor=actor, action="organization.credit_code_override", target=organization,
            before={"credit_code": before["credit_code"]} if before else None,
            after={
                "credit_code": organization.credit_code,
                "reason": organization.credit_code_override_reason,
            },
        )
    return organization


def _pending_change(organization: Organization):
    return organization.identity_changes.filter(
        status=OrganizationIdentityChange.Status.PENDING).first()


@transaction.atomic
def organization_identity_change_request(*, organization: Organization, actor, name: str,
                                         credit_code: str, legal_representative: str,
                                         reason: str, credit_code_override_reason: str = ""
                                         ) -> OrganizationIdentityChange:
    """Ask to change the organization's name, credit code or legal representative.

    The new values are checked as the organization would be (format, check character with an
    override reason, uniqueness); nothing changes until a platform admin approves.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    authz.require(actor, "accounts.request_organizationidentitychange", organization)
    if not (reason or "").strip():
        raise ServiceError(gettext("请填写变更原因及依据（如登记管理机关的变更登记）。"), code="reason")
    if _pending_change(organization) is not None:
        raise ServiceError(gettext("本机构已有一项待审核的身份信息变更申请，请等待审核结果。"),
                           code="pending")
    proposed = copy.copy(organization)
    proposed.name = (name or "").strip()
    proposed.credit_code = normalize_credit_code(credit_code)
    proposed.credit_code_override_reason = (
        (credit_code_override_reason or "").strip()
        if proposed.credit_code != organization.credit_code
        else organization.credit_code_override_reason)
    proposed.legal_representative = " ".join((legal_representative or "").split())
    if _identity(proposed) == _identity(organization):
        raise ServiceError(gettext("申请内容与现有信息相同，无需变更。"), code="unchanged")
    try:
        proposed.full_clean()
    except ValidationError as error:
        raise ServiceError(
            [message for messages in error.message_dict.values() for message in messages],
            code="invalid") from None
    change = OrganizationIdentityChange.objects.create(
        organization=organization, name=proposed.name, credit_code=proposed.credit_code,
        credit_code_override_reason=proposed.credit_code_override_reason,
        legal_representative=proposed.legal_representative, before=_identity(organization),
        reason=reason.strip(), requested_by=actor, requested_at=timezone.now(),
    )
    audit_record(actor=actor, action="organization.identity_change_request", target=organization,
                 before=change.before, after={**_identity(change), "change": change.pk,
                                              "reason": change.reason})
    notify(recipients=platform_admins().exclude(pk=actor.pk),
           title=gettext("待审核：%(name)s 申请变更机构身份信息") % {"name": organization.name},
           body=change.reason)
    return change


def _locked_change(change) -> OrganizationIdentityChange:
    return (OrganizationIdentityChange.objects.select_for_update()
            .select_related("organization", "requested_by").get(pk=change.pk))


@transaction.atomic
def organization_identity_change_approve(*, change: OrganizationIdentityChange, actor,
                                         note: str = "") -> Organization:
    """Approve the request and change the organization's identity (audited, with the before)."""
    change = _locked_change(change)
    authz.require(actor, "accounts.review_organizationidentitychange", change)
    if change.status != OrganizationIdentityChange.Status.PENDING:
        raise ServiceError(gettext("该申请已审核，不能重复处理。"), code="state")
    organization = Organization.objects.select_for_update().get(pk=change.organization_id)
    if _identity(organization) != change.before:
        raise ServiceError(gettext("机构信息在申请后已发生变化，请驳回本申请并由机构重新提交。"),
                           code="stale")
    before = _snapshot(organization)
    for field in IDENTITY_FIELDS:
        setattr(organization, field, getattr(change, field))
    organization.credit_code_override_reason = change.credit_code_override_reason
    try:
        organization.full_clean()
    except ValidationError as error:
        raise ServiceError(
            [message for messages in error.message_dict.values() for message in messages],
            code="invalid") from None
    organization.save(update_fields=[*IDENTITY_FIELDS, "credit_code_override_reason"])
    IdentityChangeStates(change).approve()
    change.reviewed_by, change.reviewed_at = actor, timezone.now()
    change.review_note = (note or "").strip()
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(actor=actor, action="organization.identity_change", target=organization,
                 before=before, after={**_snapshot(organization), "change": change.pk,
                                       "requested_by": change.requested_by_id})
    if organization.credit_code and organization.credit_code_fails_check:
        audit_record(actor=actor, action="organization.credit_code_override", target=organization,
                     before={"credit_code": before["credit_code"]},
                     after={"credit_code": organization.credit_code,
                            "reason": organization.credit_code_override_reason})
    notify(recipients=[change.requested_by],
           title=gettext("机构身份信息变更已批准：%(name)s") % {"name": organization.name},
           body=change.review_note)
    return organization


@transaction.atomic
def organization_identity_change_reject(*, change: OrganizationIdentityChange, actor,
                                        note: str) -> OrganizationIdentityChange:
    """Reject the request with a reason; the organization stays as it is."""
    change = _locked_change(change)
    authz.require(actor, "accounts.review_organizationidentitychange", change)
    if change.status != OrganizationIdentityChange.Status.PENDING:
        raise ServiceError(gettext("该申请已审核，不能重复处理。"), code="state")
    if not (note or "").strip():
        raise ServiceError(gettext("请填写驳回理由。"), code="note")
    IdentityChangeStates(change).reject()
    change.reviewed_by, change.reviewed_at, change.review_note = actor, timezone.now(), note.strip()
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(actor=actor, action="organization.identity_change_reject",
                 target=change.organization, before={"status": "pending", "change": change.pk},
                 after={"status": change.status, "note": change.review_note})
    notify(recipients=[change.requested_by],
           title=gettext("机构身份信息变更被驳回：%(name)s") % {"name": change.organization.name},
           body=change.review_note)
    return change
