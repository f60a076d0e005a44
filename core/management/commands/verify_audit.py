"""Walk the audit hash chain and report the first row that does not fit."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain
from core.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the audit log hash chain; exit non-zero naming the first bad row."

    def handle(self, *args, **options):
        ok, bad_id, reason = verify_chain()
        if not ok:
            raise CommandError(f"audit chain broken at row id={bad_id}: {reason}")
        count = AuditEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"OK: {count} audit rows, chain intact"))
