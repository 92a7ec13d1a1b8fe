from typing import Any

from django.core.management.base import BaseCommand

from referrals.summary import rebuild


class Command(BaseCommand):
    help = "Recompute the network dashboard's monthly summary from the referrals (all networks)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild()
        self.stdout.write(f"Rebuilt the referral summary: {rows} rows.")
