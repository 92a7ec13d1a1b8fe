import datetime as dt
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from collaboratives.learning.demo import load_learning_demo
from collaboratives.models import Collaborative
from measures.charts.recompute import recompute_all
from measures.demo import DEMO_LOGINS, DEMO_PASSWORD, LEAD_LIA, LIAS, load_demo
from pdsa.demo import load_pdsa_demo
from referrals.demo import AGENCIES as REFERRAL_AGENCIES
from referrals.demo import CQI as REFERRAL_CQI
from referrals.demo import DEMO_LOGINS as REFERRAL_LOGINS
from referrals.demo import load as load_referrals_demo
from worksheets.demo import load as load_worksheets_demo
from worksheets.survey.demo import load_survey_demo


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = (
        "Load the demo SRR and IPV collaboratives, people, monthly data, key driver diagrams, PDSA cycles and "
        "worksheets (idempotent)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--today",
            type=_iso_date,
            default=None,
            help="Anchor the demo dates to this day (YYYY-MM-DD); the month before it is the month now due. "
            "Default: today's local date.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into an empty database (what `make run` does); always print the logins.",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load even though DEBUG is off. The demo creates a superuser with a published password.",
        )

    def handle(
        self, *args: Any, today: dt.date | None, if_empty: bool, allow_without_debug: bool, **options: Any
    ) -> None:
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "DEBUG is off: this looks like a real deployment, and the demo adds a superuser with a "
                "published password. Set DEBUG=true, or pass --allow-without-debug if you mean it."
            )
        if if_empty and Collaborative.objects.exists():
            self.stdout.write("The database already has collaboratives: demo data not loaded again.")
        else:
            self._load(today or timezone.localdate())
        self._print_logins()

    def _load(self, today: dt.date) -> None:
        summary = load_demo(today=today)
        self.stdout.write(
            f"Demo loaded for {summary.today:%Y-%m-%d} (month now due: {summary.due_month:%B %Y}): "
            f"{summary.collaboratives} collaboratives, {summary.awardees} awardees, {summary.lias} LIAs, "
            f"{summary.teams} teams, {summary.users} people, {summary.observations} observations, "
            f"{summary.reports} monthly reports."
        )
        self.stdout.write(
            f"Changed: observations +{summary.observations_created} ~{summary.observations_updated} "
            f"-{summary.observations_deleted}; reports +{summary.reports_created} ~{summary.reports_updated} "
            f"-{summary.reports_deleted}."
        )
        pdsa = load_pdsa_demo(today=today)
        self.stdout.write(
            f"Key driver diagrams: {pdsa.change_ideas} change ideas. PDSA cycles: {pdsa.cycles}, "
            f"{pdsa.reviews} sent for review, {pdsa.waiting} waiting in the advisors' queues."
        )
        load_worksheets_demo(today=today)
        self.stdout.write("Worksheets: Joy in Work reflections and Ohio's closing planner for the SRR CoIIN.")
        built = load_survey_demo(today=today)
        self.stdout.write(
            f"Staff well-being survey: {built} SRR survey months built; their answers are the SRR observations."
        )
        self.stdout.write(load_learning_demo(today=today))
        self.stdout.write(
            f"Referral network: {load_referrals_demo(today=today)} referrals over 12 months; its "
            f"{len(REFERRAL_AGENCIES)} agencies are the teams of a third collaborative, {REFERRAL_CQI}."
        )
        analyses = recompute_all()
        self.stdout.write(
            f"Run charts: {len(analyses)} series computed (or enqueued when a worker is configured)."
        )

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD}):"))
        width = max(len(login.email) for login in DEMO_LOGINS)
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<{width}}  {login.role}")
        for email, role in REFERRAL_LOGINS:
            self.stdout.write(f"  {email:<{width}}  {role}")
        self.stdout.write("\nCQI leads of the other LIAs (same password):")
        others = [lia for lia in LIAS if lia.slug != LEAD_LIA]
        width = max(len(lia.lead_email) for lia in others)
        for lia in others:
            self.stdout.write(f"  {lia.lead_email:<{width}}  {lia.name}")
