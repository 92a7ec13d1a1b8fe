import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from collaboratives.models import Team
from referrals.intake_measures import intake_measures_record
from referrals.models import Program


class Command(BaseCommand):
    help = "Record one month's intake measures of every CQI team with programs linked to it, as the given person."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--as", dest="email", required=True, help="Who enters the data (their rights apply)."
        )

    def handle(self, *args: Any, month: str, email: str, **options: Any) -> None:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError as exc:
            raise CommandError("--month is YYYY-MM, e.g. 2026-10.") from exc
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {email}.")
        teams = Team.objects.unscoped(reason="a trusted command over every team with linked programs").filter(
            id__in=Program.objects.unscoped(reason="the same").filter(team__isnull=False).values("team")
        )
        for team in teams.select_related("lia", "collaborative"):
            codes = intake_measures_record(actor=user, team=team, month=first, today=timezone.localdate())
            self.stdout.write(f"{team}: {', '.join(codes) or 'nothing (window still open)'}")
