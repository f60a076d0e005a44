"""Rewrap every tender data key under the current sealing KEK (docs/security.md "Sealed bids")."""

from django.core.management.base import BaseCommand, CommandError

from core import crypto
from procurement.sealing import sealing_keys_rotate


class Command(BaseCommand):
    help = ("Rewrap the sealed bids' data keys under the current key-encryption key (the first "
            "of SEALING_KEKS / SEALING_KEK_FILE); afterwards the older keys may be removed.")

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true",
                            help="Only print a new key ring entry to put first in the ring.")
        parser.add_argument("--id", default="", help="The id of the new key (with --new-key).")

    def handle(self, *args, **options):
        if options["new_key"]:
            from django.utils import timezone

            kek_id = options["id"] or f"k{timezone.now():%Y%m%d%H%M}"
            self.stdout.write(crypto.key_ring_entry(kek_id, crypto.generate_key()))
            return
        try:
            count = sealing_keys_rotate()
        except crypto.SealingError as error:
            raise CommandError("; ".join(error.messages)) from None
        current, _ring = crypto.key_ring()
        self.stdout.write(self.style.SUCCESS(f"rewrapped {count} tender keys under {current}"))
