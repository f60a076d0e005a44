"""Export the audit chain head now (the daily beat task does the same)."""

from django.core.management.base import BaseCommand

from core.audit import anchor_dir, audit_anchor


class Command(BaseCommand):
    help = "Append the audit chain head to the anchor file (AUDIT_ANCHOR_DIR) and mail it."

    def handle(self, *args, **options):
        anchor = audit_anchor()
        self.stdout.write(self.style.SUCCESS(
            f"anchor: row {anchor['last_id']}, {anchor['count']} rows, {anchor['last_hash']} "
            f"→ {anchor_dir()}"))
