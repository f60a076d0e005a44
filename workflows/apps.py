from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Roles that act in the flows. Residents only submit needs (a start page); admins never act.
FLOW_ROLES = ["purchaser", "community", "finance", "social_org", "expert", "evaluator"]


def grant_flow_view_permissions(sender=None, **kwargs) -> None:
    """Give the groups of the roles acting in the flows the model-level view permission of the flows' processes.

    viewflow's back office needs ``view_<process>``; object scoping is done by the task and
    list selectors. Safe to run on every migrate.
    """
    from django.contrib.auth.models import Permission

    from accounts.roles import ensure_role_groups

    groups = ensure_role_groups()
    perms = list(
        Permission.objects.filter(
            content_type__app_label="workflows",
            codename__in=["view_serviceprojectprocess", "view_needprocess"],
        )
    )
    if not perms:
        return
    for role in FLOW_ROLES:
        groups[role].permissions.add(*perms)


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程")

    def ready(self):
        from workflows import receivers

        receivers.connect()
        post_migrate.connect(grant_flow_view_permissions, sender=self,
                             dispatch_uid="workflows.grant_flow_view_permissions")
