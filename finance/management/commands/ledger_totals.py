"""Recompute the ledger's totals on every envelope, or (--check) report the ones that drifted."""

from django.core.management.base import BaseCommand, CommandError

from finance.services.ledger import envelope_totals_drift, envelope_totals_refresh


class Command(BaseCommand):
    help = ("Recompute each budget envelope's committed, contracted and paid totals from its "
            "commitments, contracts and payments (after rows were written around the models, "
            "e.g. bulk-loaded); --check only reports envelopes whose totals differ, exit 1.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="report drifted envelopes and exit 1 if any; change nothing")

    def handle(self, *args, check=False, **options):
        if not check:
            count = envelope_totals_refresh()
            self.stdout.write(self.style.SUCCESS(f"OK: totals of {count} envelopes recomputed"))
            return
        drift = envelope_totals_drift()
        for envelope, stored, summed in drift:
            self.stderr.write(f"{envelope.pk} {envelope.name}: stored (committed, contracted, "
                              f"paid) {tuple(map(str, stored))}, summed {tuple(map(str, summed))}")
        if drift:
            raise CommandError(f"{len(drift)} envelopes' totals differ from their rows; "
                               "run manage.py ledger_totals")
        self.stdout.write(self.style.SUCCESS("OK: every envelope's totals match its rows"))
