from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collaboratives.models import Collaborative
from measures.charts.recompute import recompute_all, runchart_verify


class Command(BaseCommand):
    help = "Mark run-chart series stale and enqueue their recompute (in-process when no REDIS_URL is set)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--all", action="store_true", help="every series of every collaborative")
        group.add_argument("--collaborative", metavar="SHORT_NAME", help="one collaborative, by short name")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="recompute in memory and report stored results that differ (exit 1 on any); nothing is written",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collaborative_ids = None
        if options["collaborative"]:
            found = Collaborative.objects.filter(short_name=options["collaborative"]).values_list(
                "id", flat=True
            )
            if not found:
                raise CommandError(f"No collaborative with short name {options['collaborative']!r}.")
            collaborative_ids = list(found)
        if options["verify"]:
            differences = runchart_verify(collaborative_ids=collaborative_ids)
            for line in differences:
                self.stdout.write(line)
            self.stdout.write(f"{len(differences)} differences.")
            if differences:
                raise CommandError(f"{len(differences)} stored run-chart results differ from a recompute.")
            return
        ids = recompute_all(collaborative_ids=collaborative_ids)
        self.stdout.write(f"Enqueued {len(ids)} run-chart series.")
