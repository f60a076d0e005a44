"""Login lockouts (django-axes): a platform admin lifts one before its cool-off ends, audited."""

from axes.models import AccessAttempt
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.selectors import is_platform_admin
from core.audit import audit_record
from core.exceptions import PermissionDenied


@transaction.atomic
def login_lock_lift(*, attempts, actor) -> int:
    """Delete the failed-login counts of the given username+address pairs; one audit row each.

    ``attempts`` is a queryset or list of axes ``AccessAttempt`` rows. Returns how many were
    lifted. Only a platform admin (or a superuser) may do it; ``manage.py axes_reset_username``
    is the server-side way, for those with shell access.
    """
    if not is_platform_admin(actor):
        raise PermissionDenied(_("只有平台管理员可以解除登录锁定。"))
    rows = list(AccessAttempt.objects.select_for_update().filter(
        pk__in=[attempt.pk for attempt in attempts]))
    for attempt in rows:
        audit_record(actor=actor, action="login.unlock", target=attempt,
                     before={"username": attempt.username, "ip_address": attempt.ip_address,
                             "failures": attempt.failures_since_start})
    AccessAttempt.objects.filter(pk__in=[attempt.pk for attempt in rows]).delete()
    return len(rows)
