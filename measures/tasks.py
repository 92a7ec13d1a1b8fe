from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def runchart_refresh(analysis_id: int) -> None:
    from measures.charts.recompute import runchart_analyse  # body import: recompute imports this module
    from measures.models import RunChartAnalysis

    analysis = (
        RunChartAnalysis.objects.select_related("measure__collaborative", "team__lia")
        .filter(id=analysis_id, stale=True)  # fresh: an earlier task of the same change computed it
        .first()
    )
    if analysis is not None:
        runchart_analyse(analysis=analysis)


@shared_task(acks_late=True)
def runchart_sweep() -> None:
    from measures.charts.recompute import runchart_sweep as sweep

    sweep()


@shared_task(acks_late=True)
def dashboard_changes_prune() -> None:
    from django.utils import timezone

    from measures.page_cache import changes_prune

    changes_prune(now=timezone.now())


@shared_task(acks_late=True)
def report_reminders_send() -> None:
    from django.utils import timezone

    from measures.services import report_reminders_send as send

    send(today=timezone.localdate())  # once per team, month and kind: safe to run again


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def runchart_refresh_many(analysis_ids: list[int]) -> None:
    """Recompute the batch's stale series. An import of several new months marks a measure stale once
    per month, each time with the same batches; the first round leaves the later ones nothing to do."""
    from measures.charts.recompute import runchart_analyse_many  # body import: recompute imports this module
    from measures.models import RunChartAnalysis

    stale = RunChartAnalysis.objects.filter(id__in=analysis_ids, stale=True).values_list("id", flat=True)
    if stale_ids := list(stale):
        runchart_analyse_many(analysis_ids=stale_ids)  # same inputs → same rows; safe to repeat


@shared_task(acks_late=True)
def training_record_all() -> None:
    from django.utils import timezone

    from measures.learning import training_record_all as record

    record(today=timezone.localdate())  # records only values that changed: safe to run again


@shared_task(acks_late=True)
def phase_suggestions_notify() -> None:
    from measures.coaching import phase_suggestions_notify as notify

    notify()
