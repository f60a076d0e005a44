"""API tokens: issue (the key is shown once), revoke. Each is audited; the token's user is told."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import user_memberships
from api.models import ApiToken, token_digest
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify


def _new_key() -> tuple[str, str]:
    """Return (prefix, key): a public 8-character prefix and the whole bearer key."""
    prefix = secrets.token_hex(4)
    return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


@transaction.atomic
def token_issue(*, actor, user, organization, name: str, days: int | None = None,
                ) -> tuple[ApiToken, str]:
    """Issue a token acting as ``user`` of ``organization`` for ``days``; return it and its key.

    The key is returned once and never stored (only its SHA-256 digest). The user must hold an
    active role in the organization (an expert without one may have a token without it).
    """
    token = ApiToken(name=(name or "").strip(), user=user, organization=organization)
    authz.require(actor, "api.add_apitoken", token)
    if not token.name:
        raise ServiceError(_("请填写令牌名称（使用该令牌的系统）。"), code="name")
    if not user.is_active:
        raise ServiceError(_("该用户已停用，不能签发接口令牌。"), code="user")
    memberships = user_memberships(user)
    if organization is not None and not any(m.organization_id == organization.pk
                                            for m in memberships):
        raise ServiceError(_("该用户不是所选机构的在职人员。"), code="organization")
    if organization is None and not any(m.organization_id is None for m in memberships):
        raise ServiceError(_("请选择令牌所属机构。"), code="organization")
    maximum = settings.API_TOKEN_MAX_DAYS
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else int(days)
    if not 1 <= days <= maximum:
        raise ServiceError(_("令牌有效期应为1至%(days)s天。") % {"days": maximum}, code="days")
    prefix, key = _new_key()
    token.prefix, token.digest = prefix, token_digest(key)
    token.created_by = actor
    token.created_at = timezone.now()
    token.expires_at = token.created_at + dt.timedelta(days=days)
    token.save()
    audit_record(actor=actor, action="api_token.issue", target=token, before=None,
                 after={"prefix": prefix, "user": user.pk,
                        "organization": organization.pk if organization else None,
                        "expires_at": token.expires_at.isoformat()})
    if user.pk != actor.pk:
        notify(recipients=[user], title=_("已为您签发接口令牌：%(name)s") % {"name": token.name},
               body=_("令牌前缀 %(prefix)s，有效期至 %(expires)s。如非本人知悉，请立即吊销。") % {
                   "prefix": prefix,
                   "expires": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")})
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke the token at once (idempotent refusal: a revoked token stays revoked)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    authz.require(actor, "api.revoke_apitoken", token)
    if token.revoked_at is not None:
        raise ServiceError(_("该接口令牌已吊销。"), code="state")
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="api_token.revoke", target=token,
                 before={"revoked_at": None}, after={"revoked_at": token.revoked_at.isoformat()})
    return token
