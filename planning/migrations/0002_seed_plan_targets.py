from django.db import migrations


def load(apps, schema_editor):
    from planning.seed import load_seed_targets

    load_seed_targets(apps.get_model("planning", "PlanTarget"))


def unload(apps, schema_editor):
    from planning.seed import SEED_PLAN, SEED_YEAR

    apps.get_model("planning", "PlanTarget").objects.filter(plan=SEED_PLAN, year=SEED_YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
