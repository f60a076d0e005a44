"""Walk the audit hash chain, check it against the latest anchor, report the first bad row."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import latest_anchor, verify_chain
from core.models import AuditEntry


class Command(BaseCommand):
    help = ("Verify the audit log hash chain (and its HMAC) against the latest anchor; exit "
            "non-zero naming the first bad row.")

    def handle(self, *args, **options):
        anchor = latest_anchor()
        ok, bad_id, reason = verify_chain(anchor=anchor)
        if not ok:
            raise CommandError(f"audit chain broken at row id={bad_id}: {reason}")
        count = AuditEntry.objects.count()
        where = (f"; matches the anchor of {anchor['at']} (row {anchor['last_id']})"
                 if anchor and anchor.get("last_id") else "; no anchor yet (run audit_anchor)")
        self.stdout.write(self.style.SUCCESS(f"OK: {count} audit rows, chain intact{where}"))
