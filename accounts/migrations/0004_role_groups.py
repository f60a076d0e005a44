"""Create one auth group per platform role; permissions are granted by ensure_role_groups()."""

from django.db import migrations

ROLES = [
    "resident", "community", "purchaser", "finance", "social_org", "social_worker", "expert",
    "evaluator", "admin",
]


def create_groups(apps, schema_editor):
    # Permissions rows may not exist yet on a fresh database (they are created after migrate);
    # accounts.apps connects ensure_role_groups() to post_migrate to grant them.
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_load_huainan_divisions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
