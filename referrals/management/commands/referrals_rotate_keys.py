from typing import Any

from django.core.management.base import BaseCommand

from referrals.services import referral_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt every referral's personal data under the first key of REFERRALS_FIELD_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = referral_keys_rotate()
        self.stdout.write(f"Re-encrypted {rows} rows under the first key.")
