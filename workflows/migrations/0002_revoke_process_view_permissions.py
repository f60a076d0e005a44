"""Take back the model-wide view permission on the flows' processes from the role groups.

A post_migrate hook granted ``view_serviceprojectprocess`` and ``view_needprocess`` to the groups
of the chain's roles for viewflow's process lists, which are no longer mounted. A model-wide grant
said "every process"; who sees a process is ``workflows.permissions.can_view_process``.
"""

from django.db import migrations

ROLES = ["purchaser", "community", "finance", "social_org", "expert", "evaluator"]


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(Permission.objects.filter(
        content_type__app_label="workflows",
        codename__in=["view_serviceprojectprocess", "view_needprocess"],
    ))
    if not perms:
        return
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_initial"),
        ("accounts", "0004_role_groups"),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
