"""Create and change organizations; the only place a failing credit code can be accepted."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.selectors import is_platform_admin
from accounts.validators import normalize_credit_code
from core import authz
from core.audit import audit_record

AUDITED_FIELDS = [
    "name", "kind", "division", "credit_code", "credit_code_override_reason",
    "legal_representative", "contact_person", "contact_phone", "rating", "is_active",
]


def _snapshot(organization: Organization) -> dict:
    return model_to_dict(organization, fields=AUDITED_FIELDS)


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
