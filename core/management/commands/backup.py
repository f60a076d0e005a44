"""Back up the database, the files and the audit anchors (core.backup); keys apart on request."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Write a backup directory (database, files, audit anchors, manifest with SHA-256) "
            "under --out; --keys-out writes the keys to a separate directory.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="directory the backup is written under")
        parser.add_argument("--keys-out", help="directory for the keys (keep it apart, offline)")

    def handle(self, *args, out, keys_out=None, **options):
        try:
            target = backup(Path(out), keys_dir=Path(keys_out) if keys_out else None)
        except (BackupError, OSError) as error:
            raise CommandError(f"backup failed: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"backup written: {target}"))
