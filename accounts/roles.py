"""Platform roles: each role is a Django group of the same name, created idempotently."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    COMMUNITY = "community", _("社区工作人员")
    PURCHASER = "purchaser", _("购买主体")
    FINANCE = "finance", _("财政审核")
    SOCIAL_ORG = "social_org", _("社会组织")
    SOCIAL_WORKER = "social_worker", _("社工")
    EXPERT = "expert", _("评审专家")
    EVALUATOR = "evaluator", _("第三方评估机构")
    SUPERVISOR = "supervisor", _("纪检监察/审计")
    ADMIN = "admin", _("平台管理员")


# Organization kinds (Organization.Kind values) a membership with each role may belong to.
# ``None`` in the set means the role may be held without an organization.
ROLE_ORGANIZATION_KINDS: dict[str, frozenset] = {
    Role.RESIDENT: frozenset({"community"}),
    Role.COMMUNITY: frozenset({"community"}),
    Role.PURCHASER: frozenset({"purchaser"}),
    Role.FINANCE: frozenset({"finance"}),
    Role.SOCIAL_ORG: frozenset({"social_org"}),
    Role.SOCIAL_WORKER: frozenset({"social_org"}),
    Role.EVALUATOR: frozenset({"evaluator"}),
    Role.EXPERT: frozenset({"evaluator", None}),
    Role.SUPERVISOR: frozenset({"supervisor"}),
    Role.ADMIN: frozenset({"purchaser", "community", "social_org", "finance", "evaluator",
                           "supervisor", None}),
}

ROLES_WITHOUT_ORGANIZATION = frozenset(
    role for role, kinds in ROLE_ORGANIZATION_KINDS.items() if None in kinds
)

# Models (app_label, model) whose add/change/delete/view permissions the admin group holds.
ADMIN_GROUP_MODELS = [
    ("accounts", "user"),
    ("accounts", "division"),
    ("accounts", "organization"),
    ("accounts", "membership"),
    ("accounts", "socialworkerprofile"),
    ("accounts", "expertprofile"),
    ("accounts", "expertrecusal"),
    ("auth", "group"),
]
# Models the admin group may only view (the audit log is append-only).
ADMIN_GROUP_VIEW_ONLY_MODELS = [("core", "auditentry")]
# (app_label, model, action) the admin group also holds: failed logins, to lift a lockout.
ADMIN_GROUP_EXTRA_PERMISSIONS = [("axes", "accessattempt", "view"),
                                 ("axes", "accessattempt", "delete")]


def role_allows_organization_kind(role: str, kind: str | None) -> bool:
    """Return whether a membership with role may belong to an organization of kind (None: none)."""
    return kind in ROLE_ORGANIZATION_KINDS.get(role, frozenset())


def ensure_role_groups() -> dict:
    """Create one auth group per Role and give the admin group its permissions; safe to rerun."""
    from django.contrib.auth.models import Group, Permission

    groups = {}
    for role in Role:
        groups[role.value], _created = Group.objects.get_or_create(name=role.value)
    perms = list(
        Permission.objects.filter(
            models.Q(
                *[
                    models.Q(content_type__app_label=app, content_type__model=model)
                    for app, model in ADMIN_GROUP_MODELS
                ],
                _connector=models.Q.OR,
            )
            | models.Q(
                *[
                    models.Q(
                        content_type__app_label=app, content_type__model=model,
                        codename__startswith="view_",
                    )
                    for app, model in ADMIN_GROUP_VIEW_ONLY_MODELS
                ],
                _connector=models.Q.OR,
            )
            | models.Q(
                *[
                    models.Q(
                        content_type__app_label=app, content_type__model=model,
                        codename=f"{action}_{model}",
                    )
                    for app, model, action in ADMIN_GROUP_EXTRA_PERMISSIONS
                ],
                _connector=models.Q.OR,
            )
        )
    )
    if perms:
        groups[Role.ADMIN.value].permissions.add(*perms)
    return groups
