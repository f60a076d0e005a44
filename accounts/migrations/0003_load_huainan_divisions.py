"""Load 淮南市 and its districts and counties (GB/T 2260, RULES.md); safe to run again."""

from django.db import migrations

CITY = ("340400", "淮南市")
DISTRICTS = [
    ("340402", "大通区"),
    ("340403", "田家庵区"),
    ("340404", "谢家集区"),
    ("340405", "八公山区"),
    ("340406", "潘集区"),
    ("340421", "凤台县"),
    ("340422", "寿县"),
]


def load_divisions(apps, schema_editor):
    Division = apps.get_model("accounts", "Division")
    city, _ = Division.objects.update_or_create(
        code=CITY[0], defaults={"name": CITY[1], "level": "city", "parent": None}
    )
    for code, name in DISTRICTS:
        Division.objects.update_or_create(
            code=code, defaults={"name": name, "level": "district", "parent": city}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_membership_optional_organization")]

    operations = [migrations.RunPython(load_divisions, migrations.RunPython.noop)]
