"""Restore a backup into the configured database, file storage and audit anchor folder, then
verify the audit chain."""

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore a backup directory (made by `backup`) into the database, file storage and "
            "audit anchor folder the settings point at, then check the audit chain against the "
            "backup's manifest.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="the sanshe-backup-… directory")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that is not empty")

    def handle(self, *args, source, force=False, **options):
        try:
            manifest = restore(Path(source), force=force)
        except (BackupError, OSError, subprocess.CalledProcessError) as error:
            raise CommandError(f"restore failed: {error}") from error
        audit = manifest["audit"]
        self.stdout.write(self.style.SUCCESS(
            f"restored {source}: {audit['count']} audit rows at backup time, chain intact"))
