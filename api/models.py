"""API tokens (接口令牌): a system acts as one named user of one organization, until expiry."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_digest(key: str) -> str:
    """Return the SHA-256 hex digest under which a token's secret is stored (never the key)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token: ``Authorization: Bearer <prefix>.<secret>``; only the digest is stored."""

    name = models.CharField(_("令牌名称"), max_length=100,
                            help_text=_("使用该令牌的系统，如“区民政局数据中台”。"))
    prefix = models.CharField(_("令牌前缀"), max_length=12, unique=True)
    digest = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代表用户"),
                             on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey("accounts.Organization", verbose_name=_("所属机构"),
                                     on_delete=models.CASCADE, related_name="api_tokens",
                                     null=True, blank=True,
                                     help_text=_("不属于任何机构的评审专家可以为空。"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"),
                                   on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("吊销人"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    def is_active(self, now=None) -> bool:
        """Return whether the token authenticates now: not revoked, not expired."""
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
