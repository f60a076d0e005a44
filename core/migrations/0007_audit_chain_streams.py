"""The audit chain becomes STREAMS chains (core.audit): each row records its stream, and one
head row per stream. Existing rows and the existing head (pk 1) are stream 1, unchanged."""

from django.db import migrations, models

STREAMS = 16  # core.audit.STREAMS at the time of writing; audit_record creates missing heads


def heads_create(apps, schema_editor):
    head = apps.get_model("core", "AuditChainHead")
    for pk in range(1, STREAMS + 1):
        head.objects.get_or_create(pk=pk)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_audit_entry_guard_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="stream",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="链序号"),
        ),
        migrations.RunPython(heads_create, migrations.RunPython.noop),
    ]
